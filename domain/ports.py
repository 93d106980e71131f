"""What the domain needs from the outside world, as Protocols. `persistence/` and `server/` implement them."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

from domain.audit import AuditQuery
from domain.entities import (
    Account,
    ApiToken,
    AuditEvent,
    Authenticator,
    BillingProfile,
    ContactCode,
    ContactEmail,
    ContactRole,
    CustomerInfo,
    EmailChange,
    Mail,
    MfaChallenge,
    MfaSecret,
    PasskeyCeremony,
    PasswordResetCode,
    Profile,
    Session,
    TransferRequest,
    TransferRequestStatus,
    User,
)

Clock = Callable[[], datetime]


_Read = TypeVar("_Read")


class AccountRepository(Protocol):
    def add(self, account: Account) -> None: ...
    def get(self, account_id: UUID) -> Account | None: ...
    def lock(self, account_id: UUID) -> Account | None:
        """Load the account and hold a write lock on it until the transaction ends."""
        ...

    def number_taken(self, kind: str, number: str) -> bool: ...
    def get_many(self, account_ids: list[UUID]) -> dict[UUID, Account]:
        """The accounts with these IDs, in one statement."""
        ...

    def update_customer_info(self, account_id: UUID, info: CustomerInfo, expected_version: int) -> bool:
        """Write the customer info and bump its version, only if it is still `expected_version`."""
        ...

    def set_number(self, account_id: UUID, kind: str, number: str) -> None:
        """Replace the organization number (BUSINESS) or personal number (INDIVIDUAL)."""
        ...

    def admin_emails(self, account_id: UUID) -> list[str]:
        """Sign-in emails of the account's ACCOUNT_ADMIN users."""
        ...


class UserRepository(Protocol):
    def add(self, user: User) -> None: ...
    def get(self, user_id: UUID) -> User | None: ...
    def by_email(self, email: str) -> User | None:
        """Case-insensitive look-up of a sign-in email."""
        ...

    def get_with_account(self, user_id: UUID) -> tuple[User, Account] | None: ...
    def with_accounts(self, user_ids: list[UUID]) -> dict[UUID, tuple[User, Account]]:
        """The users with these IDs that exist, each with its account, in one statement."""
        ...


class ProfileRepository(Protocol):
    """The user's profile, sign-in email change and password: conditional updates only."""

    def update(self, user_id: UUID, expected_version: int, profile: Profile) -> bool:
        """Write the profile and bump its version, only if the version is still `expected_version`."""
        ...

    def start_email_change(self, user_id: UUID, change: EmailChange) -> None:
        """Store a new pending email and code, voiding any earlier code and its tries."""
        ...

    def email_change(self, user_id: UUID) -> EmailChange | None: ...
    def count_email_change_attempt(self, user_id: UUID, max_attempts: int) -> bool:
        """Spend one try at the pending code atomically; False when none is left (or none is pending)."""
        ...

    def confirm_email_change(self, user_id: UUID, change: EmailChange, at: datetime) -> bool:
        """Make `change.new_email` the sign-in email, once: only while `change` is still the pending one.

        Raises AlreadyExists if another user took the address meanwhile.
        """
        ...

    def set_password(self, user_id: UUID, old_hash: str, new_hash: str) -> bool:
        """Replace the password hash, only if it is still `old_hash`."""
        ...


class SessionRepository(Protocol):
    def add(self, session: Session) -> None: ...
    def authenticate(self, token_hash: str) -> tuple[Session, User, Account] | None:
        """The session with this token hash, its user and account, in one statement."""
        ...

    def authenticate_with(
        self, token_hash: str, *, contacts: bool, sessions: bool
    ) -> tuple[tuple[Session, User, Account] | None, list[ContactEmail], list[Session]]:
        """`authenticate`, and with it, as asked, the account's contacts (as ContactRepository's
        for_accounts orders them) and the user's sessions (as `for_user`), in one round trip where
        the database is across a network. No session: (None, [], [])."""
        ...

    def touch(self, session_id: UUID, at: datetime) -> None: ...
    def for_user(self, user_id: UUID) -> list[Session]: ...
    def delete(self, session_id: UUID, user_id: UUID) -> bool: ...
    def delete_others(self, user_id: UUID, keep: UUID | None) -> int: ...
    def mark_mfa(self, session_id: UUID, at: datetime) -> None:
        """Record that the session passed a second factor."""
        ...


