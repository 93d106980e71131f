"""Accounts reached by ID."""

from __future__ import annotations

from uuid import UUID

from strawberry.types import Info

from domain.services.sessions import Authenticated
from resolvers.context import Context
from schema.accounts import AccountType


async def node(info: Info[Context, None], found: Authenticated, raw_id: UUID) -> AccountType | None:
    """Only the caller's own account."""
    return AccountType.from_entity(found.account) if raw_id == found.account.id else None
