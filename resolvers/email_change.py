"""confirmEmailChange: finishing a change of sign-in email with the mailed code."""

from __future__ import annotations

from strawberry.types import Info

from domain.services import email_change
from resolvers.access import caller
from resolvers.context import Context
from resolvers.errors import attempt
from schema.email_change import ConfirmEmailChangeInput, ConfirmEmailChangePayload
from schema.users import UserType


async def confirm_email_change(info: Info[Context, None], input: ConfirmEmailChangeInput) -> ConfirmEmailChangePayload:
    actor = await caller(info)
    return await attempt(
        info.context,
        ConfirmEmailChangePayload,
        lambda: email_change.confirm_email_change(info.context.deps, actor, input.code),
        lambda found: ConfirmEmailChangePayload(user=UserType.from_entity(*found)),
    )
