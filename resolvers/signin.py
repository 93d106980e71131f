"""login: step one of signing in."""

from __future__ import annotations

from strawberry.types import Info

from domain.errors import TooManyAttempts
from domain.services import signin
from domain.services.sessions import Authenticated, SignedIn
from resolvers.context import Context
from resolvers.errors import attempt, user_errors
from schema.signin import LoginInput, LoginPayload
from schema.users import UserType


async def login(info: Info[Context, None], input: LoginInput) -> LoginPayload:
    return await login_answer(info.context, input.email, input.password)


async def login_answer(ctx: Context, email: str, password: str) -> LoginPayload:
    """The sign-in's payload, worked out once per request: the plan of a login document
    (schema.compiled) runs it without the GraphQL machinery, and should the plan hand the request to
    the ordinary path after all, this answers there with the same payload (nothing signs in twice)."""

    def work() -> SignedIn | signin.MfaRequired:
        return signin.login(
            ctx.deps,
            email=email,
            password=password,
            ip=ctx.client_ip,
            user_agent=ctx.user_agent,
            device_token=ctx.device_token,
        )

    def done(result: SignedIn | signin.MfaRequired) -> LoginPayload:
        if isinstance(result, signin.MfaRequired):
            return LoginPayload(
                mfa_required=True,
                mfa_challenge=result.challenge,
                mfa_methods=list(result.methods),
                passkey_options=result.passkey_options,
            )
        return signed_in_payload(ctx, result)

    async def run() -> LoginPayload:
        refused = login_refusal(ctx, email, password)
        return refused if refused is not None else await attempt(ctx, LoginPayload, work, done)

    return await ctx.once(run)


def login_refusal(ctx: Context, email: str, password: str) -> LoginPayload | None:
    """The answer to a sign-in turned away before any work (signin.refuse_early: the client's limit
    is spent, or the hasher is saturated), or None when it goes on. A flood's usual answer."""
    try:
        signin.refuse_early(ctx.deps, ctx.client_ip, ctx.device_token, email, password)
    except TooManyAttempts as error:
        return LoginPayload(errors=user_errors(error, ctx))
    return None


def signed_in_payload(ctx: Context, result: SignedIn) -> LoginPayload:
    """Hand out the new session as token and cookie; the rest of the request runs as that session."""
    ctx.set_session_cookie(result.token)
    if result.device_token is not None:
        ctx.set_device_cookie(result.device_token)
    ctx.forget_auth(Authenticated(result.session, result.user, result.account))
    user = UserType.from_entity(result.user, result.account)
    return LoginPayload(token=result.token, user=user, device_token=result.device_token)
