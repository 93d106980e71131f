"""Two-step sign-in: MFA status, enrolment with a QR code, recovery codes, turning it off."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry
from strawberry.types import Info

from domain.services.mfa import Enrollment, MfaState
from resolvers.access import signed_in
from resolvers.context import Context
from schema.authenticators import AuthenticatorType
from schema.errors import UserErrorType, user_errors_field


@strawberry.type(name="MfaStatus", description="Whether a second factor guards the user's sign-in.")
class MfaStatusType:
    enabled: bool = strawberry.field(
        description="True when signing in needs a TOTP or recovery code after the password."
    )
    enabled_at: datetime | None = strawberry.field(description="When MFA was turned on; null while it is off.")
    recovery_codes_remaining: int = strawberry.field(
        description="Unused recovery codes, out of the 10 issued; 0 while MFA is off."
    )
    user_id: strawberry.Private[UUID | None] = None

    @strawberry.field(description="Every second factor of the user, oldest first.")  # type: ignore[untyped-decorator]  # Strawberry types this decorator form as Any
    async def authenticators(self, info: Info[Context, None]) -> list[AuthenticatorType]:
        found = await signed_in(info)
        if self.user_id is None or found.user.id != self.user_id:  # only the caller's own are listed
            return []
        return [AuthenticatorType.from_entity(a) for a in await info.context.loaders.authenticators.load(self.user_id)]


@strawberry.type(name="MfaEnrollment", description="A pending TOTP secret for the user's authenticator app.")
class MfaEnrollmentType:
    secret: str = strawberry.field(description="Base32 secret, for typing into the app by hand.")
    otpauth_uri: str = strawberry.field(description="otpauth://totp/... as Google Authenticator reads it.")
    qr_code_data_uri: str = strawberry.field(
        description="data:image/svg+xml;base64,... QR code of otpauthUri, for an <img src>."
    )
    expires_at: datetime = strawberry.field(
        description="Confirm before this (10 minutes after the start), or start again."
    )

    @staticmethod
    def from_entity(e: Enrollment) -> MfaEnrollmentType:
        return MfaEnrollmentType(
            secret=e.secret, otpauth_uri=e.otpauth_uri, qr_code_data_uri=e.qr_code_data_uri, expires_at=e.expires_at
        )


def mfa_status(state: MfaState) -> MfaStatusType:
    """The MfaStatus object of a state a mutation just produced."""
    return MfaStatusType(
        enabled=state.enabled,
        enabled_at=state.enabled_at,
        recovery_codes_remaining=state.recovery_codes_remaining,
        user_id=state.user_id,
    )


@strawberry.input(name="StartMfaEnrollmentInput", description="What to call the authenticator app being added.")
class StartMfaEnrollmentInput:
    name: str | None = strawberry.field(
        default=None,
        description='e.g. "Pixel 8"; unique among the caller\'s authenticators. Default: "Authenticator app" '
        '(then "Authenticator app 2", ...).',
    )


@strawberry.type(name="StartMfaEnrollmentPayload", description="The pending secret, or why none was created.")
class StartMfaEnrollmentPayload:
    enrollment: MfaEnrollmentType | None = strawberry.field(
        default=None, description="The secret to put into the authenticator app; null when errors are returned."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(
    name="ConfirmMfaEnrollmentInput", description="Proof that the authenticator app holds the pending secret."
)
class ConfirmMfaEnrollmentInput:
    code: str = strawberry.field(description="The current 6-digit code the app shows for the pending secret.")


@strawberry.type(name="ConfirmMfaEnrollmentPayload", description="MFA turned on, with its recovery codes.")
class ConfirmMfaEnrollmentPayload:
    mfa: MfaStatusType | None = strawberry.field(
        default=None, description="MFA status, now enabled; null when errors are returned."
    )
    recovery_codes: list[str] | None = strawberry.field(
        default=None,
        description="Shown once; each signs in once in place of a TOTP code. Only when this turned MFA on; "
        "null when the app was added to others.",
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="DisableMfaInput", description="The password and a second factor, to turn MFA off.")
class DisableMfaInput:
    password: str = strawberry.field(
        description="The caller's current password; a wrong one counts as a failed sign-in."
    )
    code: str = strawberry.field(description="A current TOTP code or a recovery code.")


@strawberry.type(name="DisableMfaPayload", description="MFA turned off, or why it stayed on.")
class DisableMfaPayload:
    mfa: MfaStatusType | None = strawberry.field(
        default=None, description="MFA status, now disabled; null when errors are returned."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(
    name="RegenerateRecoveryCodesInput", description="A current TOTP code, to replace the recovery codes."
)
class RegenerateRecoveryCodesInput:
    code: str = strawberry.field(description="A current 6-digit code from the authenticator app.")


@strawberry.type(name="RegenerateRecoveryCodesPayload", description="A new set of recovery codes.")
class RegenerateRecoveryCodesPayload:
    recovery_codes: list[str] | None = strawberry.field(
        default=None, description="Shown once; the earlier set no longer works."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="CompleteMfaLoginInput", description="Step two of signing in, after login answered mfaRequired.")
class CompleteMfaLoginInput:
    mfa_challenge: str = strawberry.field(description="The mfaChallenge that login returned.")
    code: str = strawberry.field(description="A 6-digit TOTP code or a recovery code.")
