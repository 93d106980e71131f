"""Passkeys (WebAuthn): adding one, the second sign-in step with one, and passwordless sign-in.

Options and answers are JSON text in the WebAuthn Level 3 JSON forms: the browser reads options with
PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON, and credential.toJSON()
gives the answer.
"""

from __future__ import annotations

import strawberry

from schema.authenticators import AuthenticatorType
from schema.errors import UserErrorType, user_errors_field
from schema.mfa import MfaStatusType


@strawberry.input(name="StartPasskeyRegistrationInput", description="What to call the passkey being added.")
class StartPasskeyRegistrationInput:
    name: str = strawberry.field(
        description='e.g. "YubiKey 5C"; 1-64 characters, unique among the caller\'s authenticators.'
    )


@strawberry.type(name="StartPasskeyRegistrationPayload", description="Options for navigator.credentials.create.")
class StartPasskeyRegistrationPayload:
    options: str | None = strawberry.field(default=None, description="PublicKeyCredentialCreationOptions as JSON.")
    registration_id: str | None = strawberry.field(
        default=None, description="Opaque; pass it to finishPasskeyRegistration within 5 minutes."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="FinishPasskeyRegistrationInput", description="The browser's new credential.")
class FinishPasskeyRegistrationInput:
    registration_id: str = strawberry.field(description="The registrationId startPasskeyRegistration returned.")
    credential: str = strawberry.field(description="The new PublicKeyCredential as JSON.")


@strawberry.type(name="FinishPasskeyRegistrationPayload", description="The added passkey, or why not.")
class FinishPasskeyRegistrationPayload:
    authenticator: AuthenticatorType | None = strawberry.field(
        default=None, description="The new passkey; null when errors are returned."
    )
    mfa: MfaStatusType | None = strawberry.field(default=None, description="MFA status afterwards (on).")
    recovery_codes: list[str] | None = strawberry.field(
        default=None, description="Only when this turned MFA on; shown once."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="CompleteMfaLoginWithPasskeyInput", description="Step two of signing in, with a passkey.")
class CompleteMfaLoginWithPasskeyInput:
    mfa_challenge: str = strawberry.field(description="The mfaChallenge that login returned.")
    credential: str = strawberry.field(
        description="The PublicKeyCredential assertion as JSON, for login's passkeyOptions."
    )


@strawberry.type(name="StartPasskeyLoginPayload", description="Options for navigator.credentials.get.")
class StartPasskeyLoginPayload:
    options: str | None = strawberry.field(
        default=None,
        description="PublicKeyCredentialRequestOptions as JSON, with no allowCredentials (the browser offers the "
        "user's passkeys).",
    )
    challenge_id: str | None = strawberry.field(
        default=None, description="Opaque; pass it to completePasskeyLogin within 5 minutes."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="CompletePasskeyLoginInput", description="A passwordless sign-in's answer.")
class CompletePasskeyLoginInput:
    challenge_id: str = strawberry.field(description="The challengeId startPasskeyLogin returned.")
    credential: str = strawberry.field(description="The PublicKeyCredential assertion as JSON.")
