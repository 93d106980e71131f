"""Changing the signed-in user's password."""

from __future__ import annotations

import strawberry

from schema.errors import UserErrorType, user_errors_field


@strawberry.input(name="ChangePasswordInput", description="The caller's current password and the new one.")
class ChangePasswordInput:
    current_password: str = strawberry.field(
        description="The caller's current password; a wrong one counts as a failed sign-in."
    )
    new_password: str = strawberry.field(
        description="12-256 characters; not a common password, and not containing your email name or your names."
    )


@strawberry.type(
    name="ChangePasswordPayload",
    description="On success the session that made the change stays signed in and the user's other sessions end.",
)
class ChangePasswordPayload:
    revoked_sessions: int = strawberry.field(
        default=0, description="How many of the caller's other sessions were signed out."
    )
    errors: list[UserErrorType] = user_errors_field()