class ContactRepository(Protocol):
    def add(self, contact: ContactEmail) -> None: ...
    def for_accounts(self, account_ids: list[UUID]) -> dict[UUID, list[ContactEmail]]:
        """Every contact of the given accounts, oldest first, in one statement."""
        ...

    def for_account(self, account_id: UUID) -> list[ContactEmail]: ...
    def with_code(self, account_id: UUID, contact_id: UUID) -> tuple[ContactEmail, ContactCode] | None:
        """The account's contact and its code state; None for another account's contact or a made-up ID."""
        ...

    def set_code(self, contact_id: UUID, code: ContactCode) -> None: ...
    def count_code_attempt(self, account_id: UUID, contact_id: UUID, now: datetime, max_attempts: int) -> bool:
        """Spend one try at the contact's live, unexpired code atomically; False when none is left."""
        ...

    def mark_verified(self, contact_id: UUID, code_digest: str, at: datetime) -> bool:
        """Verify the contact and void its code, once: only while `code_digest` is still its code."""
        ...

    def set_roles(self, contact_id: UUID, roles: frozenset[ContactRole]) -> None: ...
    def remove(self, contact_id: UUID) -> None: ...


class TransferRequestRepository(Protocol):
    def add(self, request: TransferRequest) -> None: ...
    def get(self, request_id: UUID) -> TransferRequest | None: ...
    def submitted_exists(self, account_id: UUID) -> bool: ...
    def for_accounts(self, account_ids: list[UUID]) -> dict[UUID, list[TransferRequest]]:
        """Every request of the given accounts, oldest first, in one statement."""
        ...

    def all(self, status: TransferRequestStatus | None) -> list[TransferRequest]:
        """Every account's requests, oldest first, optionally of one status."""
        ...

    def close(self, request_id: UUID, status: TransferRequestStatus, at: datetime, by: UUID, note: str | None) -> bool:
        """Move a SUBMITTED request to `status`; False when it is no longer SUBMITTED."""
        ...


class Outbox(Protocol):
    def add(self, mail: Mail) -> None:
        """Queue a mail; it is sent only if the surrounding transaction commits."""
        ...


class AttemptCounters(Protocol):
    def hit(self, scope: str, key: str, window_start: datetime, by: int = 1) -> int:
        """Count `by` attempts atomically and return the count in this window, these included."""
        ...

    def hit_many(self, counts: list[tuple[str, str, datetime, int]]) -> dict[tuple[str, str, datetime], int]:
        """`hit` for each (scope, key, window start, by), each key once: the count each reached."""
        ...

    def refund(self, scope: str, key: str, window_start: datetime) -> None: ...

    def count(self, scope: str, key: str, window_start: datetime) -> int:
        """The count in this window (0 when nothing was counted), read without counting."""
        ...


class AuditLog(Protocol):
    def add(self, event: AuditEvent) -> None:
        """Store the event; with an actor and no actor_email, the actor's current email is kept with it."""
        ...

    def page(self, query: AuditQuery) -> list[AuditEvent]:
        """Up to `query.limit` events matching `query`, newest first by (occurred_at, id), in one statement."""
        ...


class BillingProfileRepository(Protocol):
    """The provider's single billing profile and every earlier version of it."""

    def get(self) -> BillingProfile | None: ...
    def add(self, profile: BillingProfile) -> bool:
        """Create the profile; False (and nothing written) when it exists already."""
        ...

    def update(self, profile: BillingProfile, expected_version: int) -> bool:
        """Replace the profile if it is still at `expected_version`; False when it is not."""
        ...

    def archive(self, previous: BillingProfile, changed_at: datetime, changed_by: UUID) -> None:
        """Keep a superseded version in the history."""
        ...

    def at_version(self, version: int) -> BillingProfile | None: ...
    def at_versions(self, versions: list[int]) -> dict[int, BillingProfile]:
        """The versions that exist, current or superseded, in one statement per table at most."""
        ...

    def cloud_admin_emails(self) -> list[str]:
        """Sign-in emails of every CLOUD_ADMIN user, the people told about bank detail changes."""
        ...


