"""UserError: problems the caller can fix, returned as payload data."""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum(name="UserErrorCode")
class UserErrorCode(enum.Enum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_CODE = "INVALID_CODE"
    CODE_EXPIRED = "CODE_EXPIRED"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    WEAK_PASSWORD = "WEAK_PASSWORD"  # noqa: S105
    PASSWORD_REUSED = "PASSWORD_REUSED"  # noqa: S105
    MFA_ALREADY_ENABLED = "MFA_ALREADY_ENABLED"
    MFA_NOT_ENABLED = "MFA_NOT_ENABLED"
    LAST_CONTACT = "LAST_CONTACT"
    ROLE_UNCOVERED = "ROLE_UNCOVERED"
    NOT_VERIFIED = "NOT_VERIFIED"
    PENDING_REQUEST_EXISTS = "PENDING_REQUEST_EXISTS"
    REAUTH_REQUIRED = strawberry.enum_value(
        "REAUTH_REQUIRED",
        description="The change needs the caller's current password (and, with MFA on, nothing less).",
    )


@strawberry.type(
    name="UserError",
    description="A problem with the caller's input; when any is returned, nothing was changed.",
)
class UserErrorType:
    field: list[str] = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "phone"]; empty when no single field is at fault.'
    )
    code: UserErrorCode
    message: str = strawberry.field(description="A sentence a person can read, in English.")
