"""Entities of the account-settings domain: plain dataclasses, no framework."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID


class AccountKind(enum.StrEnum):
    BUSINESS = "BUSINESS"
    INDIVIDUAL = "INDIVIDUAL"


class UserRole(enum.StrEnum):
    CLOUD_ADMIN = "CLOUD_ADMIN"
    ACCOUNT_ADMIN = "ACCOUNT_ADMIN"
    MEMBER = "MEMBER"


class ContactRole(enum.StrEnum):
    BILLING = "BILLING"
    TECH = "TECH"
    DPO = "DPO"


ALL_CONTACT_ROLES: frozenset[ContactRole] = frozenset(ContactRole)


class AuthenticatorKind(enum.StrEnum):
    TOTP = "TOTP"
    PASSKEY = "PASSKEY"


class ApiScope(enum.StrEnum):
    """What an API token may do; each field names the scopes that allow it."""

    PROFILE_READ = "PROFILE_READ"
    PROFILE_WRITE = "PROFILE_WRITE"
    ACCOUNT_READ = "ACCOUNT_READ"
    ACCOUNT_WRITE = "ACCOUNT_WRITE"
    TRANSFERS_WRITE = "TRANSFERS_WRITE"
    TRANSFERS_RESOLVE = "TRANSFERS_RESOLVE"
    BILLING_READ = "BILLING_READ"
    AUDIT_READ = "AUDIT_READ"


class TransferRequestStatus(enum.StrEnum):
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class Address:
    line1: str
    postal_code: str
    city: str
    country: str
    line2: str | None = None
    region: str | None = None


@dataclass
class CustomerInfo:
    contact_person: str
    company_name: str | None = None
    address: Address | None = None
    purchase_order_number: str | None = None
    version: int = 1
    updated_at: datetime | None = None


@dataclass(frozen=True)
class BillingProfile:
    """The provider's payee and bank details, printed on customers' invoices. One version of them."""

    legal_name: str
    address: Address
    bank_name: str
    account_holder: str
    iban: str
    bic: str
    payment_terms_days: int
    vat_number: str | None = None
    registration_number: str | None = None
    payment_instructions: str | None = None
    invoice_email: str | None = None
    version: int = 1
    updated_at: datetime | None = None
    updated_by: UUID | None = None


@dataclass
class Account:
    id: UUID
    kind: AccountKind
    country: str
    customer_info: CustomerInfo
    organization_number: str | None = None
    personal_number: str | None = None
    created_at: datetime | None = None

    @property
    def number(self) -> str | None:
        """The account's identifying number: organization number or personal number by kind."""
        return self.organization_number if self.kind is AccountKind.BUSINESS else self.personal_number


@dataclass(frozen=True)
class Location:
    country: str
    city: str | None = None


@dataclass
class Profile:
    first_name: str
    last_name: str
    phone: str | None = None
    pending_email: str | None = None
    location: Location | None = None
    language: str | None = None
    timezone: str | None = None
    job_title: str | None = None
    version: int = 1
    updated_at: datetime | None = None


@dataclass
class User:
    id: UUID
    account_id: UUID
    email: str
    role: UserRole
    password_hash: str
    profile: Profile
    created_at: datetime
    mfa_enabled_at: datetime | None = None
    # Set by a "this wasn't me" report: sign-in with the password is refused until a reset.
    password_reset_required: bool = False

    @property
    def mfa_enabled(self) -> bool:
        return self.mfa_enabled_at is not None


@dataclass(frozen=True)
class EmailChange:
    """A sign-in email change waiting for the code mailed to the new address (stored as a digest)."""

    new_email: str
    code_digest: str
    expires_at: datetime
    attempts: int = 0


@dataclass
class Session:
    id: UUID
    user_id: UUID
    token_hash: str
    created_at: datetime
    last_seen_at: datetime
    absolute_expires_at: datetime
    user_agent: str | None = None
    ip_address: str | None = None
    # When this session passed a second factor (at sign-in, or by turning MFA on); None: password only.
    mfa_at: datetime | None = None

    def expires_at(self, idle_ttl_seconds: int) -> datetime:
        """When the session ends if it is not used again: the earlier of idle and absolute expiry."""
        return min(self.absolute_expires_at, self.last_seen_at + timedelta(seconds=idle_ttl_seconds))


@dataclass
class ApiToken:
    """A user's API token: only the keyed digest of its secret is kept, with the secret's start (`prefix`)."""

    id: UUID
    user_id: UUID
    name: str
    prefix: str
    token_hash: str
    scopes: tuple[ApiScope, ...]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = None
    last_used_ip: str | None = None
    revoked_at: datetime | None = None
    # When the owner was told it expires soon (one reminder per token).
    reminded_at: datetime | None = None

    def live(self, now: datetime) -> bool:
        """Neither revoked nor expired."""
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True)
class ContactEmail:
    id: UUID
    account_id: UUID
    email: str
    created_at: datetime
    roles: frozenset[ContactRole] = field(default_factory=frozenset)
    verified_at: datetime | None = None

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


@dataclass(frozen=True)
class ContactCode:
    """A contact's verification code (kept only as a keyed digest) and its sending limits."""

    digest: str | None = None
    expires_at: datetime | None = None
    attempts: int = 0
    sent_at: datetime | None = None
    resend_window_start: datetime | None = None
    resends_in_window: int = 0


