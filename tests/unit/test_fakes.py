"""The fake unit of work keeps the promises of the real one that the service tests rely on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.entities import CustomerInfo

from .fakes import ConstraintViolated, FakeDatabase
from .world import World


def test_changes_are_real_only_after_commit(world: World) -> None:
    account = world.account()
    with world.db() as uow:
        uow.accounts.set_number(account.id, "BUSINESS", "556012-5790")
    assert world.tables.accounts[account.id].organization_number == account.organization_number
    with world.db() as uow:
        uow.accounts.set_number(account.id, "BUSINESS", "556012-5790")
        uow.commit()
    assert world.tables.accounts[account.id].organization_number == "556012-5790"


def test_an_exception_rolls_the_unit_of_work_back(world: World) -> None:
    with pytest.raises(RuntimeError), world.db() as uow:
        uow.attempts.hit("scope", "key", world.now)
        raise RuntimeError
    assert world.tables.attempts == {}


def test_reads_return_copies_that_do_not_change_what_is_stored(world: World) -> None:
    user = world.user()
    with world.db() as uow:
        loaded = uow.users.get(user.id)
        assert loaded is not None
        loaded.email = "changed@example.com"
        uow.commit()
    assert world.tables.users[user.id].email == user.email


def test_conditional_updates_change_nothing_when_their_condition_fails(world: World) -> None:
    account = world.account()
    with world.db() as uow:
        assert not uow.accounts.update_customer_info(account.id, CustomerInfo("Someone"), expected_version=2)
        assert uow.accounts.update_customer_info(account.id, CustomerInfo("Someone"), expected_version=1)
        assert not uow.accounts.update_customer_info(account.id, CustomerInfo("Again"), expected_version=1)
        uow.commit()
    assert world.tables.accounts[account.id].customer_info.version == 2


def test_attempt_counters_count_per_window_and_refunds_stop_at_zero(world: World) -> None:
    later = world.now + timedelta(minutes=15)
    with world.db() as uow:
        assert [uow.attempts.hit("s", "k", world.now) for _ in range(3)] == [1, 2, 3]
        assert uow.attempts.hit("s", "k", later) == 1
        for _ in range(5):
            uow.attempts.refund("s", "k", later)
        uow.commit()
    assert world.tables.attempts == {("s", "k", world.now): 3, ("s", "k", later): 0}


def test_a_read_only_unit_of_work_cannot_commit_a_change(world: World) -> None:
    with world.db(write=False) as uow:
        uow.attempts.hit("s", "k", world.now)
        with pytest.raises(AssertionError, match="read-only"):
            uow.commit()


def test_a_commit_over_a_newer_commit_is_refused_not_merged(world: World) -> None:
    db: FakeDatabase = world.db
    with db() as outer:
        outer.attempts.hit("s", "outer", world.now)
        with db() as inner:
            inner.attempts.hit("s", "inner", world.now)
            inner.commit()
        with pytest.raises(AssertionError, match="cannot merge"):
            outer.commit()
    assert list(world.tables.attempts) == [("s", "inner", world.now)]


def test_unique_keys_hold_as_in_the_database(world: World) -> None:
    world.user("alva@example.com")
    with pytest.raises(ConstraintViolated, match="email_key"):
        world.user("ALVA@example.com")
