"""Sessions (domain/services/sessions.py): the live session behind a token, idle and absolute
expiry, last-seen writes at most once a minute, and ending sessions."""

from __future__ import annotations

import uuid

import pytest

from domain.entities import Actor, User
from domain.errors import NotFound
from domain.services import sessions, signin
from domain.services.sessions import SignedIn

from .world import IP, PASSWORD, World


@pytest.fixture
def alva(world: World) -> User:
    return world.user("alva@example.com")


def sign_in(world: World, user: User) -> SignedIn:
    result = signin.login(world.deps, email=user.email, password=PASSWORD, ip=IP, user_agent="pytest")
    assert isinstance(result, SignedIn)
    return result


def actor_of(signed_in: SignedIn) -> Actor:
    return Actor(signed_in.user.id, signed_in.user.account_id, signed_in.user.role, signed_in.session.id, IP)


# ---------------------------------------------------------------- authenticate


def test_authenticate_finds_the_session_its_user_and_account(world: World, alva: User) -> None:
    signed_in = sign_in(world, alva)
    found = sessions.authenticate(world.deps, signed_in.token)
    assert found is not None
    assert (found.session, found.user, found.account) == (signed_in.session, signed_in.user, signed_in.account)
    assert found.actor("198.51.100.7") == Actor(
        alva.id, alva.account_id, alva.role, signed_in.session.id, "198.51.100.7"
    )


@pytest.mark.parametrize("token", ["", "x" * 201, "made-up-token"], ids=["empty", "overlong", "unknown"])
def test_authenticate_answers_none_for_a_token_that_opens_nothing(world: World, alva: User, token: str) -> None:
    sign_in(world, alva)
    assert sessions.authenticate(world.deps, token) is None


def test_a_session_ends_after_an_idle_hour(world: World, alva: User) -> None:
    token = sign_in(world, alva).token
    world.later(minutes=59, seconds=59)
    assert sessions.authenticate(world.deps, token) is not None  # and this use starts a new idle hour
    world.later(minutes=59, seconds=59)
    assert sessions.authenticate(world.deps, token) is not None
    world.later(hours=1)
    assert sessions.authenticate(world.deps, token) is None


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(world: World, alva: User) -> None:
    token = sign_in(world, alva).token
    for _ in range(14):
        world.later(minutes=50)
        assert sessions.authenticate(world.deps, token) is not None
    world.later(minutes=20)  # 12 hours since sign-in
    assert sessions.authenticate(world.deps, token) is None


def test_last_seen_is_written_at_most_once_a_minute(world: World, alva: User) -> None:
    signed_in = sign_in(world, alva)
    commits = world.db.commits
    world.later(seconds=59)
    found = sessions.authenticate(world.deps, signed_in.token)
    assert found is not None and found.session.last_seen_at == signed_in.session.created_at
    assert world.db.commits == commits  # a read, no write
    moved = world.later(seconds=1)
    found = sessions.authenticate(world.deps, signed_in.token)
    assert found is not None and found.session.last_seen_at == moved
    assert world.tables.sessions[signed_in.session.id].last_seen_at == moved


# ---------------------------------------------------------------- listing and ending


def test_list_sessions_shows_the_live_ones_newest_first(world: World, alva: User) -> None:
    oldest = sign_in(world, alva)
    world.later(minutes=30)
    middle = sign_in(world, alva)
    world.later(minutes=31)  # the oldest is idle for 61 minutes now
    newest = sign_in(world, alva)
    other = sign_in(world, world.user("bo@example.com"))
    listed = sessions.list_sessions(world.deps, alva.id)
    assert [s.id for s in listed] == [newest.session.id, middle.session.id]
    assert oldest.session.id in world.tables.sessions and other.session not in listed


def test_logout_ends_the_current_session_only(world: World, alva: User) -> None:
    current, other_device = sign_in(world, alva), sign_in(world, alva)
    sessions.logout(world.deps, actor_of(current))
    assert list(world.tables.sessions) == [other_device.session.id]
    assert sessions.authenticate(world.deps, current.token) is None
    assert world.audit_actions()[-1] == "session.end"


def test_logout_without_a_session_still_succeeds(world: World, alva: User) -> None:
    sign_in(world, alva)
    sessions.logout(world.deps, Actor(alva.id, alva.account_id, alva.role, None, IP))
    assert len(world.tables.sessions) == 1 and world.audit_actions()[-1] == "session.end"


def test_revoke_session_ends_another_device_of_the_caller(world: World, alva: User) -> None:
    current, other_device = sign_in(world, alva), sign_in(world, alva)
    sessions.revoke_session(world.deps, actor_of(current), other_device.session.id)
    assert list(world.tables.sessions) == [current.session.id]
    assert world.audit_actions()[-1] == "session.revoke"


def test_another_users_session_is_not_found_like_a_made_up_one(world: World, alva: User) -> None:
    mine = sign_in(world, alva)
    theirs = sign_in(world, world.user("bo@example.com"))
    before = dict(world.tables.sessions)
    for target in (theirs.session.id, uuid.uuid4(), None):
        with pytest.raises(NotFound) as raised:
            sessions.revoke_session(world.deps, actor_of(mine), target)
        assert (raised.value.message, raised.value.field) == ("No such session.", ("session_id",))
    assert world.tables.sessions == before
