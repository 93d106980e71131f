"""Password hashing, keyed digests, encryption at rest, and attempt windows."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import Invalid, TooManyAttempts
from domain.limits import Limit
from domain.security import BcryptHasher, Keyring, new_numeric_code, new_token, normalize_password


@pytest.fixture(scope="module")
def hasher() -> BcryptHasher:
    return BcryptHasher(rounds=4, concurrency=2)


def test_every_character_counts_past_bcrypts_72_bytes(hasher: BcryptHasher) -> None:
    base = "x" * 200
    encoded = hasher.hash(base + "A")
    assert hasher.verify(base + "A", encoded)
    assert not hasher.verify(base + "B", encoded)
    assert not hasher.verify(base, encoded)


def test_unicode_passwords_match_in_any_normal_form(hasher: BcryptHasher) -> None:
    composed, decomposed = "caf\u00e9 🔑 ångström", "cafe\u0301 🔑 a\u030angstro\u0308m"
    assert hasher.verify(decomposed, hasher.hash(composed))


def test_overlong_passwords_are_invalid_never_an_exception_from_bcrypt(hasher: BcryptHasher) -> None:
    with pytest.raises(Invalid):
        normalize_password("p" * 257)
    encoded = hasher.hash("p" * 256)
    assert hasher.verify("p" * 256, encoded)
    assert not hasher.verify("p" * 10_000, encoded)
    assert not hasher.verify("anything", "not-a-hash")


def test_hashes_are_salted_and_carry_the_cost(hasher: BcryptHasher) -> None:
    one, two = hasher.hash("same password"), hasher.hash("same password")
    assert one != two and one.startswith("bcrypt-sha256$$2b$04$")
    assert not hasher.needs_rehash(one) and BcryptHasher(rounds=5).needs_rehash(one)


def _holding(
    hasher: BcryptHasher, client: str | None = None, *, known: bool = False
) -> tuple[threading.Event, threading.Thread]:
    """A thread holding one hashing slot until the returned event is set."""
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with hasher.slot(client, known=known):
            entered.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    entered.wait(5)
    return release, holder


def test_a_busy_hasher_refuses_an_unknown_device_after_a_short_wait() -> None:
    hasher = BcryptHasher(rounds=4, concurrency=1, wait=0.05)
    release, holder = _holding(hasher, "10.0.0.1")
    started = time.monotonic()
    with pytest.raises(TooManyAttempts) as refused, hasher.slot("10.0.0.2"):
        pass
    assert 0.04 <= time.monotonic() - started < 1 and refused.value.retry_after == 1
    release.set()
    holder.join()
    with hasher.slot("10.0.0.2"):
        assert not hasher.verify("password", hasher._dummy)


def _taking(hasher: BcryptHasher, client: str, known: bool, order: list[str]) -> threading.Thread:
    """A thread that queues for a slot and notes when it got one."""

    def take() -> None:
        with hasher.slot(client, known=known):
            order.append(client)
            time.sleep(0.05)

    thread = threading.Thread(target=take)
    thread.start()
    time.sleep(0.1)  # queued before whoever comes next
    return thread


def test_a_known_device_goes_first_while_a_flood_holds_the_slots() -> None:
    hasher = BcryptHasher(rounds=4, concurrency=1, wait=5, known_wait=5)
    release, holder = _holding(hasher, "10.0.0.1")  # a flood's hash in progress
    order: list[str] = []
    queued = [_taking(hasher, "10.0.0.2", False, order), _taking(hasher, "device:owner", True, order)]
    assert order == []
    release.set()
    for thread in [holder, *queued]:
        thread.join(5)
    assert order == ["device:owner", "10.0.0.2"]  # queued last, served first


def test_turns_alternate_so_known_devices_cannot_shut_everyone_else_out() -> None:
    hasher = BcryptHasher(rounds=4, concurrency=1, wait=5, known_wait=5)
    release, holder = _holding(hasher, "device:a", known=True)  # the last slot went to a known device
    order: list[str] = []
    queued = [_taking(hasher, "device:b", True, order), _taking(hasher, "10.0.0.2", False, order)]
    release.set()
    for thread in [holder, *queued]:
        thread.join(5)
    assert order == ["10.0.0.2", "device:b"]


def test_a_known_device_has_one_hash_in_flight_and_its_queue_is_short() -> None:
    hasher = BcryptHasher(rounds=4, concurrency=2, pressed=2, wait=0.05, known_wait=0.1)
    release, holder = _holding(hasher, "device:a", known=True)
    with pytest.raises(TooManyAttempts), hasher.slot("device:a", known=True):  # its own second one
        pass
    with hasher.slot("device:b", known=True):  # another device is not held up
        pass
    release.set()
    holder.join()
    one = BcryptHasher(rounds=4, concurrency=1, known_wait=5)
    release, holder = _holding(one, "10.0.0.1")
    order: list[str] = []
    queued = _taking(one, "device:b", True, order)  # the one queue place for known devices
    started = time.monotonic()
    with pytest.raises(TooManyAttempts), one.slot("device:c", known=True):
        pass
    assert time.monotonic() - started < 1  # refused at once
    release.set()
    holder.join()
    queued.join(5)


def test_a_free_slot_is_taken_at_once_when_a_known_device_leaves_the_queue() -> None:
    hasher = BcryptHasher(rounds=4, concurrency=2, pressed=2, wait=3, known_wait=3)
    (release, first), (also, second) = _holding(hasher, "10.0.0.1"), _holding(hasher, "10.0.0.3")
    order: list[str] = []
    queued = [_taking(hasher, "device:owner", True, order), _taking(hasher, "10.0.0.2", False, order)]
    freed = time.monotonic()
    release.set()
    also.set()
    for thread in [first, second, *queued]:
        thread.join(5)
    assert sorted(order) == ["10.0.0.2", "device:owner"] and time.monotonic() - freed < 1


def test_under_pressure_hashing_leaves_a_core_to_request_handling() -> None:
    hasher = BcryptHasher(rounds=4, concurrency=2, pressed=1, wait=0.05)
    release, holder = _holding(hasher, "10.0.0.1")
    with hasher.slot("10.0.0.2"):  # calm: every slot may be used
        pass
    hasher._pressed_at = time.monotonic()  # a flood had to queue a moment ago
    with pytest.raises(TooManyAttempts), hasher.slot("10.0.0.2"):
        pass
    assert hasher.saturated() is False  # the one queue place is free...
    release.set()
    holder.join()
    with hasher.slot("10.0.0.2"):  # ...and the one slot frees
        pass
    cores = os.cpu_count() or 1
    assert BcryptHasher(rounds=4, concurrency=cores)._pressed_slots == max(1, cores - 1)
    assert BcryptHasher(rounds=4, concurrency=1)._pressed_slots == 1


def test_one_client_has_at_most_one_hash_in_flight() -> None:
    hasher = BcryptHasher(rounds=4, concurrency=4, pressed=4, wait=0.05)
    release, holder = _holding(hasher, "10.0.0.1")
    with pytest.raises(TooManyAttempts), hasher.slot("10.0.0.1"):
        pass
    with hasher.slot("10.0.0.9"):  # others are not held up
        pass
    with hasher.slot("device:owner", known=True):  # nor is a known device behind the same address
        pass
    release.set()
    holder.join()


def test_a_slot_that_frees_up_within_the_wait_is_taken_instead_of_refusing() -> None:
    hasher = BcryptHasher(rounds=4, concurrency=1, wait=2)
    release, holder = _holding(hasher, "10.0.0.1")
    threading.Timer(0.1, release.set).start()
    started = time.monotonic()
    with hasher.slot("10.0.0.2"):
        assert 0.05 < time.monotonic() - started < 1.5
    holder.join()


def test_keyring_digests_are_keyed_and_purpose_bound() -> None:
    one, other = Keyring("a" * 32), Keyring("b" * 32)
    assert one.digest("session", "t") == one.digest("session", "t")
    assert one.digest("session", "t") != other.digest("session", "t")
    assert one.digest("session", "t") != one.digest("code", "t")


def test_keyring_encryption_round_trips_and_detects_tampering() -> None:
    ring = Keyring("a" * 32)
    sealed = ring.encrypt("totp", b"secret")
    assert ring.decrypt("totp", sealed) == b"secret" and b"secret" not in sealed.encode()
    with pytest.raises(Exception):  # noqa: B017 (cryptography's InvalidTag)
        ring.decrypt("other-purpose", sealed)
    with pytest.raises(ValueError):
        Keyring("short")


def test_random_tokens_and_codes() -> None:
    assert len(new_token()) == 43 and new_token() != new_token()
    codes = {new_numeric_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 190


def test_limit_windows_are_fixed_and_aligned() -> None:
    limit = Limit("x", 10, timedelta(minutes=15))
    at = datetime(2026, 1, 1, 10, 7, 30, tzinfo=UTC)
    assert limit.window_start(at) == datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    assert limit.window_start(at + timedelta(minutes=8)) == datetime(2026, 1, 1, 10, 15, tzinfo=UTC)


def test_the_queue_for_a_slot_is_short_and_extra_requests_are_refused_at_once() -> None:
    hasher = BcryptHasher(rounds=4, concurrency=1, wait=5)
    release, holder = _holding(hasher, "10.0.0.1")
    queued = threading.Thread(target=lambda: hasher.slot("10.0.0.2").__enter__())
    queued.start()
    time.sleep(0.1)  # the one queue place is taken
    started = time.monotonic()
    with pytest.raises(TooManyAttempts), hasher.slot("10.0.0.3"):
        pass
    assert time.monotonic() - started < 1  # refused at once, not after the 5 s wait
    release.set()
    holder.join()
    queued.join()


def test_a_saturated_hasher_says_so_before_anyone_queues() -> None:
    hasher = BcryptHasher(rounds=4, concurrency=1, wait=5)
    assert not hasher.saturated()
    release, holder = _holding(hasher, "10.0.0.1")
    assert not hasher.saturated()  # the queue has room
    queued = threading.Thread(target=lambda: hasher.slot("10.0.0.2").__enter__())
    queued.start()
    time.sleep(0.1)
    assert hasher.saturated()
    release.set()
    holder.join()
    queued.join()


def test_a_queue_place_is_promised_to_the_request_let_through_until_it_arrives() -> None:
    # Between saturated() and slot() a request reads the account and counts the attempt: meanwhile
    # a flood's next requests must be turned away on the event loop, not let through to be refused
    # at the queue after that work.
    hasher = BcryptHasher(rounds=4, concurrency=1, wait=5)
    hasher.ON_ITS_WAY = 30  # so that only the arrival, not the time, can settle the promise
    release, holder = _holding(hasher, "10.0.0.1")
    assert not hasher.saturated()  # the one queue place is free: this request goes on...
    assert hasher.saturated()  # ...and the next is turned away while it is on its way
    queued = threading.Thread(target=lambda: hasher.slot("10.0.0.2").__enter__())
    queued.start()  # it arrives and queues
    time.sleep(0.1)
    assert hasher.saturated() and not hasher._coming  # the promise is settled: the place is taken
    release.set()
    holder.join()
    queued.join()


def test_a_promised_queue_place_is_given_up_when_its_request_never_comes() -> None:
    hasher = BcryptHasher(rounds=4, concurrency=1, wait=5)
    release, holder = _holding(hasher, "10.0.0.1")
    assert not hasher.saturated()
    assert hasher.saturated()
    time.sleep(hasher.ON_ITS_WAY + 0.02)  # the request was turned away before it reached the queue
    assert not hasher.saturated()
    release.set()
    holder.join()


def _policy_of_the_thread_that_hashes(hasher: BcryptHasher, client: str, *, known: bool = False) -> int:
    with hasher.slot(client, known=known):
        return hasher._pools[hasher._held.lane].submit(os.sched_getscheduler, 0).result()


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="Linux scheduling policies")
def test_sign_ins_hash_at_normal_priority_until_a_flood_queues_then_at_the_lowest() -> None:
    hasher = BcryptHasher(rounds=4, concurrency=1, wait=0.05)
    # Alone, a sign-in is not starved by other work on the host, nor is a known device's.
    assert _policy_of_the_thread_that_hashes(hasher, "10.0.0.1") == os.SCHED_OTHER
    assert _policy_of_the_thread_that_hashes(hasher, "device:owner", known=True) == os.SCHED_OTHER
    release, holder = _holding(hasher, "10.0.0.2")  # the one slot is busy...
    with pytest.raises(TooManyAttempts), hasher.slot("10.0.0.3"):  # ...so the next is refused
        pass
    release.set()
    holder.join()
    # Under pressure an unknown device's hash takes only CPU nothing else wants; a known device's
    # is not starved by a busy host...
    assert _policy_of_the_thread_that_hashes(hasher, "10.0.0.5") == os.SCHED_IDLE
    assert _policy_of_the_thread_that_hashes(hasher, "device:owner", known=True) == os.SCHED_OTHER
    hasher._pressed_at -= hasher.PRESSURE_SECONDS  # ...until the pressure has been gone a while
    assert _policy_of_the_thread_that_hashes(hasher, "10.0.0.6") == os.SCHED_OTHER
    hasher.close()
