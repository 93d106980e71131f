"""What every service needs from outside, built once by the server (`server/app.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from domain.limits import Limit, PendingCounts
from domain.passkeys import RelyingParty
from domain.ports import Clock, Keyring, LoopReads, PasswordHasher, UnitOfWorkFactory


@dataclass(frozen=True)
class AuthPolicy:
    """Session lifetimes and the sign-in limits; the server fills them from its settings."""

    absolute_ttl: timedelta = timedelta(hours=12)
    idle_ttl: timedelta = timedelta(hours=1)
    touch_interval: timedelta = timedelta(minutes=1)
    account_limit: Limit = Limit("signin:account", 10, timedelta(minutes=15))
    ip_limit: Limit = Limit("signin:ip", 100, timedelta(minutes=15))


@dataclass(frozen=True)
class Deps:
    """The ports and policy every domain service takes as its first argument."""

    uow: UnitOfWorkFactory
    hasher: PasswordHasher
    keyring: Keyring
    clock: Clock
    policy: AuthPolicy = field(default_factory=AuthPolicy)
    mfa_issuer: str = "Tenantry"
    relying_party: RelyingParty = field(default_factory=RelyingParty)
    # Where the panel is: links in mails point here (server setting TENANTRY_PUBLIC_URL).
    public_url: str = "http://127.0.0.1:8000"
    # Reads quick enough to run on the server's event loop, with no thread hop: SQLite's file, through
    # one connection of its own. None where a read is a network round trip (PostgreSQL).
    loop_uow: UnitOfWorkFactory | None = None
    # The same reads on the event loop where each statement is a network round trip (PostgreSQL):
    # awaited through the asynchronous driver, so they take no thread hop either.
    loop_reads: LoopReads | None = None
    # Attempts counted in memory first; the server writes them to the database several times a second.
    pending_counts: PendingCounts = field(default_factory=PendingCounts)
