"""Query.me: the signed-in user."""

from __future__ import annotations

from uuid import UUID

from strawberry.types import Info

from domain.services.sessions import Authenticated
from resolvers.context import Context
from schema.users import UserType


async def me(info: Info[Context, None]) -> UserType | None:
    found = await info.context.auth()
    return UserType.from_entity(found.user, found.account) if found else None


async def node(info: Info[Context, None], found: Authenticated, raw_id: UUID) -> UserType | None:
    """Only the caller themself."""
    return UserType.from_entity(found.user, found.account) if raw_id == found.user.id else None
