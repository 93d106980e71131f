"""Two-step sign-in: enrolment, the second sign-in step, recovery codes, turning it off."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from domain.errors import DomainError
from domain.services import mfa
from resolvers.access import actor
from resolvers.auth import signed_in_payload
from resolvers.context import Context
from resolvers.errors import user_errors
from schema.mfa import (
    CompleteMfaLoginInput,
    ConfirmMfaEnrollmentInput,
    ConfirmMfaEnrollmentPayload,
    DisableMfaInput,
    DisableMfaPayload,
    MfaEnrollmentType,
    RegenerateRecoveryCodesInput,
    RegenerateRecoveryCodesPayload,
    StartMfaEnrollmentPayload,
    mfa_status,
)
from schema.payloads import LoginPayload


async def start_mfa_enrollment(info: Info[Context, None]) -> StartMfaEnrollmentPayload:
    caller = await actor(info)
    try:
        enrollment = await run_in_threadpool(mfa.start_enrollment, info.context.deps, caller)
    except DomainError as error:
        return StartMfaEnrollmentPayload(errors=user_errors(error))
    return StartMfaEnrollmentPayload(enrollment=MfaEnrollmentType.from_entity(enrollment))


async def confirm_mfa_enrollment(
    info: Info[Context, None], input: ConfirmMfaEnrollmentInput
) -> ConfirmMfaEnrollmentPayload:
    caller = await actor(info)
    try:
        state, codes = await run_in_threadpool(mfa.confirm_enrollment, info.context.deps, caller, input.code)
    except DomainError as error:
        return ConfirmMfaEnrollmentPayload(errors=user_errors(error))
    return ConfirmMfaEnrollmentPayload(mfa=mfa_status(state), recovery_codes=codes)


async def disable_mfa(info: Info[Context, None], input: DisableMfaInput) -> DisableMfaPayload:
    caller = await actor(info)
    try:
        state = await run_in_threadpool(
            mfa.disable,
            info.context.deps,
            caller,
            password=input.password,
            code=input.code,
            ip=info.context.client_ip,
        )
    except DomainError as error:
        return DisableMfaPayload(errors=user_errors(error))
    return DisableMfaPayload(mfa=mfa_status(state))


async def regenerate_recovery_codes(
    info: Info[Context, None], input: RegenerateRecoveryCodesInput
) -> RegenerateRecoveryCodesPayload:
    caller = await actor(info)
    try:
        codes = await run_in_threadpool(mfa.regenerate_recovery_codes, info.context.deps, caller, input.code)
    except DomainError as error:
        return RegenerateRecoveryCodesPayload(errors=user_errors(error))
    return RegenerateRecoveryCodesPayload(recovery_codes=codes)


async def complete_mfa_login(info: Info[Context, None], input: CompleteMfaLoginInput) -> LoginPayload:
    ctx = info.context
    try:
        result = await run_in_threadpool(
            mfa.complete_login,
            ctx.deps,
            challenge=input.mfa_challenge,
            code=input.code,
            ip=ctx.client_ip,
            user_agent=ctx.user_agent,
        )
    except DomainError as error:
        return LoginPayload(errors=user_errors(error))
    return await signed_in_payload(ctx, result)
