"""SQLAlchemy tables. Alembic migrations under persistence/migrations are written from these."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    Uuid,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite returns naive ones otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # Every row class here is declared with __tablename__, so it maps a Table (DeclarativeBase types
    # it as any FromClause); the repositories' insert/update/delete statements need a Table.
    __table__: ClassVar[Table]


class AccountRow(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        Index("uq_accounts_organization_number", "organization_number", unique=True),
        Index("uq_accounts_personal_number", "personal_number", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2))
    organization_number: Mapped[str | None] = mapped_column(String(40))
    personal_number: Mapped[str | None] = mapped_column(String(40))
    company_name: Mapped[str | None] = mapped_column(String(200))
    contact_person: Mapped[str] = mapped_column(String(200))
    address_line1: Mapped[str | None] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    address_postal_code: Mapped[str | None] = mapped_column(String(20))
    address_city: Mapped[str | None] = mapped_column(String(100))
    address_region: Mapped[str | None] = mapped_column(String(100))
    address_country: Mapped[str | None] = mapped_column(String(2))
    purchase_order_number: Mapped[str | None] = mapped_column(String(64))
    customer_info_version: Mapped[int] = mapped_column(Integer, default=1)
    customer_info_updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Changed by triggers on contact_emails whenever the account's contacts change (migration 0012),
    # so a reader may reuse contacts it read at the same stamp (persistence.contacts).
    contacts_stamp: Mapped[int] = mapped_column(BigInteger, server_default="0")


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    # Case-folded email: the unique key for sign-in, so "A@x.se" and "a@x.se" are one user.
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    pending_email: Mapped[str | None] = mapped_column(String(320))
    location_country: Mapped[str | None] = mapped_column(String(2))
    location_city: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(64))
    timezone: Mapped[str | None] = mapped_column(String(64))
    job_title: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The code mailed to pending_email, kept only as a keyed digest; void after 5 wrong tries.
    email_change_digest: Mapped[str | None] = mapped_column(String(64))
    email_change_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_change_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set by a "this wasn't me" report; sign-in with the password is refused until a reset clears it.
    password_reset_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SessionRow(Base):
    __tablename__ = "sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    absolute_expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    user_agent: Mapped[str | None] = mapped_column(String(300))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    # When the session passed a second factor; null for a password-only one.
    mfa_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ContactEmailRow(Base):
    __tablename__ = "contact_emails"
    __table_args__ = (Index("uq_contact_emails_account_email", "account_id", "email_key", unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320))
    billing: Mapped[bool] = mapped_column(Boolean, default=False)
    tech: Mapped[bool] = mapped_column(Boolean, default=False)
    dpo: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The verification code, kept only as a keyed digest; void after 5 wrong tries or 15 minutes.
    code_digest: Mapped[str | None] = mapped_column(String(64))
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    code_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resend_window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resends_in_window: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class TransferRequestRow(Base):
    __tablename__ = "transfer_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    current_number: Mapped[str | None] = mapped_column(String(40))
    requested_number: Mapped[str] = mapped_column(String(40))
    new_holder_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(2000))
    submitted_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_note: Mapped[str | None] = mapped_column(String(2000))


# At most one SUBMITTED request per account; the service checks first, under the account lock.
Index(
    "uq_transfer_requests_account_submitted",
    TransferRequestRow.account_id,
    unique=True,
    sqlite_where=TransferRequestRow.status == "SUBMITTED",
    postgresql_where=TransferRequestRow.status == "SUBMITTED",
)


class MailOutboxRow(Base):
    __tablename__ = "mail_outbox"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    # Subject and body may carry one-time codes: kept encrypted, and wiped once delivered.
    sealed: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # The request whose change queued the mail: delivery log lines carry it too.
    request_id: Mapped[str | None] = mapped_column(String(64))


class AttemptCounterRow(Base):
    __tablename__ = "attempt_counters"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class AuditEventRow(Base):
    __tablename__ = "audit_events"
    # Pages are read newest first by (at, id) within an account, a user's security log, or all.
    __table_args__ = (
        Index("ix_audit_events_account_at", "account_id", "at", "id"),
        Index("ix_audit_events_user_at", "user_id", "at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    action: Mapped[str] = mapped_column(String(80))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(64))
    fields: Mapped[list[str]] = mapped_column(JSON)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    # No foreign keys: the log outlives deleted users and accounts.
    account_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_email: Mapped[str | None] = mapped_column(String(320))
    via: Mapped[str | None] = mapped_column(String(16))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    reason: Mapped[str | None] = mapped_column(String(40))
    # The API token the actor used (via API_TOKEN); no foreign key, tokens are deleted in time.
    api_token_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class ApiTokenRow(Base):
    """A user's API token: the keyed digest of its secret, never the secret."""

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Space-separated ApiScope names.
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_ip: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KnownDeviceRow(Base):
    """Devices a user has signed in from (keyed digests of device tokens or browser + network)."""

    __tablename__ = "known_devices"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ReportTokenRow(Base):
    """The "this wasn't me" link of a security mail: single use, 7 days, stored as a keyed digest."""

    __tablename__ = "report_tokens"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordResetRow(Base):
    """A user's live password-reset code (one at a time), as a keyed digest with its tries."""

    __tablename__ = "password_resets"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class IdempotencyKeyRow(Base):
    """An Idempotency-Key a credential used (domain.idempotency): claimed while its request runs,
    then holding the response, encrypted, until it expires."""

    __tablename__ = "idempotency_keys"

    # "session:<id>", later "token:<id>", or "client:<address>" for anonymous callers.
    credential: Mapped[str] = mapped_column(String(80), primary_key=True)
    # Keyed digests: of the key, and of the request it was first used for.
    key_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The claim of the request running now (a lease; also what tells its holder apart), else None.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sealed: Mapped[str | None] = mapped_column(Text)


