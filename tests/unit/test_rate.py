"""Rate-limit budgets (domain/rate.py): charged in memory, shared through the attempt counters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.limits import Limit, PendingCounts, flush
from domain.rate import Budgets, RatePolicy, Verdict

from .world import World

LIMIT = Limit("rate:credential", 100, timedelta(hours=1))
NOW = datetime(2026, 3, 1, 12, 15, tzinfo=UTC)  # 45 minutes before the window ends
KEY = "session:abc"


def ready(world: World, budgets: Budgets, now: datetime = NOW) -> None:
    budgets.read(world.deps.uow, LIMIT, KEY, now)


def test_an_unknown_budget_is_read_once_then_charged_in_memory(world: World) -> None:
    budgets = Budgets(world.deps.pending_counts)
    assert budgets.charge(LIMIT, KEY, 10, NOW) is None  # never read here: read it first
    ready(world, budgets)
    assert budgets.charge(LIMIT, KEY, 10, NOW) == Verdict(True, 10, 100, 90, 45 * 60)
    assert budgets.charge(LIMIT, KEY, 30, NOW + timedelta(milliseconds=500)) == Verdict(True, 30, 100, 60, 45 * 60)
    assert world.tables.attempts == {}  # nothing written yet
    assert budgets.charge(LIMIT, KEY, 1, NOW + timedelta(seconds=2)) is None  # stale: read again


def test_over_budget_nothing_is_charged_and_the_reset_is_the_window_end(world: World) -> None:
    budgets = Budgets(world.deps.pending_counts)
    ready(world, budgets)
    assert budgets.charge(LIMIT, KEY, 95, NOW) is not None
    assert budgets.charge(LIMIT, KEY, 6, NOW) == Verdict(False, 6, 100, 5, 45 * 60)
    assert budgets.charge(LIMIT, KEY, 5, NOW) == Verdict(True, 5, 100, 0, 45 * 60)
    assert budgets.charge(LIMIT, KEY, 0, NOW) == Verdict(True, 0, 100, 0, 45 * 60)
    flush(world.deps.uow, world.deps.pending_counts)
    assert sum(world.tables.attempts.values()) == 100


def test_a_new_window_starts_from_zero(world: World) -> None:
    budgets = Budgets(world.deps.pending_counts)
    ready(world, budgets)
    budgets.charge(LIMIT, KEY, 100, NOW)
    later = NOW + timedelta(minutes=46)
    ready(world, budgets, later)
    assert budgets.charge(LIMIT, KEY, 1, later) == Verdict(True, 1, 100, 99, 59 * 60)


def test_charges_are_written_weighted_and_the_written_totals_refresh_the_budget(world: World) -> None:
    budgets = Budgets(world.deps.pending_counts)
    ready(world, budgets)
    budgets.charge(LIMIT, KEY, 40, NOW)
    written = flush(world.deps.uow, world.deps.pending_counts)
    assert list(written.values()) == [(40, 40)]
    budgets.written(written, NOW + timedelta(seconds=0.9))
    # Fresh again for a second from the write, and still counting the 40.
    assert budgets.charge(LIMIT, KEY, 10, NOW + timedelta(seconds=1.8)) == Verdict(True, 10, 100, 50, 45 * 60 - 1)


def test_processes_share_a_budget_through_the_database(world: World) -> None:
    one = Budgets(world.deps.pending_counts)
    other_pending = PendingCounts()
    other = Budgets(other_pending)
    ready(world, one)
    ready(world, other)
    one.charge(LIMIT, KEY, 60, NOW)
    assert other.charge(LIMIT, KEY, 60, NOW) is not None  # each alone within budget: the bounded overshoot
    one.written(flush(world.deps.uow, world.deps.pending_counts), NOW)
    other.written(flush(world.deps.uow, other_pending), NOW)
    # A write returns the shared total: the later writer sees 120 spent at once, the other at its
    # next write or read (within a second).
    assert other.charge(LIMIT, KEY, 1, NOW) == Verdict(False, 1, 100, 0, 45 * 60)
    assert one.charge(LIMIT, KEY, 1, NOW + timedelta(seconds=2)) is None
    ready(world, one, NOW + timedelta(seconds=2))
    assert one.charge(LIMIT, KEY, 1, NOW + timedelta(seconds=2)) == Verdict(False, 1, 100, 0, 45 * 60 - 2)


def test_a_third_process_reads_what_the_others_wrote(world: World) -> None:
    one = Budgets(world.deps.pending_counts)
    ready(world, one)
    one.charge(LIMIT, KEY, 70, NOW)
    flush(world.deps.uow, world.deps.pending_counts)
    newcomer = Budgets(PendingCounts())
    ready(world, newcomer)
    assert newcomer.charge(LIMIT, KEY, 31, NOW) == Verdict(False, 31, 100, 30, 45 * 60)


def test_charges_made_while_a_write_is_under_way_are_kept(world: World) -> None:
    budgets = Budgets(world.deps.pending_counts)
    ready(world, budgets)
    budgets.charge(LIMIT, KEY, 10, NOW)
    taken = world.deps.pending_counts.take()
    budgets.charge(LIMIT, KEY, 5, NOW)  # after the flush took its batch
    world.deps.pending_counts.give_back(taken)
    written = flush(world.deps.uow, world.deps.pending_counts)
    budgets.written({k: (10, 10) for k in written}, NOW)  # as if the batch had held the first 10 only
    assert budgets.charge(LIMIT, KEY, 0, NOW) == Verdict(True, 0, 100, 85, 45 * 60)


def test_idle_budgets_are_forgotten_after_a_write(world: World) -> None:
    budgets = Budgets(world.deps.pending_counts)
    ready(world, budgets)
    budgets.written({}, NOW + timedelta(seconds=5))
    assert budgets.charge(LIMIT, KEY, 1, NOW + timedelta(seconds=5)) is None


def test_signed_in_callers_spend_their_credential_and_anonymous_ones_their_address() -> None:
    policy = RatePolicy()
    assert policy.budget("session:1", "192.0.2.1") == (policy.signed_in, "session:1")
    assert policy.budget(None, "192.0.2.1") == (policy.anonymous, "ip:192.0.2.1")
    # An IPv6 subscriber holds a whole /64: one budget for all of it.
    assert policy.budget(None, "2001:db8:1:2::1")[1] == policy.budget(None, "2001:db8:1:2:ffff::9")[1]
    assert policy.budget(None, "2001:db8:1:2::1")[1] == "ip:2001:db8:1:2::/64"
    assert policy.budget(None, None)[1] == "ip:unknown"
