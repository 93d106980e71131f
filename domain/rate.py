"""Rate-limit budgets: points per credential (or per client address) per fixed window, shared
by every process through the attempt counters, without a database trip per request.

Each process keeps, per budget key, the shared count it last saw and the points it has charged
since but not yet written. Charges go to `PendingCounts`, which the server writes several times
a second; each write returns the shared total, so a key in use is refreshed with every write. A
key whose count is older than `refresh` (or never seen) is read once before it is charged.

How far N processes can overshoot together: a process sees the others' charges once they have
written them (every 0.2 s) and it has written or read since (at most `refresh`, and 0.2 s for a
key in use). So a budget can be exceeded by what the other processes admit for the same key in
that time (about 0.4 s of its traffic for a key in use), never more, and never by one process
alone: within a process a charge is checked and counted under one lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.limits import CountKey, Limit, PendingCounts, Written, client_key, seconds
from domain.ports import UnitOfWorkFactory

REFRESH = timedelta(seconds=1)


@dataclass(frozen=True)
class RatePolicy:
    """The budgets: one per credential (session or API token), one per anonymous client address."""

    signed_in: Limit = Limit("rate:credential", 5000, timedelta(hours=1))
    anonymous: Limit = Limit("rate:anonymous", 500, timedelta(hours=1))

    def budget(self, credential_key: str | None, ip: str | None) -> tuple[Limit, str]:
        """The limit and key a caller spends from: its credential's, else its address's (IPv6 by /64)."""
        if credential_key:
            return self.signed_in, credential_key
        return self.anonymous, f"ip:{client_key(ip) or 'unknown'}"


@dataclass(frozen=True)
class Verdict:
    """A request's answer: allowed or not, and the budget after it (what the headers report)."""

    allowed: bool
    requested: int
    limit: int
    remaining: int
    reset_seconds: int  # until the window ends and the budget is whole again


@dataclass
class _Entry:
    seen: int  # the shared count at the last read or write
    unsent: int  # points charged here and not yet written
    read_at: datetime


class Budgets:
    """Points charged per (limit, key), checked against the shared count. Thread-safe."""

    def __init__(self, pending: PendingCounts, refresh: timedelta = REFRESH) -> None:
        self._pending = pending
        self._refresh = refresh
        self._lock = threading.Lock()
        self._entries: dict[CountKey, _Entry] = {}

    def charge(self, limit: Limit, key: str, cost: int, now: datetime, *, fresh: bool = False) -> Verdict | None:
        """Spend `cost` points if that many are left; nothing when not. None when the shared count
        is unknown or stale here: `read` it, then charge again with `fresh`."""
        start = limit.window_start(now)
        ident, reset = (limit.scope, key, start), seconds(start + limit.window - now)
        with self._lock:
            entry = self._entries.get(ident)
            if entry is None or (not fresh and now - entry.read_at > self._refresh):
                return None
            left = limit.count - entry.seen - entry.unsent
            if cost > left:
                return Verdict(False, cost, limit.count, max(0, left), reset)
            if cost > 0:
                entry.unsent += cost
                self._pending.add(limit, key, now, cost)
            return Verdict(True, cost, limit.count, left - cost, reset)

    def read(self, uow_factory: UnitOfWorkFactory, limit: Limit, key: str, now: datetime) -> None:
        """Read the shared count of (limit, key) in its own short transaction."""
        ident = (limit.scope, key, limit.window_start(now))
        with uow_factory(write=False) as uow:
            count = uow.attempts.count(*ident)
        with self._lock:
            entry = self._entries.setdefault(ident, _Entry(0, 0, now))
            # Counts only grow within a window: a read that raced a write of ours keeps the larger.
            entry.seen, entry.read_at = max(entry.seen, count), now
        return None

    def written(self, written: Written, now: datetime) -> None:
        """Take in what a flush wrote (its totals are every process's counts), and forget keys
        that are neither fresh nor waiting to be written."""
        with self._lock:
            for ident, (by, total) in written.items():
                entry = self._entries.get(ident)
                if entry is not None:
                    entry.unsent = max(0, entry.unsent - by)
                    entry.seen, entry.read_at = max(entry.seen, total), now
            stale = [i for i, e in self._entries.items() if not e.unsent and now - e.read_at > self._refresh]
            for ident in stale:
                del self._entries[ident]
