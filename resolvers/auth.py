"""Sign-in and session mutations."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from domain.errors import DomainError
from domain.services import auth
from domain.services.auth import Authenticated, MfaRequired, SignedIn
from resolvers.access import actor, signed_in
from resolvers.context import Context
from resolvers.errors import user_errors
from schema.ids import uuid_of
from schema.inputs import LoginInput, RevokeSessionInput
from schema.payloads import LoginPayload, LogoutPayload, RevokeSessionPayload
from schema.types import UserType


async def login(info: Info[Context, None], input: LoginInput) -> LoginPayload:
    ctx = info.context
    try:
        auth.refuse_if_busy(ctx.deps)
        result = await run_in_threadpool(
            auth.login,
            ctx.deps,
            email=input.email,
            password=input.password,
            ip=ctx.client_ip,
            user_agent=ctx.user_agent,
        )
    except DomainError as error:
        return LoginPayload(errors=user_errors(error))
    if isinstance(result, MfaRequired):
        return LoginPayload(mfa_required=True, mfa_challenge=result.challenge)
    return await signed_in_payload(ctx, result)


async def signed_in_payload(ctx: Context, result: SignedIn) -> LoginPayload:
    """Hand out the new session as token and cookie; the rest of the request runs as that session."""
    ctx.set_session_cookie(result.token)
    ctx.forget_auth(Authenticated(result.session, result.user, result.account))
    return LoginPayload(token=result.token, user=UserType.from_entity(result.user, result.account))


async def logout(info: Info[Context, None]) -> LogoutPayload:
    if await info.context.auth() is None:  # expired or missing: already signed out; drop a stale cookie
        info.context.clear_session_cookie()
        return LogoutPayload()
    caller = await actor(info)
    await run_in_threadpool(auth.logout, info.context.deps, caller)
    info.context.clear_session_cookie()
    info.context.forget_auth(None)
    return LogoutPayload()


async def revoke_session(info: Info[Context, None], input: RevokeSessionInput) -> RevokeSessionPayload:
    found = await signed_in(info)
    session_id = uuid_of(input.session_id, "Session")
    try:
        await run_in_threadpool(auth.revoke_session, info.context.deps, found.actor(info.context.client_ip), session_id)
    except DomainError as error:
        return RevokeSessionPayload(errors=user_errors(error))
    if session_id == found.session.id:
        info.context.clear_session_cookie()
        info.context.forget_auth(None)
    return RevokeSessionPayload()
