"""Query.me: the signed-in user."""

from __future__ import annotations

from uuid import UUID

from strawberry.types import Info

from resolvers.context import Caller, Context
from schema.users import UserType


async def me(info: Info[Context, None]) -> UserType | None:
    found = await info.context.auth()
    return UserType.from_entity(found.user, found.account) if found else None


async def node(info: Info[Context, None], found: Caller, raw_id: UUID) -> UserType | None:
    """Only the caller themself."""
    return UserType.from_entity(found.user, found.account) if raw_id == found.user.id else None
