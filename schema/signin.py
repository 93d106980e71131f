"""Signing in: step one with email and password, and the payload both sign-in steps answer with."""

from __future__ import annotations

import strawberry

from domain.entities import AuthenticatorKind
from schema.enums import AuthenticatorKindEnum  # noqa: F401  (registers the enum)
from schema.errors import UserErrorType, user_errors_field
from schema.users import UserType


@strawberry.input(name="LoginInput", description="The credentials for step one of signing in.")
class LoginInput:
    email: str = strawberry.field(description="The sign-in email.")
    password: str = strawberry.field(description="The password, exactly as typed.")


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
    mfa_methods: list[AuthenticatorKind] | None = strawberry.field(
        default=None, description="When mfaRequired: the kinds of second factor this user can answer with."
    )
    passkey_options: str | None = strawberry.field(
        default=None,
        description="When mfaRequired and the user has a passkey: WebAuthn request options (JSON) for "
        "navigator.credentials.get; answer with completeMfaLoginWithPasskey.",
    )
    device_token: str | None = strawberry.field(
        default=None,
        description="Set when this sign-in made the client a known device of the user. Browsers also receive it "
        "as an HttpOnly cookie; other clients keep it and send it as an `X-Device-Token` header on later "
        "logins. A known device keeps a reserved share of password checks during a sign-in flood, and its "
        "owner's correct password works even while the account is locked by others' failed attempts.",
    )
    errors: list[UserErrorType] = user_errors_field()
