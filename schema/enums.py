"""The contract's enums, over the domain's own enums so values never drift apart."""

from __future__ import annotations

import enum
from typing import TypeVar

import strawberry
from strawberry.types.enum import has_enum_definition

from domain.entities import AccountKind, AuthenticatorKind, ContactRole, TransferRequestStatus, UserRole

E = TypeVar("E", bound=type[enum.Enum])


def described_enum(cls: E, *, name: str, description: str, values: dict[str, str]) -> E:
    """Register a domain enum with GraphQL descriptions for the enum and each of its values.

    strawberry.enum_value would put GraphQL wording inside the domain's classes, so the value
    descriptions are set on the definition strawberry.enum builds; a value left out fails at import.
    """
    registered = strawberry.enum(cls, name=name, description=description)  # the same class, now registered
    assert has_enum_definition(registered)
    definition = registered.__strawberry_definition__
    assert {v.name for v in definition.values} == set(values), f"describe every value of {name}, and only those"
    for value in definition.values:
        value.description = values[value.name]
    return cls


AccountKindEnum = described_enum(
    AccountKind,
    name="AccountKind",
    description="Whether an account is a business or a person; it decides which number the account carries.",
    values={
        "BUSINESS": "A company or organization, identified by its organization number.",
        "INDIVIDUAL": "A private person, identified by their personal identity number.",
    },
)
UserRoleEnum = described_enum(
    UserRole,
    name="UserRole",
    description="What a user may do. Fields and mutations that need a role say so; others need only a sign-in.",
    values={
        "CLOUD_ADMIN": "Operates the cloud: edits the provider's billing profile, resolves transfer requests.",
        "ACCOUNT_ADMIN": "Manages their own account: customer info, contact emails, transfer requests.",
        "MEMBER": "Manages only their own profile, password, MFA and sessions.",
    },
)
ContactRoleEnum = described_enum(
    ContactRole,
    name="ContactRole",
    description="What the provider writes to a contact email about. "
    "Each role always has at least one verified contact holding it.",
    values={
        "BILLING": "Receives invoices and billing mail.",
        "TECH": "Receives technical mail, such as incident notices.",
        "DPO": "The data protection officer: receives mail about personal data and privacy.",
    },
)
TransferRequestStatusEnum = described_enum(
    TransferRequestStatus,
    name="TransferRequestStatus",
    description="Where a transfer request stands. Only a SUBMITTED request can be cancelled or resolved.",
    values={
        "SUBMITTED": "Waiting for the provider; the account admin may still cancel it.",
        "APPROVED": "The provider applied the requested number to the account.",
        "REJECTED": "The provider turned it down; the account's number is unchanged.",
        "CANCELLED": "Withdrawn by the account admin before it was resolved.",
    },
)
AuthenticatorKindEnum = described_enum(
    AuthenticatorKind,
    name="AuthenticatorKind",
    description="What kind of second factor an authenticator is.",
    values={
        "TOTP": "An authenticator app showing 6-digit codes (TOTP, RFC 6238).",
        "PASSKEY": "A passkey (WebAuthn): a security key, or a key kept by the device or password manager.",
    },
)
