"""Mutation payloads: the result, or `errors` the caller can fix (and then nothing changed)."""

from __future__ import annotations

import strawberry

from schema.errors import UserErrorType, user_errors_field
from schema.types import UserType


@strawberry.type(
    name="LoginPayload",
    description="A new session (token and user), a request for the second step (mfaRequired), or errors.",
)
class LoginPayload:
    token: str | None = strawberry.field(
        default=None,
        description="Set once signed in. Browsers also receive it as an HttpOnly session cookie; "
        "other clients send it as `Authorization: Bearer <token>`.",
    )
    user: UserType | None = strawberry.field(default=None, description="The signed-in user; null until signed in.")
    mfa_required: bool = strawberry.field(
        default=False,
        description="True when the password was right but MFA is on: token and user are null, "
        "and completeMfaLogin with mfaChallenge finishes the sign-in.",
    )
    mfa_challenge: str | None = strawberry.field(
        default=None, description="Opaque and short-lived (5 minutes, 5 tries); pass it to completeMfaLogin."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.type(
    name="LogoutPayload", description="The session has ended and the session cookie is cleared; errors stays empty."
)
class LogoutPayload:
    errors: list[UserErrorType] = user_errors_field()


@strawberry.type(
    name="RevokeSessionPayload",
    description="The session has ended, or why not. Revoking the current session also signs this client out.",
)
class RevokeSessionPayload:
    errors: list[UserErrorType] = user_errors_field()
