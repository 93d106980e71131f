"""Confirming a change of sign-in email with the code mailed to the new address."""

from __future__ import annotations

import strawberry

from schema.errors import UserErrorType, user_errors_field
from schema.users import UserType


@strawberry.input(
    name="ConfirmEmailChangeInput", description="The code that makes the pending email the sign-in email."
)
class ConfirmEmailChangeInput:
    code: str = strawberry.field(
        description="The 6-digit code mailed to the new address; valid 15 minutes, void after 5 wrong tries."
    )


@strawberry.type(name="ConfirmEmailChangePayload", description="The user with the new sign-in email.")
class ConfirmEmailChangePayload:
    user: UserType | None = strawberry.field(
        default=None, description="The user, signing in with the new email from now on; null when errors are returned."
    )
    errors: list[UserErrorType] = user_errors_field()
