"""What service-level unit tests start from: the fake database, a clock that stands still, the
real hasher and keyring bundled as the services' Deps, and a few rows to begin with.

Rows are written straight into the committed tables (through the fake repositories, so unique
keys hold), not through the services under test.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from stdnum import luhn

from domain.deps import Deps
from domain.entities import (
    ALL_CONTACT_ROLES,
    Account,
    AccountKind,
    Actor,
    ContactEmail,
    ContactRole,
    CustomerInfo,
    Mail,
    Profile,
    Session,
    User,
    UserRole,
)
from domain.security import BcryptHasher, Keyring, new_token

from .fakes import FakeAccounts, FakeClock, FakeContacts, FakeDatabase, FakeUsers, Tables

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PASSWORD = "quiet-garden-path-42"
SECRET_KEY = "unit-test-secret-key-of-32-chars-at-least"
IP = "192.0.2.10"


def orgnr(n: int) -> str:
    """The n-th of a series of valid Swedish organization numbers, 556000-000x and on (n < 100 000).
    Digits 3-4 are over 12, so none of them also reads as a personal number."""
    digits = f"5560{n:05d}"
    return f"{digits[:6]}-{digits[6:]}{luhn.calc_check_digit(digits)}"


@dataclass
class World:
    """One test's database, clock and Deps, with helpers that add rows and read outcomes."""

    db: FakeDatabase
    clock: FakeClock
    deps: Deps
    _numbers: Iterator[int] = field(default_factory=itertools.count)

    @classmethod
    def make(cls, hasher: BcryptHasher, start: datetime = START) -> World:
        clock = FakeClock(start)
        db = FakeDatabase(clock)
        return cls(db, clock, Deps(uow=db, hasher=hasher, keyring=Keyring(SECRET_KEY), clock=clock))

    @property
    def tables(self) -> Tables:
        """The committed rows."""
        return self.db.tables

    @property
    def now(self) -> datetime:
        return self.clock.now

    def later(self, **by: float) -> datetime:
        """Move the clock on, e.g. `world.later(minutes=15)`."""
        return self.clock.advance(timedelta(**by))

    def account(
        self,
        kind: AccountKind = AccountKind.BUSINESS,
        number: str | None = None,
        *,
        country: str = "SE",
        company_name: str | None = "Ekström Bygg AB",
        contact_person: str = "Alva Ekström",
    ) -> Account:
        """An account with customer info at version 1 and no contacts; a business one has a fresh
        organization number unless `number` is given."""
        business = kind is AccountKind.BUSINESS
        if number is None:
            assert business, "give an individual account its personal number"
            number = orgnr(next(self._numbers))
        info = CustomerInfo(contact_person, company_name if business else None, updated_at=self.now)
        account = Account(
            uuid.uuid4(),
            kind,
            country,
            info,
            organization_number=number if business else None,
            personal_number=None if business else number,
            created_at=self.now,
        )
        FakeAccounts(self.tables).add(account)
        return account

    def user(
        self,
        email: str = "alva@example.com",
        *,
        account: Account | None = None,
        role: UserRole = UserRole.MEMBER,
        password: str = PASSWORD,
        **profile: Any,
    ) -> User:
        """A user of `account` (a new one if not given) with `password`, at profile version 1."""
        owner = account or self.account()
        values = {"first_name": "Alva", "last_name": "Ekström", "updated_at": self.now, **profile}
        user = User(
            uuid.uuid4(),
            owner.id,
            email,
            role,
            self.deps.hasher.hash(password),
            Profile(**values),
            self.now,
        )
        FakeUsers(self.tables).add(user)
        return user

    def session(self, user: User, *, ip: str | None = IP) -> Actor:
        """A live session of `user` (its token is not needed), as the actor the services see."""
        session = Session(
            uuid.uuid4(),
            user.id,
            self.deps.keyring.digest("session", new_token()),
            self.now,
            self.now,
            self.now + self.deps.policy.absolute_ttl,
            "pytest",
            ip,
        )
        self.tables.sessions[session.id] = session
        return Actor(user.id, user.account_id, user.role, session.id, ip)

    def signed_in(self, email: str = "alva@example.com", *, ip: str | None = IP, **user: Any) -> Actor:
        """A new user with a live session, as an actor."""
        return self.session(self.user(email, **user), ip=ip)

    def contact(
        self,
        account_id: uuid.UUID,
        email: str,
        roles: frozenset[ContactRole] = ALL_CONTACT_ROLES,
        *,
        verified: bool = True,
    ) -> ContactEmail:
        """A contact email of the account, verified and holding every role unless told otherwise."""
        contact = ContactEmail(uuid.uuid4(), account_id, email, self.now, roles, self.now if verified else None)
        FakeContacts(self.tables).add(contact)
        return contact

    def user_of(self, actor: Actor) -> User:
        """The actor's committed user row."""
        return self.tables.users[actor.user_id]

    def mails_to(self, address: str) -> list[Mail]:
        return [m for m in self.tables.outbox if m.to == address]

    def audit_actions(self) -> list[str]:
        return [e.action for e in self.tables.audit]

    def attempts(self, scope: str) -> int:
        """Attempts counted under `scope` in all windows and keys."""
        return sum(n for (s, _, _), n in self.tables.attempts.items() if s == scope)
