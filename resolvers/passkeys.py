"""Passkeys: adding one, the second sign-in step with one, and passwordless sign-in."""

from __future__ import annotations

from strawberry.types import Info

from domain.services import passkeys
from domain.services.sessions import SignedIn
from resolvers.access import caller
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.signin import signed_in_payload
from schema.authenticators import AuthenticatorType
from schema.mfa import mfa_status
from schema.passkeys import (
    CompleteMfaLoginWithPasskeyInput,
    CompletePasskeyLoginInput,
    FinishPasskeyRegistrationInput,
    FinishPasskeyRegistrationPayload,
    StartPasskeyLoginPayload,
    StartPasskeyRegistrationInput,
    StartPasskeyRegistrationPayload,
)
from schema.signin import LoginPayload


async def start_passkey_registration(
    info: Info[Context, None], input: StartPasskeyRegistrationInput
) -> StartPasskeyRegistrationPayload:
    actor = await caller(info)
    return await attempt(
        info.context,
        StartPasskeyRegistrationPayload,
        lambda: passkeys.start_registration(info.context.deps, actor, input.name),
        lambda s: StartPasskeyRegistrationPayload(options=s.options, registration_id=s.ceremony_id),
    )


async def finish_passkey_registration(
    info: Info[Context, None], input: FinishPasskeyRegistrationInput
) -> FinishPasskeyRegistrationPayload:
    actor = await caller(info)
    return await attempt(
        info.context,
        FinishPasskeyRegistrationPayload,
        lambda: passkeys.finish_registration(info.context.deps, actor, input.registration_id, input.credential),
        lambda done: FinishPasskeyRegistrationPayload(
            authenticator=AuthenticatorType.from_entity(done.authenticator),
            mfa=mfa_status(done.mfa),
            recovery_codes=done.recovery_codes,
        ),
    )


async def complete_mfa_login_with_passkey(
    info: Info[Context, None], input: CompleteMfaLoginWithPasskeyInput
) -> LoginPayload:
    ctx = info.context

    def work() -> SignedIn:
        return passkeys.complete_mfa_login(
            ctx.deps,
            challenge=input.mfa_challenge,
            credential=input.credential,
            ip=ctx.client_ip,
            user_agent=ctx.user_agent,
            device_token=ctx.device_token,
        )

    return await attempt(ctx, LoginPayload, work, lambda result: signed_in_payload(ctx, result))


async def start_passkey_login(info: Info[Context, None]) -> StartPasskeyLoginPayload:
    ctx = info.context
    return await attempt(
        ctx,
        StartPasskeyLoginPayload,
        lambda: passkeys.start_login(ctx.deps, ctx.client_ip),
        lambda s: StartPasskeyLoginPayload(options=s.options, challenge_id=s.ceremony_id),
    )


async def complete_passkey_login(info: Info[Context, None], input: CompletePasskeyLoginInput) -> LoginPayload:
    ctx = info.context

    def work() -> SignedIn:
        return passkeys.complete_login(
            ctx.deps,
            challenge_id=input.challenge_id,
            credential=input.credential,
            ip=ctx.client_ip,
            user_agent=ctx.user_agent,
            device_token=ctx.device_token,
        )

    return await attempt(ctx, LoginPayload, work, lambda result: signed_in_payload(ctx, result))
