"""requestPasswordReset, resetPassword and reportUnrecognizedActivity: no sign-in needed."""

from __future__ import annotations

from strawberry.types import Info

from domain.services import recovery
from resolvers.context import Context
from resolvers.errors import attempt
from schema.recovery import (
    ReportUnrecognizedActivityInput,
    ReportUnrecognizedActivityPayload,
    RequestPasswordResetInput,
    RequestPasswordResetPayload,
    ResetPasswordInput,
    ResetPasswordPayload,
)


async def request_password_reset(
    info: Info[Context, None], input: RequestPasswordResetInput
) -> RequestPasswordResetPayload:
    ctx = info.context

    def work() -> None:
        recovery.request_password_reset(ctx.deps, email=input.email, ip=ctx.client_ip, user_agent=ctx.user_agent)

    return await attempt(ctx, RequestPasswordResetPayload, work, lambda _: RequestPasswordResetPayload())


async def reset_password(info: Info[Context, None], input: ResetPasswordInput) -> ResetPasswordPayload:
    ctx = info.context

    def work() -> None:
        recovery.reset_password(
            ctx.deps,
            email=input.email,
            code=input.code,
            new_password=input.new_password,
            ip=ctx.client_ip,
            user_agent=ctx.user_agent,
        )

    return await attempt(ctx, ResetPasswordPayload, work, lambda _: ResetPasswordPayload())


async def report_unrecognized_activity(
    info: Info[Context, None], input: ReportUnrecognizedActivityInput
) -> ReportUnrecognizedActivityPayload:
    ctx = info.context

    def work() -> None:
        recovery.report_unrecognized_activity(ctx.deps, token=input.token, ip=ctx.client_ip, user_agent=ctx.user_agent)

    return await attempt(ctx, ReportUnrecognizedActivityPayload, work, lambda _: ReportUnrecognizedActivityPayload())