class _BillingProfileColumns:
    """One version of the provider's billing profile: shared by the current row and the history."""

    legal_name: Mapped[str] = mapped_column(String(140))
    address_line1: Mapped[str] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    address_postal_code: Mapped[str] = mapped_column(String(20))
    address_city: Mapped[str] = mapped_column(String(100))
    address_region: Mapped[str | None] = mapped_column(String(100))
    address_country: Mapped[str] = mapped_column(String(2))
    vat_number: Mapped[str | None] = mapped_column(String(20))
    registration_number: Mapped[str | None] = mapped_column(String(40))
    bank_name: Mapped[str] = mapped_column(String(140))
    account_holder: Mapped[str] = mapped_column(String(140))
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str] = mapped_column(String(11))
    payment_terms_days: Mapped[int] = mapped_column(Integer)
    payment_instructions: Mapped[str | None] = mapped_column(String(500))
    invoice_email: Mapped[str | None] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[uuid.UUID] = mapped_column(Uuid)


class BillingProfileRow(_BillingProfileColumns, Base):
    """The profile in force. A single row: its id is always 1, so a second first save cannot insert."""

    __tablename__ = "billing_profile"
    __table_args__ = (CheckConstraint("id = 1", name="singleton"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)


class BillingProfileHistoryRow(_BillingProfileColumns, Base):
    """Every superseded version, as it was from updated_at until changed_at."""

    __tablename__ = "billing_profile_history"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[uuid.UUID] = mapped_column(Uuid)


class MfaSecretRow(Base):
    __tablename__ = "mfa_secrets"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # A TOTP secret waiting for confirmation, sealed with the keyring; confirmed ones are authenticators.
    pending_sealed: Mapped[str | None] = mapped_column(String(200))
    pending_name: Mapped[str | None] = mapped_column(String(64))
    pending_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pending_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MfaRecoveryCodeRow(Base):
    __tablename__ = "mfa_recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Keyed digest of the canonical code (no separators, upper case); the code itself is shown once.
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MfaChallengeRow(Base):
    __tablename__ = "mfa_challenges"

    # Keyed digest of the opaque challenge token handed out by login.
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The WebAuthn challenge a passkey answer to this step must sign (base64url); null without passkeys.
    passkey_challenge: Mapped[str | None] = mapped_column(String(128))


class AuthenticatorRow(Base):
    __tablename__ = "mfa_authenticators"
    __table_args__ = (
        Index("uq_mfa_authenticators_user_name", "user_id", "name", unique=True),
        Index("uq_mfa_authenticators_credential_id", "credential_id", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # TOTP: the secret sealed with the keyring (AES-GCM under a key derived from SECRET_KEY and the
    # user's ID), never in clear, and the last 30-second step accepted (no code works twice).
    sealed: Mapped[str | None] = mapped_column(String(200))
    last_step: Mapped[int | None] = mapped_column(Integer)
    # Passkey: base64url credential ID and COSE public key, the signature counter, the backup flags.
    credential_id: Mapped[str | None] = mapped_column(String(1400))
    public_key: Mapped[str | None] = mapped_column(Text)
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    backup_eligible: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    backed_up: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    aaguid: Mapped[str | None] = mapped_column(String(36))


class PasskeyCeremonyRow(Base):
    __tablename__ = "passkey_ceremonies"

    # Keyed digest of the opaque registrationId / challengeId handed to the client.
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    challenge: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# The tables as SQLAlchemy Core sees them; repositories write statements against these.
accounts_t = AccountRow.__table__
users_t = UserRow.__table__
sessions_t = SessionRow.__table__
contacts_t = ContactEmailRow.__table__
transfers_t = TransferRequestRow.__table__
outbox_t = MailOutboxRow.__table__
attempts_t = AttemptCounterRow.__table__
audit_t = AuditEventRow.__table__
known_devices_t = KnownDeviceRow.__table__
report_tokens_t = ReportTokenRow.__table__
password_resets_t = PasswordResetRow.__table__
billing_profile_t = BillingProfileRow.__table__
billing_history_t = BillingProfileHistoryRow.__table__
mfa_secrets_t = MfaSecretRow.__table__
mfa_recovery_codes_t = MfaRecoveryCodeRow.__table__
mfa_challenges_t = MfaChallengeRow.__table__
authenticators_t = AuthenticatorRow.__table__
passkey_ceremonies_t = PasskeyCeremonyRow.__table__
idempotency_keys_t = IdempotencyKeyRow.__table__
api_tokens_t = ApiTokenRow.__table__