@dataclass(frozen=True)
class TransferRequest:
    """A request to the provider to change the account's organization or personal number."""

    id: UUID
    account_id: UUID
    status: TransferRequestStatus
    requested_number: str
    new_holder_name: str
    submitted_at: datetime
    current_number: str | None = None
    reason: str | None = None
    submitted_by: UUID | None = None
    resolved_at: datetime | None = None
    resolved_by: UUID | None = None
    resolution_note: str | None = None


@dataclass(frozen=True)
class MfaSecret:
    """A TOTP secret waiting for confirmation, sealed with the keyring, and the name it will take."""

    user_id: UUID
    pending_sealed: str | None = None
    pending_expires_at: datetime | None = None
    pending_attempts: int = 0
    pending_name: str | None = None


@dataclass(frozen=True)
class Authenticator:
    """One named second factor of a user: a TOTP app (sealed secret) or a passkey (public key)."""

    id: UUID
    user_id: UUID
    kind: AuthenticatorKind
    name: str
    created_at: datetime
    last_used_at: datetime | None = None
    # TOTP: the secret sealed with the keyring, and the last 30-second step accepted (no replay).
    sealed: str | None = None
    last_step: int | None = None
    # Passkey: base64url credential ID and COSE public key, the signature counter, the backup flags.
    credential_id: str | None = None
    public_key: str | None = None
    sign_count: int = 0
    backup_eligible: bool = False
    backed_up: bool = False
    aaguid: str | None = None

    @property
    def synced(self) -> bool | None:
        """Passkeys: whether the key is backed up beyond this device; None for TOTP."""
        return self.backed_up if self.kind is AuthenticatorKind.PASSKEY else None


@dataclass(frozen=True)
class PasskeyCeremony:
    """A started passkey registration or passwordless sign-in: its WebAuthn challenge, used once.
    Stored by the digest of the opaque ID handed to the client."""

    digest: str
    purpose: str  # "register" or "login"
    challenge: str  # base64url
    created_at: datetime
    expires_at: datetime
    user_id: UUID | None = None
    name: str | None = None
    used_at: datetime | None = None


@dataclass(frozen=True)
class MfaChallenge:
    """The second sign-in step after a right password; stored only as the digest of its token."""

    digest: str
    user_id: UUID
    created_at: datetime
    expires_at: datetime
    attempts: int = 0
    used_at: datetime | None = None
    # When the user has a passkey: the WebAuthn challenge (base64url) the passkey answer must sign.
    passkey_challenge: str | None = None


@dataclass(frozen=True)
class PasswordResetCode:
    """A user's live password-reset code: only its keyed digest, expiry and the tries spent."""

    digest: str
    expires_at: datetime
    attempts: int = 0


@dataclass(frozen=True)
class Mail:
    """A message to one recipient; it goes out through the outbox after the change commits."""

    to: str
    subject: str
    text: str


class Via(enum.StrEnum):
    """How a caller proved who it is (the API's CredentialKind, plus the operator's ways in)."""

    SESSION = "SESSION"
    API_TOKEN = "API_TOKEN"  # noqa: S105 (a kind of credential, not one)
    CLI = "CLI"
    SYSTEM = "SYSTEM"


# Actions that belong in a user's own security log (me.securityEvents), by prefix.
SECURITY_ACTIONS = ("session.", "password.", "email.", "mfa.", "token.", "security.")


def is_security_action(action: str) -> bool:
    return action.startswith(SECURITY_ACTIONS)


@dataclass(frozen=True)
class AuditEvent:
    """Who changed what. Names of changed fields only, never their secret values.

    `account_id` is the account the event belongs to (None: the provider's own, such as the billing
    profile); `user_id` is the user whose security log shows it (sign-ins, credentials, sessions);
    `reason` says why a sign-in failed. `id` and `occurred_at` are set once stored.
    """

    action: str
    target_type: str
    target_id: str
    actor_user_id: UUID | None = None
    fields: tuple[str, ...] = ()
    ip_address: str | None = None
    account_id: UUID | None = None
    user_id: UUID | None = None
    via: Via | None = None
    user_agent: str | None = None
    actor_email: str | None = None
    reason: str | None = None
    id: UUID | None = None
    occurred_at: datetime | None = None
    # The API token the actor used, when they acted with one.
    api_token_id: UUID | None = None


@dataclass(frozen=True)
class Actor:
    """The signed-in caller as the services see it."""

    user_id: UUID
    account_id: UUID
    role: UserRole
    session_id: UUID | None = None
    ip_address: str | None = None
    # Whether the caller's session passed a second factor (needed to add one while MFA is on).
    mfa_verified: bool = False
    via: Via = Via.SESSION
    user_agent: str | None = None
    # The API token the caller acts with (via API_TOKEN); audit events record it.
    token_id: UUID | None = None

    def may_see_account(self, account_id: UUID) -> bool:
        """Whether the caller may read the account's data: their own account, or any for a CLOUD_ADMIN."""
        return account_id == self.account_id or self.role is UserRole.CLOUD_ADMIN

    def audit(self, action: str, target_type: str, target_id: object, fields: tuple[str, ...] = ()) -> AuditEvent:
        """An audit event for a change this actor makes, in the actor's account; a security action
        also goes into the actor's own security log."""
        return AuditEvent(
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            actor_user_id=self.user_id,
            fields=fields,
            ip_address=self.ip_address,
            account_id=self.account_id,
            user_id=self.user_id if is_security_action(action) else None,
            via=self.via,
            user_agent=self.user_agent,
            api_token_id=self.token_id,
        )
