"""Who may call a field, declared once next to the field.

`query(...)` and `mutation(...)` bind a resolver with an `Access` rule: the same declaration
enforces the rule (a field extension that runs before the resolver) and ends the field's
description with a "Who: ..." line, so GraphiQL shows exactly what is enforced.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension
from strawberry.types import Info

from resolvers.access import Access, enforce

__all__ = ["Access", "mutation", "query"]


class Guard(FieldExtension):
    """Enforces a field's Access before its resolver runs."""

    def __init__(self, access: Access) -> None:
        self.access = access

    async def resolve_async(self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any) -> Any:
        await enforce(info, self.access)
        return await next_(source, info, **kwargs)


def _described(description: str, access: Access) -> str:
    return f"{description} {access.describe()}"


def _extensions(access: Access) -> list[FieldExtension]:
    return [] if access.anonymous else [Guard(access)]


def query(resolver: Callable[..., Awaitable[Any]], *, access: Access, description: str) -> Any:
    """A Query (or object) field bound to `resolver`, callable by `access`."""
    return strawberry.field(
        resolver=resolver, description=_described(description, access), extensions=_extensions(access)
    )


def mutation(resolver: Callable[..., Awaitable[Any]], *, access: Access, description: str) -> Any:
    """A Mutation field bound to `resolver`, callable by `access`."""
    return strawberry.mutation(
        resolver=resolver, description=_described(description, access), extensions=_extensions(access)
    )
