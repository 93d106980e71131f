"""Mutation payloads: the result, or `errors` the caller can fix (and then nothing changed)."""

from __future__ import annotations

import strawberry

from schema.errors import UserErrorType
from schema.types import UserType


@strawberry.type(name="LoginPayload")
class LoginPayload:
    token: str | None = strawberry.field(
        default=None,
        description="Set once signed in. Browsers also receive it as an HttpOnly session cookie; "
        "other clients send it as `Authorization: Bearer <token>`.",
    )
    user: UserType | None = None
    mfa_required: bool = False
    mfa_challenge: str | None = strawberry.field(
        default=None, description="Opaque and short-lived; pass it to completeMfaLogin."
    )
    errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type(name="LogoutPayload")
class LogoutPayload:
    errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type(name="RevokeSessionPayload")
class RevokeSessionPayload:
    errors: list[UserErrorType] = strawberry.field(default_factory=list)
