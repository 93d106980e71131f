"""Ending sessions: this one (logout) or another of the caller's (revokeSession)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from domain.services import sessions
from resolvers.access import caller, signed_in
from resolvers.context import Caller, Context
from resolvers.errors import attempt
from schema.ids import uuid_of
from schema.sessions import LogoutPayload, RevokeSessionInput, RevokeSessionPayload, SessionType


async def logout(info: Info[Context, None]) -> LogoutPayload:
    if await info.context.auth() is None:  # expired or missing: already signed out; drop a stale cookie
        info.context.clear_session_cookie()
        return LogoutPayload()
    actor = await caller(info)
    await run_in_threadpool(sessions.logout, info.context.deps, actor)
    info.context.clear_session_cookie()
    info.context.forget_auth(None)
    return LogoutPayload()


async def revoke_session(info: Info[Context, None], input: RevokeSessionInput) -> RevokeSessionPayload:
    found = await signed_in(info)
    session_id = uuid_of(input.session_id, "Session")
    actor = found.actor(info.context.client_ip)

    def done(_: None) -> RevokeSessionPayload:
        if session_id == found.session_id:
            info.context.clear_session_cookie()
            info.context.forget_auth(None)
        return RevokeSessionPayload()

    return await attempt(
        info.context, RevokeSessionPayload, lambda: sessions.revoke_session(info.context.deps, actor, session_id), done
    )


async def node(info: Info[Context, None], found: Caller, global_id: str) -> SessionType | None:
    """One of the caller's own live sessions."""
    live = await info.context.loaders.sessions.load(found.user.id)
    idle = int(info.context.deps.policy.idle_ttl.total_seconds())
    items = (SessionType.from_entity(s, found.session_id, idle) for s in live)
    return next((s for s in items if s.id == global_id), None)
