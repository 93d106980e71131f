"""Field resolvers for nested reads. They return entities; the schema types wrap them."""

from __future__ import annotations

from uuid import UUID

from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from domain.entities import Account, ContactEmail, Session, TransferRequest
from domain.services import auth
from resolvers.access import signed_in
from resolvers.context import Context


async def contacts(info: Info[Context, None], account_id: UUID) -> list[ContactEmail]:
    """The account's contacts, for its own users and cloud admins only (checked here, not by path)."""
    found = await signed_in(info)
    if not found.actor(info.context.client_ip).may_see_account(account_id):
        return []
    return await info.context.loaders.contacts.load(account_id)


async def sessions(info: Info[Context, None], user_id: UUID) -> tuple[list[Session], UUID | None, int]:
    """The caller's own live sessions; another user's list is never exposed."""
    found = await signed_in(info)
    if found.user.id != user_id:
        return [], None, 0
    items = await run_in_threadpool(auth.list_sessions, info.context.deps, user_id)
    return items, found.session.id, int(info.context.deps.policy.idle_ttl.total_seconds())


async def recovery_codes_remaining(info: Info[Context, None], user_id: UUID) -> int:
    """Unused recovery codes; every user in the request is counted in one statement."""
    return await info.context.loaders.recovery_codes_remaining.load(user_id)


async def transfer_requests(info: Info[Context, None], account_id: UUID) -> list[TransferRequest]:
    """The account's transfer requests, for its own users and cloud admins only."""
    found = await signed_in(info)
    if not found.actor(info.context.client_ip).may_see_account(account_id):
        return []
    return await info.context.loaders.transfer_requests.load(account_id)


async def account(info: Info[Context, None], account_id: UUID) -> Account:
    """An account reached through one of its transfer requests; the caller's own costs no statement."""
    found = await signed_in(info)
    if found.account.id == account_id:
        return found.account
    return await info.context.loaders.accounts.load(account_id)
