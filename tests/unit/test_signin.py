"""Signing in with email and password (domain/services/signin.py): what a sign-in costs, what it
opens, and the limits per account and per IP address."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from domain.deps import AuthPolicy, Deps
from domain.entities import User
from domain.errors import Invalid, InvalidCredentials, Required, TooManyAttempts
from domain.limits import Limit, client_key, flush
from domain.security import BcryptHasher
from domain.services import signin
from domain.services.sessions import SignedIn
from domain.services.signin import MfaRequired

from .world import IP, PASSWORD, World

ACCOUNT, BY_IP = "signin:account", "signin:ip"


def login(world: World, email: str = "alva@example.com", password: str = PASSWORD, ip: str | None = IP) -> SignedIn:
    result = signin.login(world.deps, email=email, password=password, ip=ip, user_agent="pytest")
    assert isinstance(result, SignedIn)
    return result


def wrong_login(world: World, email: str = "alva@example.com", ip: str | None = IP) -> InvalidCredentials:
    with pytest.raises(InvalidCredentials) as raised:
        signin.login(world.deps, email=email, password="not-the-password", ip=ip, user_agent=None)
    return raised.value


@pytest.fixture
def alva(world: World) -> User:
    return world.user("alva@example.com")


# ---------------------------------------------------------------- success


def test_login_opens_a_session_whose_token_is_stored_only_as_a_digest(world: World, alva: User) -> None:
    signed_in = login(world)
    [session] = world.tables.sessions.values()
    assert signed_in.session == session and signed_in.user == alva
    assert signed_in.account == world.tables.accounts[alva.account_id]
    assert session.token_hash == world.deps.keyring.digest("session", signed_in.token) != signed_in.token
    assert (session.created_at, session.last_seen_at) == (world.now, world.now)
    assert session.absolute_expires_at == world.now + timedelta(hours=12)
    assert (session.ip_address, session.user_agent) == (IP, "pytest")
    assert world.audit_actions() == ["session.create"]


def test_login_finds_the_email_in_any_case_and_without_surrounding_spaces(world: World, alva: User) -> None:
    assert login(world, email="  ALVA@Example.com ").user.id == alva.id


def test_login_keeps_at_most_300_characters_of_the_user_agent(world: World, alva: User) -> None:
    result = signin.login(world.deps, email=alva.email, password=PASSWORD, ip=None, user_agent="x" * 1000)
    assert isinstance(result, SignedIn) and result.session.user_agent == "x" * 300


def test_login_with_mfa_on_answers_a_five_minute_challenge_and_no_session(world: World) -> None:
    user = world.user()
    world.tables.users[user.id].mfa_enabled_at = world.now
    result = signin.login(world.deps, email=user.email, password=PASSWORD, ip=IP, user_agent=None)
    assert isinstance(result, MfaRequired)
    [challenge] = world.tables.mfa_challenges.values()
    assert challenge.digest == world.deps.keyring.digest("mfa-challenge", result.challenge) != result.challenge
    assert (challenge.user_id, challenge.expires_at, challenge.attempts) == (
        user.id,
        world.now + timedelta(minutes=5),
        0,
    )
    assert world.tables.sessions == {} and world.audit_actions() == ["mfa.challenge"]
    assert world.attempts(ACCOUNT) == 0  # the right password was given back


def test_a_hash_made_at_another_cost_is_replaced_at_the_next_sign_in(world: World, alva: User) -> None:
    old = BcryptHasher(rounds=5)
    try:
        world.tables.users[alva.id].password_hash = old.hash(PASSWORD)
    finally:
        old.close()
    login(world)
    stored = world.tables.users[alva.id].password_hash
    assert not world.deps.hasher.needs_rehash(stored) and world.deps.hasher.verify(PASSWORD, stored)


# ---------------------------------------------------------------- failures


def test_wrong_password_and_unknown_email_fail_alike_and_each_spends_an_attempt(world: World, alva: User) -> None:
    wrong_password = wrong_login(world)
    unknown_email = wrong_login(world, email="nobody@example.com")
    assert (wrong_password.message, wrong_password.field) == (unknown_email.message, unknown_email.field)
    assert world.attempts(ACCOUNT) == 2 and world.attempts(BY_IP) == 2
    assert world.tables.sessions == {}
    # Only the known user's failure is logged, in their own security log; the unknown email leaves nothing.
    [event] = world.tables.audit
    assert (event.action, event.reason, event.user_id, event.account_id) == (
        "session.create_failed",
        "WRONG_PASSWORD",
        alva.id,
        alva.account_id,
    )
    assert event.actor_user_id is None and event.via is None


@pytest.mark.parametrize(
    ("email", "password", "error", "field"),
    [
        (" ", PASSWORD, Required, ("email",)),
        ("alva@example.com", "", Required, ("password",)),
        ("a" * 321, PASSWORD, InvalidCredentials, ()),
        ("alva@example.com", "p" * 257, Invalid, ("password",)),
    ],
    ids=["blank email", "no password", "email too long", "password too long"],
)
def test_login_input_problems_are_refused_before_any_attempt_is_spent(
    world: World, alva: User, email: str, password: str, error: type[Exception], field: tuple[str, ...]
) -> None:
    with pytest.raises(error) as raised:
        signin.login(world.deps, email=email, password=password, ip=IP, user_agent=None)
    assert getattr(raised.value, "field", None) == field
    assert world.tables.attempts == {}


# ---------------------------------------------------------------- limits


def test_the_eleventh_try_in_fifteen_minutes_is_refused_even_with_the_right_password(world: World, alva: User) -> None:
    for _ in range(10):
        wrong_login(world)
    world.later(minutes=14)
    with pytest.raises(TooManyAttempts) as raised:
        login(world)
    assert raised.value.retry_after == 60  # the window started at 09:00 and ends at 09:15
    world.later(minutes=1)
    assert login(world).user.id == alva.id


def test_the_account_limit_counts_an_email_however_it_is_typed(world: World, alva: User) -> None:
    for typed in ("alva@example.com", "ALVA@example.com", " Alva@Example.COM "):
        wrong_login(world, email=typed, ip=None)
    [(scope, _, _)] = world.tables.attempts
    assert scope == ACCOUNT and world.attempts(ACCOUNT) == 3


def test_the_account_key_is_a_keyed_digest_not_the_email(world: World, alva: User) -> None:
    wrong_login(world)
    keys = {key for (scope, key, _) in world.tables.attempts if scope == ACCOUNT}
    assert keys == {world.deps.keyring.digest("limit", "alva@example.com")}


def test_the_ip_limit_counts_every_email_tried_from_one_address(world: World, alva: User) -> None:
    world.deps = replace(world.deps, policy=AuthPolicy(ip_limit=Limit(BY_IP, 3, timedelta(minutes=15))))
    for n in range(3):
        wrong_login(world, email=f"guess{n}@example.com")
    with pytest.raises(TooManyAttempts):
        login(world)
    assert login(world, ip="198.51.100.7").user.id == alva.id  # another address is not held back
    assert login(world, ip=None).user.id == alva.id  # nor is a sign-in without a known address


def test_an_address_known_to_be_over_its_limit_is_turned_away_without_a_database_trip(world: World, alva: User) -> None:
    world.deps = replace(world.deps, policy=AuthPolicy(ip_limit=Limit(BY_IP, 3, timedelta(minutes=15))))
    signin.refuse_early(world.deps, IP, None, alva.email, PASSWORD)  # nothing known yet: on to login
    for n in range(3):
        wrong_login(world, email=f"guess{n}@example.com")
    with pytest.raises(TooManyAttempts):
        login(world)  # the database says the address is spent; the process remembers it
    counted = world.attempts(BY_IP)
    with pytest.raises(TooManyAttempts) as refused:
        signin.refuse_early(world.deps, IP, None, alva.email, PASSWORD)
    assert 0 < (refused.value.retry_after or 0) <= 15 * 60
    assert world.attempts(BY_IP) == counted  # no database trip: counted in the next batch instead
    assert len(flush(world.deps.uow, world.deps.pending_counts)) == 1 and world.attempts(BY_IP) == counted + 1
    signin.refuse_early(world.deps, "198.51.100.7", None, alva.email, PASSWORD)  # another address goes on
    world.clock.advance(timedelta(minutes=15))
    signin.refuse_early(world.deps, IP, None, alva.email, PASSWORD)  # a new window: on to login, which decides


def test_a_successful_login_gives_its_attempt_back(world: World, alva: User) -> None:
    for _ in range(3):
        wrong_login(world)
    login(world)
    assert world.attempts(ACCOUNT) == 3 and world.attempts(BY_IP) == 3


def test_successful_logins_never_use_up_the_limit(world: World, alva: User) -> None:
    for _ in range(25):
        login(world)
    assert world.attempts(ACCOUNT) == 0 and len(world.tables.sessions) == 25


# ---------------------------------------------------------------- busy hasher


@pytest.fixture
def busy(world: World) -> Iterator[Deps]:
    """Every hashing slot held by another thread for the length of the test."""
    assert isinstance(world.deps.hasher, BcryptHasher)
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        with world.deps.hasher.slot():
            taken.set()
            done.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait(10)
    yield world.deps
    done.set()
    holder.join()


def test_a_refusal_while_the_hasher_is_busy_counts_against_the_client(world: World, alva: User, busy: Deps) -> None:
    with pytest.raises(TooManyAttempts) as refused:
        signin.login(busy, email=alva.email, password=PASSWORD, ip=IP, user_agent=None)
    assert refused.value.retry_after == 1
    assert world.attempts(BY_IP) == 1  # a flood of refusals runs into the per-client limit
    assert world.attempts(ACCOUNT) == 0  # but no password was checked: the account's attempt is given back


def test_a_known_device_goes_first_while_the_hasher_is_busy(world: World, alva: User) -> None:
    device = login(world).device_token
    assert isinstance(world.deps.hasher, BcryptHasher)
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:  # a flood's hash in progress, done in 0.3 s
        with world.deps.hasher.slot("10.9.9.9"):
            taken.set()
            done.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait(10)
    threading.Timer(0.3, done.set).start()
    try:
        result = signin.login(
            world.deps, email=alva.email, password=PASSWORD, ip=IP, user_agent=None, device_token=device
        )
        assert isinstance(result, SignedIn) and result.device_token is None  # known already: no new token
    finally:
        done.set()
        holder.join()


def test_a_saturated_hasher_turns_sign_ins_away_cheaply_and_counts_them_in_the_next_batch(
    world: World, alva: User, busy: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(type(busy.hasher), "saturated", lambda self: True)
    for _ in range(3):
        with pytest.raises(TooManyAttempts) as refused:
            signin.refuse_early(busy, IP, None, alva.email, PASSWORD)
        assert refused.value.retry_after == 1
    assert world.attempts(BY_IP) == 0  # nothing written yet: the refusal cost no database trip

    def broken(**_: object) -> None:
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        flush(broken, busy.pending_counts)  # type: ignore[arg-type]  # a factory that fails, as a dead database would
    assert busy.pending_counts  # kept for the next round
    assert [(scope, written) for (scope, _, _), written in flush(busy.uow, busy.pending_counts).items()] == [
        (BY_IP, (3, 3))
    ]
    assert world.attempts(BY_IP) == 3 and not busy.pending_counts


def test_input_login_refuses_anyway_goes_on_without_asking_the_hasher(
    world: World, alva: User, busy: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Asking would promise it a queue place it never takes (BcryptHasher.saturated): a trickle of
    # malformed sign-ins could then keep every place promised and turn real ones away uncounted.
    asked: list[bool] = []
    monkeypatch.setattr(type(busy.hasher), "saturated", lambda self: asked.append(True) or True)
    for email, password in (("", PASSWORD), (alva.email, ""), ("x" * 400, PASSWORD), (alva.email, "p" * 5000)):
        signin.refuse_early(busy, IP, None, email, password)  # login answers it in its own words
    assert asked == []
    with pytest.raises(TooManyAttempts):
        signin.refuse_early(busy, IP, None, alva.email, PASSWORD)
    assert asked == [True]


def test_a_request_with_a_device_token_for_its_email_goes_on_to_login_even_when_saturated(
    world: World, alva: User
) -> None:
    device = login(world).device_token
    world.deps.hasher.saturated = lambda: True  # type: ignore[method-assign]  # this test's hasher only
    try:
        signin.refuse_early(world.deps, IP, device, alva.email, PASSWORD)  # no refusal: login decides whose it is
        with pytest.raises(TooManyAttempts):  # the token of one account buys nothing for another email
            signin.refuse_early(world.deps, IP, device, "someone.else@example.com", PASSWORD)
    finally:
        del world.deps.hasher.saturated  # type: ignore[attr-defined]  # back to the class's method


# ---------------------------------------------------------------- known devices


def test_the_first_sign_in_makes_the_client_a_known_device(world: World, alva: User) -> None:
    first = login(world)
    assert first.device_token and alva.id.hex not in first.device_token and str(alva.id) not in first.device_token
    again = signin.login(
        world.deps, email=alva.email, password=PASSWORD, ip=IP, user_agent=None, device_token=first.device_token
    )
    assert isinstance(again, SignedIn) and again.device_token is None


def test_a_known_device_signs_its_owner_in_while_others_locked_the_account(world: World, alva: User) -> None:
    device = login(world).device_token
    for n in range(10):
        wrong_login(world, ip=f"203.0.113.{n}")
    with pytest.raises(TooManyAttempts):
        login(world)  # an unknown device: the account is locked
    known = signin.login(world.deps, email=alva.email, password=PASSWORD, ip=IP, user_agent=None, device_token=device)
    assert isinstance(known, SignedIn)


def test_a_known_device_has_its_own_limit_of_ten_failures(world: World, alva: User) -> None:
    device = login(world).device_token
    for _ in range(10):
        with pytest.raises(InvalidCredentials):
            signin.login(
                world.deps, email=alva.email, password="wrong-password", ip=IP, user_agent=None, device_token=device
            )
    with pytest.raises(TooManyAttempts):
        signin.login(world.deps, email=alva.email, password=PASSWORD, ip=IP, user_agent=None, device_token=device)
    assert world.attempts(ACCOUNT) == 0  # the device's failures never lock the account for others


def test_another_users_or_a_forged_device_token_counts_as_unknown(world: World, alva: User) -> None:
    other = world.user("bo@example.com")
    others_device = login(world, email=other.email).device_token
    for token in (others_device, "forged", "x" * 5000, None):
        result = signin.login(
            world.deps, email=alva.email, password=PASSWORD, ip=IP, user_agent=None, device_token=token
        )
        assert isinstance(result, SignedIn) and result.device_token  # a new device token each time


@pytest.mark.parametrize(
    ("ip", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("not-an-ip", "not-an-ip"),
    ],
)
def test_clients_are_counted_by_ipv4_address_or_ipv6_64(ip: str, key: str) -> None:
    assert client_key(ip) == key


# ---------------------------------------------------------------- re-authentication


def test_check_password_counts_like_a_sign_in_and_gives_a_right_one_back(world: World, alva: User) -> None:
    with pytest.raises(InvalidCredentials) as raised:
        signin.check_password(world.deps, alva, "not-the-password", IP)
    assert raised.value.field == ("current_password",)
    signin.check_password(world.deps, alva, PASSWORD, IP)
    assert world.attempts(ACCOUNT) == 1 and world.attempts(BY_IP) == 1


def test_check_password_shares_the_sign_in_limit(world: World, alva: User) -> None:
    for _ in range(10):
        wrong_login(world)
    with pytest.raises(TooManyAttempts):
        signin.check_password(world.deps, alva, PASSWORD, None)
