"""One in-memory fake of the unit of work (domain/ports.py) for service-level unit tests.

It fakes storage only: tests pair it with the real BcryptHasher and Keyring. It keeps the
promises the SQL repositories keep, so services behave as they do on a real database:

- `with uow:` works on a private copy of the tables; only `commit()` makes changes real, and
  leaving the block without it (say, on an exception) drops them, like a rollback.
- Conditional updates (expected versions, live codes, tries left) change nothing and return
  False when their condition fails; attempt counters count; unique keys are enforced, raising
  what the SQL repository raises (or ConstraintViolated where it translates nothing).
- Reads return copies, so a service changing an entity it loaded changes nothing stored.
- A read-only unit of work (`write=False`) must not commit changes, and a write that commits on a
  snapshot another unit of work has committed over since is refused: the fake runs one unit of
  work at a time and cannot merge, where a database would make one of them wait.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID

from domain.audit import AuditQuery, action_matches
from domain.entities import (
    Account,
    AccountKind,
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
    UserRole,
)
from domain.errors import AlreadyExists, Invalid
from domain.ports import (
    AccountRepository,
    ApiTokenRepository,
    AttemptCounters,
    AuditLog,
    AuthenticatorRepository,
    BillingProfileRepository,
    ContactRepository,
    KnownDeviceRepository,
    MfaRepository,
    Outbox,
    ProfileRepository,
    RecoveryRepository,
    SessionRepository,
    TransferRequestRepository,
    UnitOfWork,
    UnitOfWorkFactory,
    UserRepository,
)
from domain.rules.email import email_key

T = TypeVar("T")


def _copy(value: T) -> T:
    return copy.deepcopy(value)


class ConstraintViolated(Exception):
    """A unique key the SQL repository leaves to the database (IntegrityError, untranslated)."""


@dataclass
class Tables:
    """The rows of the fake database, one attribute per table (or per group of columns)."""

    accounts: dict[UUID, Account] = field(default_factory=dict)
    users: dict[UUID, User] = field(default_factory=dict)
    email_changes: dict[UUID, EmailChange] = field(default_factory=dict)  # by user id
    sessions: dict[UUID, Session] = field(default_factory=dict)
    contacts: dict[UUID, ContactEmail] = field(default_factory=dict)
    contact_codes: dict[UUID, ContactCode] = field(default_factory=dict)  # by contact id
    transfers: dict[UUID, TransferRequest] = field(default_factory=dict)
    outbox: list[Mail] = field(default_factory=list)
    attempts: dict[tuple[str, str, datetime], int] = field(default_factory=dict)  # (scope, key, window start)
    audit: list[AuditEvent] = field(default_factory=list)
    mfa_secrets: dict[UUID, MfaSecret] = field(default_factory=dict)  # by user id
    recovery_codes: dict[tuple[UUID, str], datetime | None] = field(default_factory=dict)  # (user, digest): used at
    mfa_challenges: dict[str, MfaChallenge] = field(default_factory=dict)  # by digest
    authenticators: dict[UUID, Authenticator] = field(default_factory=dict)
    passkey_ceremonies: dict[str, PasskeyCeremony] = field(default_factory=dict)  # by digest
    billing: BillingProfile | None = None
    billing_history: dict[int, tuple[BillingProfile, datetime, UUID]] = field(default_factory=dict)
    known_devices: dict[tuple[UUID, str], datetime] = field(default_factory=dict)  # (user, digest): last seen
    report_tokens: dict[str, tuple[UUID, datetime, datetime | None]] = field(default_factory=dict)  # user, expiry, used
    reset_codes: dict[UUID, PasswordResetCode] = field(default_factory=dict)  # by user id
    api_tokens: dict[UUID, ApiToken] = field(default_factory=dict)


class FakeAccounts:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def add(self, account: Account) -> None:
        if account.number is not None and self.number_taken(account.kind.value, account.number):
            raise AlreadyExists("An account with this number exists already.", ("number",))
        self.t.accounts[account.id] = _copy(account)

    def get(self, account_id: UUID) -> Account | None:
        return _copy(self.t.accounts.get(account_id))

    def lock(self, account_id: UUID) -> Account | None:
        return self.get(account_id)  # one unit of work at a time: nothing to wait for

    def number_taken(self, kind: str, number: str) -> bool:
        return any(a.number == number for a in self.t.accounts.values() if a.kind.value == kind)

    def get_many(self, account_ids: list[UUID]) -> dict[UUID, Account]:
        return {i: _copy(self.t.accounts[i]) for i in account_ids if i in self.t.accounts}

    def update_customer_info(self, account_id: UUID, info: CustomerInfo, expected_version: int) -> bool:
        account = self.t.accounts.get(account_id)
        if account is None or account.customer_info.version != expected_version:
            return False
        account.customer_info = replace(info, version=expected_version + 1)
        return True

    def set_number(self, account_id: UUID, kind: str, number: str) -> None:
        if any(a.number == number and a.id != account_id for a in self.t.accounts.values() if a.kind.value == kind):
            raise Invalid("Another account has this number already; the request cannot be approved.")
        account = self.t.accounts[account_id]
        if kind == AccountKind.BUSINESS.value:
            account.organization_number = number
        else:
            account.personal_number = number

    def admin_emails(self, account_id: UUID) -> list[str]:
        admins = [u for u in self.t.users.values() if u.account_id == account_id and u.role is UserRole.ACCOUNT_ADMIN]
        return [u.email for u in sorted(admins, key=lambda u: (u.created_at, u.id))]


class FakeUsers:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def add(self, user: User) -> None:
        if self._by_key(user.email) is not None:
            raise ConstraintViolated(f"users.email_key {email_key(user.email)!r}")
        self.t.users[user.id] = _copy(user)

    def get(self, user_id: UUID) -> User | None:
        return _copy(self.t.users.get(user_id))

    def by_email(self, email: str) -> User | None:
        return _copy(self._by_key(email))

    def get_with_account(self, user_id: UUID) -> tuple[User, Account] | None:
        user = self.t.users.get(user_id)
        account = self.t.accounts.get(user.account_id) if user is not None else None
        return (_copy(user), _copy(account)) if user is not None and account is not None else None

    def with_accounts(self, user_ids: list[UUID]) -> dict[UUID, tuple[User, Account]]:
        return {u: pair for u in set(user_ids) if (pair := self.get_with_account(u)) is not None}

    def _by_key(self, email: str) -> User | None:
        return next((u for u in self.t.users.values() if email_key(u.email) == email_key(email)), None)


class FakeProfiles:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def update(self, user_id: UUID, expected_version: int, profile: Profile) -> bool:
        user = self.t.users.get(user_id)
        if user is None or user.profile.version != expected_version:
            return False
        user.profile = replace(profile, version=expected_version + 1)
        return True

    def start_email_change(self, user_id: UUID, change: EmailChange) -> None:
        user = self.t.users.get(user_id)
        if user is not None:
            user.profile = replace(user.profile, pending_email=change.new_email)
            self.t.email_changes[user_id] = change

    def email_change(self, user_id: UUID) -> EmailChange | None:
        return self.t.email_changes.get(user_id)

    def count_email_change_attempt(self, user_id: UUID, max_attempts: int) -> bool:
        change = self.t.email_changes.get(user_id)
        if change is None or change.attempts >= max_attempts:
            return False
        self.t.email_changes[user_id] = replace(change, attempts=change.attempts + 1)
        return True

    def confirm_email_change(self, user_id: UUID, change: EmailChange, at: datetime) -> bool:
        user, pending = self.t.users.get(user_id), self.t.email_changes.get(user_id)
        same = pending is not None and (pending.new_email, pending.code_digest) == (
            change.new_email,
            change.code_digest,
        )
        if user is None or not same:
            return False
        if any(email_key(u.email) == email_key(change.new_email) for u in self.t.users.values() if u.id != user_id):
            raise AlreadyExists("Another user has started signing in with this email address meanwhile.")
        del self.t.email_changes[user_id]
        user.email = change.new_email
        user.profile = replace(user.profile, pending_email=None, version=user.profile.version + 1, updated_at=at)
        return True

    def set_password(self, user_id: UUID, old_hash: str, new_hash: str) -> bool:
        user = self.t.users.get(user_id)
        if user is None or user.password_hash != old_hash:
            return False
        user.password_hash = new_hash
        return True


class FakeSessions:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def add(self, session: Session) -> None:
        if any(s.token_hash == session.token_hash for s in self.t.sessions.values()):
            raise ConstraintViolated("sessions.token_hash")
        self.t.sessions[session.id] = _copy(session)

    def authenticate(self, token_hash: str) -> tuple[Session, User, Account] | None:
        session = next((s for s in self.t.sessions.values() if s.token_hash == token_hash), None)
        user = self.t.users.get(session.user_id) if session is not None else None
        account = self.t.accounts.get(user.account_id) if user is not None else None
        if session is None or user is None or account is None:
            return None
        return _copy(session), _copy(user), _copy(account)

    def authenticate_with(
        self, token_hash: str, *, contacts: bool, sessions: bool
    ) -> tuple[tuple[Session, User, Account] | None, list[ContactEmail], list[Session]]:
        found = self.authenticate(token_hash)
        if found is None:
            return None, [], []
        account_id, user_id = found[2].id, found[1].id
        of_account = [c for c in self.t.contacts.values() if c.account_id == account_id]
        of_account.sort(key=lambda c: (c.created_at, c.id))
        return found, _copy(of_account) if contacts else [], self.for_user(user_id) if sessions else []

    def touch(self, session_id: UUID, at: datetime) -> None:
        if session_id in self.t.sessions:
            self.t.sessions[session_id].last_seen_at = at

    def for_user(self, user_id: UUID) -> list[Session]:
        mine = [s for s in self.t.sessions.values() if s.user_id == user_id]
        mine.sort(key=lambda s: s.id)
        mine.sort(key=lambda s: s.created_at, reverse=True)  # newest first, then by id
        return _copy(mine)

    def delete(self, session_id: UUID, user_id: UUID) -> bool:
        session = self.t.sessions.get(session_id)
        if session is None or session.user_id != user_id:
            return False
        del self.t.sessions[session_id]
        return True

    def mark_mfa(self, session_id: UUID, at: datetime) -> None:
        if session_id in self.t.sessions:
            self.t.sessions[session_id].mfa_at = at

    def delete_others(self, user_id: UUID, keep: UUID | None) -> int:
        others = [s.id for s in self.t.sessions.values() if s.user_id == user_id and s.id != keep]
        for session_id in others:
            del self.t.sessions[session_id]
        return len(others)


class FakeContacts:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def add(self, contact: ContactEmail) -> None:
        if any(
            c.account_id == contact.account_id and email_key(c.email) == email_key(contact.email)
            for c in self.t.contacts.values()
        ):
            raise ConstraintViolated("contact_emails (account_id, email_key)")
        self.t.contacts[contact.id] = _copy(contact)
        self.t.contact_codes[contact.id] = ContactCode()

    def for_accounts(self, account_ids: list[UUID]) -> dict[UUID, list[ContactEmail]]:
        found: dict[UUID, list[ContactEmail]] = {a: [] for a in account_ids}
        for contact in sorted(self.t.contacts.values(), key=lambda c: (c.created_at, c.id)):
            if contact.account_id in found:
                found[contact.account_id].append(_copy(contact))
        return found

    def for_account(self, account_id: UUID) -> list[ContactEmail]:
        return self.for_accounts([account_id])[account_id]

    def with_code(self, account_id: UUID, contact_id: UUID) -> tuple[ContactEmail, ContactCode] | None:
        contact = self.t.contacts.get(contact_id)
        if contact is None or contact.account_id != account_id:
            return None
        return _copy(contact), self.t.contact_codes[contact_id]

    def set_code(self, contact_id: UUID, code: ContactCode) -> None:
        if contact_id in self.t.contacts:
            self.t.contact_codes[contact_id] = code

    def count_code_attempt(self, account_id: UUID, contact_id: UUID, now: datetime, max_attempts: int) -> bool:
        contact, code = self.t.contacts.get(contact_id), self.t.contact_codes.get(contact_id)
        if contact is None or code is None or contact.account_id != account_id or contact.verified:
            return False
        if code.digest is None or code.expires_at is None or code.expires_at <= now or code.attempts >= max_attempts:
            return False
        self.t.contact_codes[contact_id] = replace(code, attempts=code.attempts + 1)
        return True

    def mark_verified(self, contact_id: UUID, code_digest: str, at: datetime) -> bool:
        contact, code = self.t.contacts.get(contact_id), self.t.contact_codes.get(contact_id)
        if contact is None or code is None or code.digest != code_digest or contact.verified:
            return False
        self.t.contacts[contact_id] = replace(contact, verified_at=at)
        self.t.contact_codes[contact_id] = replace(code, digest=None, expires_at=None, attempts=0)
        return True

    def set_roles(self, contact_id: UUID, roles: frozenset[ContactRole]) -> None:
        if contact_id in self.t.contacts:
            self.t.contacts[contact_id] = replace(self.t.contacts[contact_id], roles=roles)

    def remove(self, contact_id: UUID) -> None:
        self.t.contacts.pop(contact_id, None)
        self.t.contact_codes.pop(contact_id, None)


class FakeTransfers:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def add(self, request: TransferRequest) -> None:
        if request.status is TransferRequestStatus.SUBMITTED and self.submitted_exists(request.account_id):
            raise ConstraintViolated("transfer_requests: one SUBMITTED request per account")
        self.t.transfers[request.id] = request

    def get(self, request_id: UUID) -> TransferRequest | None:
        return self.t.transfers.get(request_id)

    def submitted_exists(self, account_id: UUID) -> bool:
        return any(
            r.account_id == account_id and r.status is TransferRequestStatus.SUBMITTED
            for r in self.t.transfers.values()
        )

    def for_accounts(self, account_ids: list[UUID]) -> dict[UUID, list[TransferRequest]]:
        found: dict[UUID, list[TransferRequest]] = {a: [] for a in account_ids}
        for request in self._oldest_first():
            if request.account_id in found:
                found[request.account_id].append(request)
        return found

    def all(self, status: TransferRequestStatus | None) -> list[TransferRequest]:
        return [r for r in self._oldest_first() if status is None or r.status is status]

    def close(self, request_id: UUID, status: TransferRequestStatus, at: datetime, by: UUID, note: str | None) -> bool:
        request = self.t.transfers.get(request_id)
        if request is None or request.status is not TransferRequestStatus.SUBMITTED:
            return False
        self.t.transfers[request_id] = replace(
            request, status=status, resolved_at=at, resolved_by=by, resolution_note=note
        )
        return True

    def _oldest_first(self) -> list[TransferRequest]:
        return sorted(self.t.transfers.values(), key=lambda r: (r.submitted_at, r.id))


class FakeOutbox:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def add(self, mail: Mail) -> None:
        self.t.outbox.append(mail)


class FakeAttempts:
    """Counters keyed (scope, key, window start); a refund never goes below zero, as in SQL."""

    def __init__(self, t: Tables) -> None:
        self.t = t

    def hit(self, scope: str, key: str, window_start: datetime, by: int = 1) -> int:
        k = (scope, key, window_start)
        self.t.attempts[k] = self.t.attempts.get(k, 0) + by
        return self.t.attempts[k]

    def hit_many(self, counts: list[tuple[str, str, datetime, int]]) -> dict[tuple[str, str, datetime], int]:
        return {(s, k, w): self.hit(s, k, w, by) for s, k, w, by in counts}

    def refund(self, scope: str, key: str, window_start: datetime) -> None:
        k = (scope, key, window_start)
        if self.t.attempts.get(k, 0) > 0:
            self.t.attempts[k] -= 1

    def count(self, scope: str, key: str, window_start: datetime) -> int:
        return self.t.attempts.get((scope, key, window_start), 0)


class FakeAudit:
    def __init__(self, t: Tables, clock: Callable[[], datetime]) -> None:
        self.t = t
        self.clock = clock

    def add(self, event: AuditEvent) -> None:
        actor = self.t.users.get(event.actor_user_id) if event.actor_user_id else None
        email = event.actor_email or (actor.email if actor else None)
        self.t.audit.append(replace(event, id=uuid.uuid4(), occurred_at=self.clock(), actor_email=email))

    def page(self, query: AuditQuery) -> list[AuditEvent]:
        def wanted(e: AuditEvent) -> bool:
            assert e.occurred_at is not None and e.id is not None
            after = query.after
            return (
                (query.account_id is None or e.account_id == query.account_id)
                and (query.user_id is None or e.user_id == query.user_id)
                and action_matches(e.action, query.actions)
                and (query.actor_id is None or e.actor_user_id == query.actor_id)
                and (query.since is None or e.occurred_at >= query.since)
                and (query.until is None or e.occurred_at < query.until)
                and (after is None or (e.occurred_at, e.id.hex) < (after.occurred_at, after.id.hex))
            )

        def key(e: AuditEvent) -> tuple[datetime, str]:
            assert e.occurred_at is not None and e.id is not None
            return e.occurred_at, e.id.hex

        return sorted(filter(wanted, self.t.audit), key=key, reverse=True)[: query.limit]


class FakeMfa:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def get(self, user_id: UUID) -> MfaSecret | None:
        return self.t.mfa_secrets.get(user_id)

    def save_pending(self, user_id: UUID, sealed: str, name: str, expires_at: datetime, now: datetime) -> None:
        self.t.mfa_secrets[user_id] = MfaSecret(user_id, sealed, expires_at, 0, name)

    def hit_pending(self, user_id: UUID, now: datetime, max_attempts: int) -> MfaSecret | None:
        row = self.t.mfa_secrets.get(user_id)
        if row is None or row.pending_sealed is None or row.pending_attempts >= max_attempts:
            return None
        if row.pending_expires_at is None or row.pending_expires_at <= now:
            return None
        self.t.mfa_secrets[user_id] = replace(row, pending_attempts=row.pending_attempts + 1)
        return self.t.mfa_secrets[user_id]

    def void_pending(self, user_id: UUID) -> None:
        row = self.t.mfa_secrets.get(user_id)
        if row is not None:
            self.t.mfa_secrets[user_id] = replace(row, pending_sealed=None, pending_expires_at=None)

    def take_pending(self, user_id: UUID, pending_sealed: str) -> bool:
        row = self.t.mfa_secrets.get(user_id)
        if row is None or row.pending_sealed != pending_sealed:
            return False
        self.t.mfa_secrets[user_id] = MfaSecret(user_id)
        return True

    def enable(self, user_id: UUID, now: datetime) -> bool:
        user = self.t.users.get(user_id)
        if user is None or user.mfa_enabled_at is not None:
            return False
        user.mfa_enabled_at = now
        return True

    def disable(self, user_id: UUID) -> bool:
        # Open challenges stay until they expire, as in SQL.
        user = self.t.users.get(user_id)
        turned_off = user is not None and user.mfa_enabled_at is not None
        if user is not None:
            user.mfa_enabled_at = None
        self.t.mfa_secrets.pop(user_id, None)
        self._drop_recovery_codes(user_id)
        return turned_off

    def replace_recovery_codes(self, user_id: UUID, digests: list[str], now: datetime) -> None:
        self._drop_recovery_codes(user_id)
        self.t.recovery_codes.update(((user_id, d), None) for d in digests)

    def use_recovery_code(self, user_id: UUID, digest: str, now: datetime) -> bool:
        if (user_id, digest) not in self.t.recovery_codes or self.t.recovery_codes[user_id, digest] is not None:
            return False
        self.t.recovery_codes[user_id, digest] = now
        return True

    def recovery_codes_remaining(self, user_ids: list[UUID]) -> dict[UUID, int]:
        unused = [owner for (owner, _), used_at in self.t.recovery_codes.items() if used_at is None]
        return {u: unused.count(u) for u in user_ids}

    def add_challenge(self, challenge: MfaChallenge) -> None:
        if challenge.digest in self.t.mfa_challenges:
            raise ConstraintViolated("mfa_challenges.digest")
        self.t.mfa_challenges[challenge.digest] = challenge

    def hit_challenge(self, digest: str, now: datetime, max_attempts: int) -> MfaChallenge | None:
        row = self.t.mfa_challenges.get(digest)
        if row is None or row.used_at is not None or row.expires_at <= now or row.attempts >= max_attempts:
            return None
        self.t.mfa_challenges[digest] = replace(row, attempts=row.attempts + 1)
        return self.t.mfa_challenges[digest]

    def get_challenge(self, digest: str) -> MfaChallenge | None:
        return self.t.mfa_challenges.get(digest)

    def use_challenge(self, digest: str, now: datetime) -> bool:
        row = self.t.mfa_challenges.get(digest)
        if row is None or row.used_at is not None or row.expires_at <= now:
            return False
        self.t.mfa_challenges[digest] = replace(row, used_at=now)
        return True

    def void_challenges(self, user_id: UUID) -> None:
        self.t.mfa_challenges = {k: v for k, v in self.t.mfa_challenges.items() if v.user_id != user_id}

    def _drop_recovery_codes(self, user_id: UUID) -> None:
        self.t.recovery_codes = {k: v for k, v in self.t.recovery_codes.items() if k[0] != user_id}


class FakeAuthenticators:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def for_users(self, user_ids: list[UUID]) -> dict[UUID, list[Authenticator]]:
        ordered = sorted(self.t.authenticators.values(), key=lambda a: (a.created_at, a.id))
        return {u: [a for a in ordered if a.user_id == u] for u in user_ids}

    def by_credential_id(self, credential_id: str) -> Authenticator | None:
        return next((a for a in self.t.authenticators.values() if a.credential_id == credential_id), None)

    def add(self, authenticator: Authenticator) -> None:
        for a in self.t.authenticators.values():
            if a.user_id == authenticator.user_id and a.name == authenticator.name:
                raise AlreadyExists("You have an authenticator with this name already.", ("name",))
            if authenticator.credential_id is not None and a.credential_id == authenticator.credential_id:
                raise AlreadyExists("You have an authenticator with this name already.", ("name",))
        self.t.authenticators[authenticator.id] = authenticator

    def rename(self, user_id: UUID, authenticator_id: UUID, name: str) -> bool:
        row = self.t.authenticators.get(authenticator_id)
        if row is None or row.user_id != user_id:
            return False
        if any(a.user_id == user_id and a.name == name and a.id != row.id for a in self.t.authenticators.values()):
            raise AlreadyExists("You have an authenticator with this name already.", ("name",))
        self.t.authenticators[row.id] = replace(row, name=name)
        return True

    def remove(self, user_id: UUID, authenticator_id: UUID) -> bool:
        row = self.t.authenticators.get(authenticator_id)
        if row is None or row.user_id != user_id:
            return False
        del self.t.authenticators[authenticator_id]
        return True

    def remove_all(self, user_id: UUID) -> None:
        self.t.authenticators = {k: v for k, v in self.t.authenticators.items() if v.user_id != user_id}

    def claim_step(self, authenticator_id: UUID, step: int, now: datetime) -> bool:
        row = self.t.authenticators.get(authenticator_id)
        if row is None or row.sealed is None or (row.last_step is not None and row.last_step >= step):
            return False
        self.t.authenticators[row.id] = replace(row, last_step=step, last_used_at=now)
        return True

    def claim_count(self, authenticator_id: UUID, seen: int, count: int, backed_up: bool, now: datetime) -> bool:
        row = self.t.authenticators.get(authenticator_id)
        if row is None or row.sign_count != seen:
            return False
        self.t.authenticators[row.id] = replace(row, sign_count=count, backed_up=backed_up, last_used_at=now)
        return True

    def add_ceremony(self, ceremony: PasskeyCeremony) -> None:
        if ceremony.digest in self.t.passkey_ceremonies:
            raise ConstraintViolated("passkey_ceremonies.digest")
        self.t.passkey_ceremonies[ceremony.digest] = ceremony

    def use_ceremony(self, digest: str, purpose: str, now: datetime) -> PasskeyCeremony | None:
        row = self.t.passkey_ceremonies.get(digest)
        if row is None or row.purpose != purpose or row.used_at is not None or row.expires_at <= now:
            return None
        self.t.passkey_ceremonies[digest] = replace(row, used_at=now)
        return self.t.passkey_ceremonies[digest]


class FakeBilling:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def get(self) -> BillingProfile | None:
        return self.t.billing

    def add(self, profile: BillingProfile) -> bool:
        if self.t.billing is not None:
            return False
        self.t.billing = profile
        return True

    def update(self, profile: BillingProfile, expected_version: int) -> bool:
        if self.t.billing is None or self.t.billing.version != expected_version:
            return False
        self.t.billing = profile
        return True

    def archive(self, previous: BillingProfile, changed_at: datetime, changed_by: UUID) -> None:
        self.t.billing_history[previous.version] = (previous, changed_at, changed_by)

    def at_version(self, version: int) -> BillingProfile | None:
        if self.t.billing is not None and self.t.billing.version == version:
            return self.t.billing
        return self.t.billing_history[version][0] if version in self.t.billing_history else None

    def at_versions(self, versions: list[int]) -> dict[int, BillingProfile]:
        return {v: p for v in versions if (p := self.at_version(v)) is not None}

    def cloud_admin_emails(self) -> list[str]:
        return sorted(u.email for u in self.t.users.values() if u.role is UserRole.CLOUD_ADMIN)


class FakeKnownDevices:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def last_seen(self, user_id: UUID) -> dict[str, datetime]:
        return {digest: at for (user, digest), at in self.t.known_devices.items() if user == user_id}

    def see(self, user_id: UUID, digests: list[str], at: datetime) -> None:
        for digest in digests:
            self.t.known_devices[(user_id, digest)] = at


class FakeRecovery:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def add_report_token(self, digest: str, user_id: UUID, now: datetime, expires_at: datetime) -> None:
        if digest in self.t.report_tokens:
            raise ConstraintViolated("report_tokens.digest")
        self.t.report_tokens[digest] = (user_id, expires_at, None)

    def use_report_token(self, digest: str, now: datetime) -> UUID | None:
        found = self.t.report_tokens.get(digest)
        if found is None or found[2] is not None or found[1] <= now:
            return None
        self.t.report_tokens[digest] = (found[0], found[1], now)
        return found[0]

    def require_reset(self, user_id: UUID) -> None:
        if user_id in self.t.users:
            self.t.users[user_id].password_reset_required = True

    def save_code(self, user_id: UUID, code: PasswordResetCode) -> None:
        self.t.reset_codes[user_id] = code

    def code(self, user_id: UUID) -> PasswordResetCode | None:
        return self.t.reset_codes.get(user_id)

    def count_code_attempt(self, user_id: UUID, now: datetime, max_attempts: int) -> bool:
        code = self.t.reset_codes.get(user_id)
        if code is None or code.expires_at <= now or code.attempts >= max_attempts:
            return False
        self.t.reset_codes[user_id] = replace(code, attempts=code.attempts + 1)
        return True

    def finish_reset(self, user_id: UUID, code_digest: str, old_hash: str, new_hash: str) -> bool:
        code, user = self.t.reset_codes.get(user_id), self.t.users.get(user_id)
        if code is None or code.digest != code_digest or user is None or user.password_hash != old_hash:
            return False
        del self.t.reset_codes[user_id]
        user.password_hash, user.password_reset_required = new_hash, False
        return True


class FakeApiTokens:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def add(self, token: ApiToken) -> None:
        if any(x.token_hash == token.token_hash for x in self.t.api_tokens.values()):
            raise ConstraintViolated("api_tokens.token_hash")
        self.t.api_tokens[token.id] = _copy(token)

    def _owned(self, token: ApiToken | None) -> tuple[ApiToken, User] | None:
        user = self.t.users.get(token.user_id) if token is not None else None
        return (_copy(token), _copy(user)) if token is not None and user is not None else None

    def authenticate(self, token_hash: str) -> tuple[ApiToken, User, Account] | None:
        found = self.by_hash(token_hash)
        account = self.t.accounts.get(found[1].account_id) if found else None
        return (*found, _copy(account)) if found and account else None

    def touch(self, token_id: UUID, at: datetime, ip: str | None) -> None:
        if token_id in self.t.api_tokens:
            self.t.api_tokens[token_id] = replace(self.t.api_tokens[token_id], last_used_at=at, last_used_ip=ip)

    def by_hash(self, token_hash: str) -> tuple[ApiToken, User] | None:
        return self._owned(next((x for x in self.t.api_tokens.values() if x.token_hash == token_hash), None))

    def get(self, token_id: UUID) -> tuple[ApiToken, User] | None:
        return self._owned(self.t.api_tokens.get(token_id))

    def _newest_first(self, tokens: list[ApiToken]) -> list[ApiToken]:
        tokens = sorted(tokens, key=lambda x: x.id)
        return _copy(sorted(tokens, key=lambda x: x.created_at, reverse=True))

    def for_users(self, user_ids: list[UUID]) -> dict[UUID, list[ApiToken]]:
        return {u: self._newest_first([x for x in self.t.api_tokens.values() if x.user_id == u]) for u in user_ids}

    def for_account(self, account_id: UUID) -> list[ApiToken]:
        users = {u.id for u in self.t.users.values() if u.account_id == account_id}
        return self._newest_first([x for x in self.t.api_tokens.values() if x.user_id in users])

    def revoke(self, token_id: UUID, at: datetime) -> bool:
        token = self.t.api_tokens.get(token_id)
        if token is None or token.revoked_at is not None:
            return False
        self.t.api_tokens[token_id] = replace(token, revoked_at=at)
        return True

    def revoke_all(self, user_id: UUID, at: datetime) -> list[ApiToken]:
        live = [x for x in self.t.api_tokens.values() if x.user_id == user_id and x.live(at)]
        for token in live:
            self.t.api_tokens[token.id] = replace(token, revoked_at=at)
        return [replace(x, revoked_at=at) for x in live]

    def expiring(self, now: datetime, until: datetime) -> list[tuple[ApiToken, User]]:
        due = [x for x in self.t.api_tokens.values() if x.live(now) and x.reminded_at is None and x.expires_at <= until]
        return [found for x in due if (found := self._owned(x)) is not None]

    def mark_reminded(self, token_id: UUID, at: datetime) -> bool:
        token = self.t.api_tokens.get(token_id)
        if token is None or token.reminded_at is not None:
            return False
        self.t.api_tokens[token_id] = replace(token, reminded_at=at)
        return True


class FakeUnitOfWork:
    """One transaction over a private copy of the database's tables."""

    # Typed as the ports, so the type checker holds every fake repository to its Protocol.
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

    def __init__(self, db: FakeDatabase, *, write: bool) -> None:
        self.db = db
        self.write = write
        self.tables = self._snapshot = Tables()
        self._began_at = -1

    def __enter__(self) -> FakeUnitOfWork:
        if self._began_at >= 0:
            raise AssertionError("a unit of work is entered once")
        self._began_at = self.db.commits
        self._snapshot = _copy(self.db.tables)
        self.tables = t = _copy(self._snapshot)
        self.accounts, self.users, self.profiles = FakeAccounts(t), FakeUsers(t), FakeProfiles(t)
        self.sessions, self.contacts, self.transfers = FakeSessions(t), FakeContacts(t), FakeTransfers(t)
        self.outbox, self.attempts, self.audit = FakeOutbox(t), FakeAttempts(t), FakeAudit(t, self.db.clock)
        self.mfa, self.billing, self.authenticators = FakeMfa(t), FakeBilling(t), FakeAuthenticators(t)
        self.devices, self.recovery, self.api_tokens = FakeKnownDevices(t), FakeRecovery(t), FakeApiTokens(t)
        return self

    def __exit__(self, *exc: object) -> None:
        self.tables = self._snapshot = Tables()  # what was not committed is gone

    def commit(self) -> None:
        if self._began_at < 0:
            raise AssertionError("commit() outside `with uow:`")
        if self.tables == self._snapshot:
            return
        if not self.write:
            raise AssertionError("a read-only unit of work (write=False) changed the database")
        if self.db.commits != self._began_at:
            raise AssertionError("another unit of work committed while this one was open; the fake cannot merge")
        self.db.tables.__dict__.update(_copy(self.tables).__dict__)  # in place: tests may hold `db.tables`
        self.db.commits += 1
        self._began_at, self._snapshot = self.db.commits, _copy(self.tables)


class FakeDatabase:
    """The UnitOfWorkFactory of the services (`Deps.uow`), holding the committed tables.

    Tests arrange rows by writing to `tables` directly and read the outcome from it.
    `before_next_write` runs once, just before the next write unit of work begins: the place for
    "someone else changed it meanwhile".
    """

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock or (lambda: datetime.now(UTC))
        self.tables = Tables()
        self.commits = 0
        self.before_next_write: Callable[[], None] | None = None

    def __call__(self, *, write: bool = True) -> FakeUnitOfWork:
        if write and self.before_next_write is not None:
            hook, self.before_next_write = self.before_next_write, None
            hook()
        return FakeUnitOfWork(self, write=write)


class FakeClock:
    """A Clock that stands still until the test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> datetime:
        self.now += by
        return self.now


def _conforms(db: FakeDatabase, uow: FakeUnitOfWork) -> tuple[UnitOfWorkFactory, UnitOfWork]:
    """Never called: the type checker holds the fakes to the ports here."""
    return db, uow