class MfaRepository(Protocol):
    """TOTP secrets, recovery codes and sign-in challenges. Whatever may happen only once is one
    conditional statement, so of two concurrent requests only one can win."""

    def get(self, user_id: UUID) -> MfaSecret | None:
        """The TOTP secret waiting for confirmation, if any."""
        ...

    def save_pending(self, user_id: UUID, sealed: str, name: str, expires_at: datetime, now: datetime) -> None:
        """Store or replace the secret waiting for confirmation, with no attempts spent."""
        ...

    def hit_pending(self, user_id: UUID, now: datetime, max_attempts: int) -> MfaSecret | None:
        """Count one confirmation attempt if a live pending secret has tries left; the row after it, else None."""
        ...

    def void_pending(self, user_id: UUID) -> None: ...
    def take_pending(self, user_id: UUID, pending_sealed: str) -> bool:
        """Clear this pending secret, once: False if it is no longer the pending one."""
        ...

    def enable(self, user_id: UUID, now: datetime) -> bool:
        """Turn MFA on; False if it was on already."""
        ...

    def disable(self, user_id: UUID) -> bool:
        """Delete the pending secret and the recovery codes, and turn MFA off; False if it was off."""
        ...

    def replace_recovery_codes(self, user_id: UUID, digests: list[str], now: datetime) -> None: ...
    def use_recovery_code(self, user_id: UUID, digest: str, now: datetime) -> bool:
        """Mark an unused recovery code used; True for the one request that did."""
        ...

    def recovery_codes_remaining(self, user_ids: list[UUID]) -> dict[UUID, int]:
        """Unused recovery codes per user, in one statement for all of them."""
        ...

    def add_challenge(self, challenge: MfaChallenge) -> None: ...
    def hit_challenge(self, digest: str, now: datetime, max_attempts: int) -> MfaChallenge | None:
        """Count one attempt if the challenge is live, unused and has tries left; the row after it, else None."""
        ...

    def get_challenge(self, digest: str) -> MfaChallenge | None: ...
    def use_challenge(self, digest: str, now: datetime) -> bool:
        """Mark a live challenge used; True for the one request that did."""
        ...

    def void_challenges(self, user_id: UUID) -> None:
        """End every pending second sign-in step of the user (after a credential change)."""
        ...


class AuthenticatorRepository(Protocol):
    """A user's second factors (TOTP apps and passkeys) and started passkey ceremonies. A TOTP step,
    a passkey counter and a ceremony are each claimed by one conditional statement."""

    def for_users(self, user_ids: list[UUID]) -> dict[UUID, list[Authenticator]]:
        """Every authenticator of each user, oldest first, in one statement."""
        ...

    def by_credential_id(self, credential_id: str) -> Authenticator | None: ...
    def add(self, authenticator: Authenticator) -> None: ...
    def rename(self, user_id: UUID, authenticator_id: UUID, name: str) -> bool: ...
    def remove(self, user_id: UUID, authenticator_id: UUID) -> bool: ...
    def remove_all(self, user_id: UUID) -> None: ...
    def claim_step(self, authenticator_id: UUID, step: int, now: datetime) -> bool:
        """Compare-and-set the TOTP app's last accepted step: True only when `step` is later than the stored one."""
        ...

    def claim_count(self, authenticator_id: UUID, seen: int, count: int, backed_up: bool, now: datetime) -> bool:
        """Move a passkey's counter from `seen` to `count` and record its use; False if another request did first."""
        ...

    def add_ceremony(self, ceremony: PasskeyCeremony) -> None: ...
    def use_ceremony(self, digest: str, purpose: str, now: datetime) -> PasskeyCeremony | None:
        """Mark a live, unused ceremony used and return it; None for the second request or a dead one."""
        ...


class KnownDeviceRepository(Protocol):
    """Devices each user has signed in from, as keyed digests, with when each was last seen."""

    def last_seen(self, user_id: UUID) -> dict[str, datetime]: ...
    def see(self, user_id: UUID, digests: list[str], at: datetime) -> None:
        """Insert or refresh these devices of the user as seen `at`."""
        ...


class RecoveryRepository(Protocol):
    """The "this wasn't me" tokens, password-reset codes and the reset-required mark."""

    def add_report_token(self, digest: str, user_id: UUID, now: datetime, expires_at: datetime) -> None: ...
    def use_report_token(self, digest: str, now: datetime) -> UUID | None:
        """Mark a live, unused token used and return its user; None for the one that lost or a dead one."""
        ...

    def require_reset(self, user_id: UUID) -> None:
        """Refuse sign-in with the password until a reset."""
        ...

    def save_code(self, user_id: UUID, code: PasswordResetCode) -> None:
        """Store the user's reset code, replacing (voiding) any earlier one."""
        ...

    def code(self, user_id: UUID) -> PasswordResetCode | None: ...
    def count_code_attempt(self, user_id: UUID, now: datetime, max_attempts: int) -> bool:
        """Spend one try at the live code atomically; False when none is left or none is live."""
        ...

    def finish_reset(self, user_id: UUID, code_digest: str, old_hash: str, new_hash: str) -> bool:
        """Set the new password, clear the reset-required mark and void the code, once: only while the
        code is still `code_digest` and the password still `old_hash`."""
        ...


