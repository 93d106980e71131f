"""Who may call a field, declared once next to the field.

`query(...)` and `mutation(...)` bind a resolver with an `Access` rule; `field(...)` declares an
object field's token rule, and `type_rule(...)` an object type's (for fields without their own).
The same declaration enforces the rule and ends the description with its "Who: ..." and
"Scope: ..." / "Sessions only." lines, so GraphiQL shows exactly what is enforced. Roles are
checked by the Guard field extension before the resolver runs; an API token's scopes once per
request for every field the document selects (schema.scopes reads the rules back from here).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension
from strawberry.types import Info

from resolvers.access import Access, enforce

__all__ = ["ACCESS", "TYPE_RULES", "Access", "field", "mutation", "query", "type_rule"]

ACCESS = "tenantry-access"  # the key of a field's Access in its strawberry metadata
# Object types whose every field (unless it declares its own) needs a token scope, by GraphQL name.
TYPE_RULES: dict[str, Access] = {}


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
    return [] if access.anonymous or access.field_only else [Guard(access)]


def query(resolver: Callable[..., Awaitable[Any]], *, access: Access, description: str) -> Any:
    """A Query (or object) field bound to `resolver`, callable by `access`."""
    return strawberry.field(
        resolver=resolver,
        description=_described(description, access),
        extensions=_extensions(access),
        metadata={ACCESS: access},
    )


def mutation(resolver: Callable[..., Awaitable[Any]], *, access: Access, description: str) -> Any:
    """A Mutation field bound to `resolver`, callable by `access`."""
    return strawberry.mutation(
        resolver=resolver,
        description=_described(description, access),
        extensions=_extensions(access),
        metadata={ACCESS: access},
    )


def field(*, access: Access, description: str, **kwargs: Any) -> Any:
    """An object field (plain, or decorating its resolver) with the token rule `access`."""
    return strawberry.field(description=_described(description, access), metadata={ACCESS: access}, **kwargs)


def type_rule(name: str, description: str, access: Access) -> str:
    """The description of object type `name`, whose fields follow `access` unless they declare a rule."""
    TYPE_RULES[name] = access
    return f"{description} Every field: {access.describe()}"
