"""Accounts reached by ID."""

from __future__ import annotations

from uuid import UUID

from strawberry.types import Info

from resolvers.context import Caller, Context
from schema.accounts import AccountType


async def node(info: Info[Context, None], found: Caller, raw_id: UUID) -> AccountType | None:
    """Only the caller's own account."""
    return AccountType.from_entity(found.account) if raw_id == found.account.id else None
