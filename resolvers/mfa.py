"""Two-step sign-in: enrolment, the second sign-in step, recovery codes, turning it off."""

from __future__ import annotations

from strawberry.types import Info

from domain.services import mfa
from domain.services.sessions import SignedIn
from resolvers.access import caller
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.signin import signed_in_payload
from schema.mfa import (
    CompleteMfaLoginInput,
    ConfirmMfaEnrollmentInput,
    ConfirmMfaEnrollmentPayload,
    DisableMfaInput,
    DisableMfaPayload,
    MfaEnrollmentType,
    RegenerateRecoveryCodesInput,
    RegenerateRecoveryCodesPayload,
    StartMfaEnrollmentInput,
    StartMfaEnrollmentPayload,
    mfa_status,
)
from schema.signin import LoginPayload


async def start_mfa_enrollment(
    info: Info[Context, None], input: StartMfaEnrollmentInput | None = None
) -> StartMfaEnrollmentPayload:
    actor = await caller(info)
    name = input.name if input is not None else None
    return await attempt(
        info.context,
        StartMfaEnrollmentPayload,
        lambda: mfa.start_enrollment(info.context.deps, actor, name),
        lambda enrollment: StartMfaEnrollmentPayload(enrollment=MfaEnrollmentType.from_entity(enrollment)),
    )


async def confirm_mfa_enrollment(
    info: Info[Context, None], input: ConfirmMfaEnrollmentInput
) -> ConfirmMfaEnrollmentPayload:
    actor = await caller(info)
    return await attempt(
        info.context,
        ConfirmMfaEnrollmentPayload,
        lambda: mfa.confirm_enrollment(info.context.deps, actor, input.code),
        lambda done: ConfirmMfaEnrollmentPayload(mfa=mfa_status(done[0]), recovery_codes=done[1]),
    )


async def disable_mfa(info: Info[Context, None], input: DisableMfaInput) -> DisableMfaPayload:
    actor = await caller(info)
    return await attempt(
        info.context,
        DisableMfaPayload,
        lambda: mfa.disable(info.context.deps, actor, password=input.password, code=input.code, ip=actor.ip_address),
        lambda state: DisableMfaPayload(mfa=mfa_status(state)),
    )


async def regenerate_recovery_codes(
    info: Info[Context, None], input: RegenerateRecoveryCodesInput
) -> RegenerateRecoveryCodesPayload:
    actor = await caller(info)
    return await attempt(
        info.context,
        RegenerateRecoveryCodesPayload,
        lambda: mfa.regenerate_recovery_codes(info.context.deps, actor, input.code),
        lambda codes: RegenerateRecoveryCodesPayload(recovery_codes=codes),
    )


async def complete_mfa_login(info: Info[Context, None], input: CompleteMfaLoginInput) -> LoginPayload:
    ctx = info.context

    def work() -> SignedIn:
        return mfa.complete_login(
            ctx.deps,
            challenge=input.mfa_challenge,
            code=input.code,
            ip=ctx.client_ip,
            user_agent=ctx.user_agent,
            device_token=ctx.device_token,
        )

    return await attempt(info.context, LoginPayload, work, lambda result: signed_in_payload(ctx, result))
