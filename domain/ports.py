"""What the domain needs from the outside world, as Protocols. `persistence/` and `server/` implement them."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.entities import Account, AuditEvent, ContactEmail, Mail, Session, User

Clock = Callable[[], datetime]


class AccountRepository(Protocol):
    def add(self, account: Account) -> None: ...
    def get(self, account_id: UUID) -> Account | None: ...
    def lock(self, account_id: UUID) -> Account | None:
        """Load the account and hold a write lock on it until the transaction ends."""
        ...

    def number_taken(self, kind: str, number: str) -> bool: ...


class UserRepository(Protocol):
    def add(self, user: User) -> None: ...
    def get(self, user_id: UUID) -> User | None: ...
    def by_email(self, email: str) -> User | None:
        """Case-insensitive look-up of a sign-in email."""
        ...

    def get_with_account(self, user_id: UUID) -> tuple[User, Account] | None: ...


class SessionRepository(Protocol):
    def add(self, session: Session) -> None: ...
    def authenticate(self, token_hash: str) -> tuple[Session, User, Account] | None:
        """The session with this token hash, its user and account, in one statement."""
        ...

    def touch(self, session_id: UUID, at: datetime) -> None: ...
    def for_user(self, user_id: UUID) -> list[Session]: ...
    def delete(self, session_id: UUID, user_id: UUID) -> bool: ...
    def delete_others(self, user_id: UUID, keep: UUID | None) -> int: ...


class ContactRepository(Protocol):
    def add(self, contact: ContactEmail) -> None: ...
    def for_accounts(self, account_ids: list[UUID]) -> dict[UUID, list[ContactEmail]]:
        """Every contact of the given accounts, oldest first, in one statement."""
        ...


class Outbox(Protocol):
    def add(self, mail: Mail) -> None:
        """Queue a mail; it is sent only if the surrounding transaction commits."""
        ...


class AttemptCounters(Protocol):
    def hit(self, scope: str, key: str, window_start: datetime) -> int:
        """Count one attempt atomically and return the count in this window, this one included."""
        ...

    def refund(self, scope: str, key: str, window_start: datetime) -> None: ...
    def current(self, scope: str, key: str, window_start: datetime) -> int: ...


class AuditLog(Protocol):
    def add(self, event: AuditEvent) -> None: ...


class UnitOfWork(Protocol):
    """One database transaction. `with uow:` begins it; leaving without `commit()` rolls back."""

    accounts: AccountRepository
    users: UserRepository
    sessions: SessionRepository
    contacts: ContactRepository
    outbox: Outbox
    attempts: AttemptCounters
    audit: AuditLog

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = True) -> UnitOfWork:
        """A fresh unit of work; `write=False` for read-only work that never waits for writers."""
        ...


class PasswordHasher(Protocol):
    def slot(self) -> AbstractContextManager[None]:
        """Reserve one of the bounded hashing slots or raise TooManyAttempts at once."""
        ...

    def hash(self, password: str) -> str: ...
    def verify(self, password: str, encoded: str) -> bool: ...
    def verify_dummy(self, password: str) -> None:
        """Spend the same work as a real check, for unknown accounts."""
        ...


class Keyring(Protocol):
    """Keyed digests and encryption derived from the server's secret key."""

    def digest(self, purpose: str, value: str) -> str: ...
    def encrypt(self, purpose: str, plaintext: bytes) -> str: ...
    def decrypt(self, purpose: str, token: str) -> bytes: ...
