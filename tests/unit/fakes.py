"""In-memory fakes of the domain ports (domain/ports.py) that more than one unit test module uses."""

from __future__ import annotations

import copy
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any, Self
from uuid import UUID, uuid4

from domain.entities import Account, AccountKind, CustomerInfo, User
from domain.security import normalize_password


class Appender:
    """An Outbox or AuditLog: `add` appends to the list it was given."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def add(self, item: Any) -> None:
        self.items.append(item)


class Attempts:
    """AttemptCounters over a dict keyed (scope, key, window_start); refund never goes below zero, as in SQL."""

    def __init__(self, counts: dict[tuple[str, str, datetime], int]) -> None:
        self.counts = counts

    def hit(self, scope: str, key: str, window_start: datetime) -> int:
        k = (scope, key, window_start)
        self.counts[k] = self.counts.get(k, 0) + 1
        return self.counts[k]

    def refund(self, scope: str, key: str, window_start: datetime) -> None:
        k = (scope, key, window_start)
        if self.counts.get(k, 0) > 0:
            self.counts[k] -= 1


class FakeHasher:
    """A PasswordHasher that stores "plain:" + the NFKC form, and never limits concurrency."""

    def slot(self) -> AbstractContextManager[None]:
        return nullcontext()

    def hash(self, password: str) -> str:
        return "plain:" + normalize_password(password)

    def verify(self, password: str, encoded: str) -> bool:
        return encoded == self.hash(password)

    def busy(self) -> bool:
        return False

    def needs_rehash(self, encoded: str) -> bool:
        return False

    def verify_dummy(self, password: str) -> None:
        return None


class CopyOnCommitUow:
    """Works on a copy of `db.store`; commit() publishes it, leaving without commit drops it.

    The store needs `users`, `attempts`, `outbox` and `audit`; this is `users` itself. Subclasses add
    their feature's repositories in `__enter__`, over `self.s`.
    """

    def __init__(self, db: Any) -> None:
        self.db = db

    def __enter__(self) -> Self:
        self.s = copy.deepcopy(self.db.store)
        self.users = self
        self.attempts = Attempts(self.s.attempts)
        self.outbox, self.audit = Appender(self.s.outbox), Appender(self.s.audit)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def commit(self) -> None:
        self.db.store = self.s

    def get(self, user_id: UUID) -> User | None:
        return self.s.users.get(user_id)

    def by_email(self, email: str) -> User | None:
        return next((u for u in self.s.users.values() if u.email.casefold() == email.casefold()), None)

    def get_with_account(self, user_id: UUID) -> tuple[User, Account]:
        account = Account(uuid4(), AccountKind.INDIVIDUAL, "SE", CustomerInfo("Alva"))
        return self.s.users[user_id], account
