"""Attempt limits: at most N tries per key in a fixed window, counted in the database.

Counting happens before the secret is checked, atomically in the database, so N concurrent
requests (aliased fields, batches, several server processes) spend N attempts, never fewer.
Sign-in, re-authentication, contact codes, email-change and MFA codes all count here.
"""

from __future__ import annotations

import ipaddress
import math
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from domain.errors import TooManyAttempts
from domain.ports import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class Limit:
    """At most `count` attempts per key within a fixed window of `window` length."""

    scope: str
    count: int
    window: timedelta

    def window_start(self, now: datetime) -> datetime:
        seconds = int(self.window.total_seconds())
        return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=now.tzinfo)

    def retry_after(self, now: datetime) -> timedelta:
        """How long until this window ends and a new one starts counting from zero."""
        return self.window_start(now) + self.window - now


Keys = list[tuple[Limit, str]]
CountKey = tuple[str, str, datetime]  # (scope, key, window start)


@lru_cache(maxsize=4096)  # the same few clients ask again and again
def client_key(ip: str | None) -> str | None:
    """What limits count per client: an IPv4 address, or an IPv6 address's /64 (one subscriber
    usually holds a whole /64, so counting single addresses would give them 2**64 tries)."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6 and address.ipv4_mapped is None:
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address.ipv4_mapped or address) if address.version == 6 else str(address)


def spend(uow_factory: UnitOfWorkFactory, now: datetime, keys: Keys, pending: PendingCounts | None = None) -> None:
    """Count one attempt against every (limit, key) in its own committed transaction.

    Raises TooManyAttempts, with the wait, when any of them is over its limit; with `pending`, notes
    the spent keys there too, so the next attempts can be turned away without a database trip.
    """
    with uow_factory() as uow:
        counts = [(limit, key, uow.attempts.hit(limit.scope, key, limit.window_start(now))) for limit, key in keys]
        uow.commit()
    over = [(limit, key) for limit, key, count in counts if count > limit.count]
    if not over:
        return
    if pending is not None:
        for limit, key in over:
            pending.spent(limit, key, limit.window_start(now) + limit.window)
    raise too_many(max(limit.retry_after(now) for limit, _ in over))


class PendingCounts:
    """Attempts counted in memory and written to the database in batches (`flush`, which the
    server runs several times a second): for refusals that must cost next to nothing, such as a
    sign-in turned away while the password hasher is saturated. Thread-safe."""

    # How many spent keys are remembered at most (a flood from many addresses cannot grow it without bound).
    MAX_SPENT = 20_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[CountKey] = Counter()
        # (scope, key) -> end of the window in which the database said the key is over its limit: a
        # cache of a shared fact (each process learns it from the database), never the fact itself.
        self._spent: dict[tuple[str, str], datetime] = {}

    def spent(self, limit: Limit, key: str, until: datetime) -> None:
        """Remember that `key` is over `limit` until `until`."""
        with self._lock:
            if len(self._spent) >= self.MAX_SPENT:
                self._spent.clear()
            self._spent[(limit.scope, key)] = until

    def spent_until(self, limit: Limit, key: str, now: datetime) -> datetime | None:
        """When `key`'s known-spent window for `limit` ends, or None when it is not known to be spent."""
        until = self._spent.get((limit.scope, key))
        if until is None or until <= now:
            return None
        return until

    def add(self, limit: Limit, key: str, now: datetime, by: int = 1) -> None:
        with self._lock:
            self._counts[(limit.scope, key, limit.window_start(now))] += by

    def __bool__(self) -> bool:
        return bool(self._counts)  # a hint; take() decides

    def take(self) -> Counter[CountKey]:
        with self._lock:
            taken, self._counts = self._counts, Counter()
        return taken

    def give_back(self, counts: Counter[CountKey]) -> None:
        """Counts a flush could not write, kept for the next one."""
        with self._lock:
            self._counts.update(counts)


# What a flush wrote: per counter, (how many it added, the counter's total afterwards).
Written = dict[CountKey, tuple[int, int]]


def flush(uow_factory: UnitOfWorkFactory, pending: PendingCounts) -> Written:
    """Write the counts gathered since the last flush in one transaction; per key written, what
    was added and the shared total it reached (every process's counts included)."""
    counts = pending.take()
    if not counts:
        return {}
    written: Written = {}
    try:
        with uow_factory() as uow:
            # In one order everywhere, so two processes flushing at once cannot deadlock on PostgreSQL;
            # in one statement, so a flood's many keys cost one round trip (and little of the GIL).
            ordered = sorted(counts.items())
            totals = uow.attempts.hit_many([(scope, key, start, by) for (scope, key, start), by in ordered])
            uow.commit()
            for counter, by in ordered:
                written[counter] = (by, totals[counter])
    except Exception:
        pending.give_back(counts)  # a database that is down for a moment loses no count
        raise
    return written


def refund(uow: UnitOfWork, now: datetime, keys: Keys) -> None:
    """Give back attempts that turned out to succeed; call inside the success transaction."""
    for limit, key in keys:
        uow.attempts.refund(limit.scope, key, limit.window_start(now))


def hit(uow: UnitOfWork, now: datetime, limit: Limit, key: str, message: str) -> None:
    """Count one use inside the caller's transaction (mails sent, changes started); raise past the limit."""
    if uow.attempts.hit(limit.scope, key, limit.window_start(now)) > limit.count:
        raise TooManyAttempts(message, retry_after=seconds(limit.retry_after(now)))


def too_many(wait: timedelta) -> TooManyAttempts:
    minutes = max(1, round(wait.total_seconds() / 60))
    return TooManyAttempts(
        f"Too many failed attempts; try again in about {minutes} minute(s).", retry_after=seconds(wait)
    )


def seconds(wait: timedelta) -> int:
    """A wait in whole seconds, rounded up, at least 1."""
    return max(1, math.ceil(wait.total_seconds()))