class ApiTokenRepository(Protocol):
    """Users' API tokens, found by the keyed digest of their secret. Revoking is conditional, so a
    token is revoked (and its owner told) once."""

    def add(self, token: ApiToken) -> None: ...
    def authenticate(self, token_hash: str) -> tuple[ApiToken, User, Account] | None:
        """The token with this digest, its owner and the owner's account, in one statement."""
        ...

    def touch(self, token_id: UUID, at: datetime, ip: str | None) -> None: ...
    def by_hash(self, token_hash: str) -> tuple[ApiToken, User] | None: ...
    def get(self, token_id: UUID) -> tuple[ApiToken, User] | None:
        """The token and its owner."""
        ...

    def for_users(self, user_ids: list[UUID]) -> dict[UUID, list[ApiToken]]:
        """Every token of each user, newest first, in one statement."""
        ...

    def for_account(self, account_id: UUID) -> list[ApiToken]:
        """Every token of the account's users, newest first."""
        ...

    def revoke(self, token_id: UUID, at: datetime) -> bool:
        """Revoke the token unless it is revoked already; False then."""
        ...

    def revoke_all(self, user_id: UUID, at: datetime) -> list[ApiToken]:
        """Revoke every live token of the user; those it revoked."""
        ...

    def expiring(self, now: datetime, until: datetime) -> list[tuple[ApiToken, User]]:
        """Live tokens expiring before `until` whose owner was not reminded yet, with their owners."""
        ...

    def mark_reminded(self, token_id: UUID, at: datetime) -> bool:
        """Note the reminder, once: False when another process noted it first."""
        ...


class UnitOfWork(Protocol):
    """One database transaction. `with uow:` begins it; leaving without `commit()` rolls back."""

    accounts: AccountRepository
    users: UserRepository
    profiles: ProfileRepository
    sessions: SessionRepository
    contacts: ContactRepository
    transfers: TransferRequestRepository
    outbox: Outbox
    attempts: AttemptCounters
    audit: AuditLog
    mfa: MfaRepository
    authenticators: AuthenticatorRepository
    billing: BillingProfileRepository
    devices: KnownDeviceRepository
    recovery: RecoveryRepository
    api_tokens: ApiTokenRepository

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = True) -> UnitOfWork:
        """A fresh unit of work; `write=False` for read-only work that never waits for writers."""
        ...


class LoopReads(Protocol):
    """Runs a read on the server's event loop through a driver that waits for the database without
    blocking it (PostgreSQL's, asynchronously): `read` gets a unit-of-work factory for read-only
    work, and runs as plain synchronous code while each of its statements awaits the driver."""

    async def __call__(self, read: Callable[[UnitOfWorkFactory], _Read]) -> _Read: ...


class PasswordHasher(Protocol):
    def slot(self, client: str | None = None, *, known: bool = False) -> AbstractContextManager[None]:
        """Hold a hashing slot for this thread's next hashes: at most one per `client` at a time,
        `known` devices first in the queue; waits briefly, then raises TooManyAttempts."""
        ...

    def saturated(self) -> bool:
        """Every slot anyone may take is busy and the queue for them is full (a hint, for a cheap refusal)."""
        ...

    def hash(self, password: str) -> str: ...
    def verify(self, password: str, encoded: str) -> bool: ...
    def needs_rehash(self, encoded: str) -> bool:
        """True when `encoded` was made at another cost than the configured one."""
        ...

    def verify_dummy(self, password: str) -> None:
        """Spend the same work as a real check, for unknown accounts."""
        ...


class Keyring(Protocol):
    """Keyed digests and encryption derived from the server's secret key."""

    def digest(self, purpose: str, value: str) -> str: ...
    def encrypt(self, purpose: str, plaintext: bytes) -> str: ...
    def decrypt(self, purpose: str, token: str) -> bytes: ...
