"""UserError: problems the caller can fix, returned as payload data."""

from __future__ import annotations

import enum
from typing import Any

import strawberry


@strawberry.enum(name="UserErrorCode", description="What kind of problem a UserError reports; stable across releases.")
class UserErrorCode(enum.Enum):
    INVALID = strawberry.enum_value(
        "INVALID",
        description="The value is malformed or breaks a rule (an IBAN checksum, an unknown country code, "
        "a request that is no longer SUBMITTED); the message says which.",
    )
    REQUIRED = strawberry.enum_value("REQUIRED", description="A value that must be given is missing, null or blank.")
    TOO_LONG = strawberry.enum_value(
        "TOO_LONG", description="The value is longer than the field allows; the message gives the limit."
    )
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND",
        description="No such object. Another account's or user's object answers the same as a made-up ID.",
    )
    ALREADY_EXISTS = strawberry.enum_value(
        "ALREADY_EXISTS",
        description="The value is taken: the account has this contact email, or another user signs in with this email.",
    )
    VERSION_CONFLICT = strawberry.enum_value(
        "VERSION_CONFLICT",
        description="expectedVersion is stale: the record changed since it was read. Reload it and apply the change "
        "again.",
    )
    INVALID_CREDENTIALS = strawberry.enum_value(
        "INVALID_CREDENTIALS",
        description="The email or password is wrong. Counts as a failed sign-in towards TOO_MANY_ATTEMPTS.",
    )
    INVALID_CODE = strawberry.enum_value(
        "INVALID_CODE",
        description="The code is wrong, not in the expected form, or used already.",
    )
    CODE_EXPIRED = strawberry.enum_value(
        "CODE_EXPIRED",
        description="The code, MFA set-up or MFA challenge has expired or was replaced; ask for a new one "
        "(or sign in again).",
    )
    TOO_MANY_ATTEMPTS = strawberry.enum_value(
        "TOO_MANY_ATTEMPTS",
        description="A limit on wrong tries, sign-ins or mails was reached, or the server is too busy to check "
        "a password; try again later (the message says when, where known).",
    )
    WEAK_PASSWORD = strawberry.enum_value(
        "WEAK_PASSWORD",
        description="The new password is under 12 characters, one of the most common passwords, or contains "
        "the email's local part or the user's name.",
    )
    PASSWORD_REUSED = strawberry.enum_value(
        "PASSWORD_REUSED", description="The new password is the same as the current one."
    )
    MFA_ALREADY_ENABLED = strawberry.enum_value(
        "MFA_ALREADY_ENABLED", description="MFA is on already; disable it before enrolling again."
    )
    MFA_NOT_ENABLED = strawberry.enum_value(
        "MFA_NOT_ENABLED", description="MFA is off, so it cannot be disabled and has no recovery codes."
    )
    LAST_CONTACT = strawberry.enum_value(
        "LAST_CONTACT", description="The change would leave the account without a verified contact email."
    )
    ROLE_UNCOVERED = strawberry.enum_value(
        "ROLE_UNCOVERED",
        description="The change would leave a contact role without a verified holder; the message names the roles.",
    )
    NOT_VERIFIED = strawberry.enum_value(
        "NOT_VERIFIED", description="The contact email must be verified before it can hold roles."
    )
    PENDING_REQUEST_EXISTS = strawberry.enum_value(
        "PENDING_REQUEST_EXISTS",
        description="The account has a SUBMITTED transfer request already; cancel it or wait for its answer.",
    )
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
    code: UserErrorCode = strawberry.field(description="What kind of problem, for programs to act on.")
    message: str = strawberry.field(description="A sentence a person can read, in English.")


def user_errors_field() -> Any:
    """A payload's `errors` field: empty on success."""
    return strawberry.field(
        default_factory=list, description="Problems the caller can fix; when any is returned, nothing was changed."
    )
