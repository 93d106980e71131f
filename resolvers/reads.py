"""Field resolvers for nested reads. They return entities; the schema types wrap them."""

from __future__ import annotations

from uuid import UUID

from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from domain.entities import ContactEmail, Session
from domain.services import auth
from resolvers.access import signed_in
from resolvers.context import Context


async def contacts(info: Info[Context, None], account_id: UUID) -> list[ContactEmail]:
    return await info.context.loaders.contacts.load(account_id)


async def sessions(info: Info[Context, None], user_id: UUID) -> tuple[list[Session], UUID | None, int]:
    """The caller's own live sessions; another user's list is never exposed."""
    found = await signed_in(info)
    if found.user.id != user_id:
        return [], None, 0
    items = await run_in_threadpool(auth.list_sessions, info.context.deps, user_id)
    return items, found.session.id, int(info.context.deps.policy.idle_ttl.total_seconds())


async def recovery_codes_remaining(info: Info[Context, None], user_id: UUID) -> int:
    return 0
