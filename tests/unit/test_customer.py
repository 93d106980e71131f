"""Customer info (domain/services/customer.py): partial updates, normalization, every bad field at
once, optimistic versions, and company names only on business accounts."""

from __future__ import annotations

from typing import Any

import pytest

from domain.changes import KEEP
from domain.entities import AccountKind, Actor, Address, CustomerInfo, UserRole
from domain.errors import DomainError, Invalid, Required, TooLong, ValidationFailed, VersionConflict
from domain.services import customer
from domain.services.customer import CustomerInfoChange

from .world import World

ADDRESS = Address(line1=" Drottninggatan 1 ", postal_code="111 51", city="Stockholm", country="se")


@pytest.fixture
def admin(world: World) -> Actor:
    return world.signed_in("admin@ekstrom.example", role=UserRole.ACCOUNT_ADMIN)


@pytest.fixture
def individual(world: World) -> Actor:
    account = world.account(AccountKind.INDIVIDUAL, "19811228-9874", contact_person="Ingrid Holm")
    return world.session(world.user("ingrid@example.com", account=account, role=UserRole.ACCOUNT_ADMIN))


def update(world: World, actor: Actor, version: int = 1, **change: Any) -> CustomerInfo:
    return customer.update_customer_info(world.deps, actor, version, CustomerInfoChange(**change))


def stored(world: World, actor: Actor) -> CustomerInfo:
    return world.tables.accounts[actor.account_id].customer_info


def errors(world: World, actor: Actor, version: int = 1, **change: Any) -> list[tuple[tuple[str, ...], type]]:
    with pytest.raises(DomainError) as raised:
        update(world, actor, version, **change)
    found = raised.value.errors if isinstance(raised.value, ValidationFailed) else [raised.value]
    return [(e.field, type(e)) for e in found]


def test_update_normalizes_every_field_and_bumps_the_version(world: World, admin: Actor) -> None:
    world.later(minutes=5)
    saved = update(
        world,
        admin,
        company_name="  Åkesson & Co AB ",
        contact_person="Ångström Åsa",
        address=ADDRESS,
        purchase_order_number=" PO-2026/17 ",
    )
    assert saved == CustomerInfo(
        contact_person="Ångström Åsa",
        company_name="Åkesson & Co AB",
        address=Address(line1="Drottninggatan 1", postal_code="111 51", city="Stockholm", country="SE"),
        purchase_order_number="PO-2026/17",
        version=2,
        updated_at=world.now,
    )
    assert stored(world, admin) == saved
    [event] = world.tables.audit
    assert (event.action, event.target_id, event.actor_user_id) == (
        "customer_info.update",
        str(admin.account_id),
        admin.user_id,
    )
    assert event.fields == ("company_name", "contact_person", "address", "purchase_order_number")


def test_left_out_fields_keep_their_values_and_none_clears_optional_ones(world: World, admin: Actor) -> None:
    first = update(world, admin, address=ADDRESS, purchase_order_number="PO-1")
    only_po = update(world, admin, 2, purchase_order_number=None)
    assert only_po == CustomerInfo(first.contact_person, first.company_name, first.address, None, 3, world.now)
    assert update(world, admin, 3, address=None).address is None
    assert world.tables.audit[-1].fields == ("address",)


def test_keep_is_the_default_for_every_field() -> None:
    assert all(value is KEEP for value in vars(CustomerInfoChange()).values())


def test_a_stale_version_is_a_conflict_and_changes_nothing(world: World, admin: Actor) -> None:
    update(world, admin, contact_person="Bo Ek")
    assert errors(world, admin, 1, contact_person="Someone Else") == [(("expected_version",), VersionConflict)]
    assert stored(world, admin).contact_person == "Bo Ek" and len(world.tables.audit) == 1


def test_a_write_that_lost_the_race_is_a_conflict(world: World, admin: Actor) -> None:
    def someone_else_saves() -> None:
        info = world.tables.accounts[admin.account_id].customer_info
        info.contact_person, info.version = "Theirs", 2

    world.db.before_next_write = someone_else_saves
    assert errors(world, admin, 1, contact_person="Mine") == [(("expected_version",), VersionConflict)]
    assert stored(world, admin).contact_person == "Theirs"


def test_input_errors_are_reported_before_the_version_is_compared(world: World, admin: Actor) -> None:
    assert errors(world, admin, 7, contact_person="") == [(("contact_person",), Required)]


def test_a_change_that_changes_nothing_writes_nothing_and_keeps_the_version(world: World, admin: Actor) -> None:
    before = stored(world, admin)
    commits = world.db.commits
    kept = update(world, admin, contact_person=f"  {before.contact_person}  ", company_name=before.company_name)
    assert kept == before and kept.version == 1
    assert world.db.commits == commits and world.tables.audit == []


@pytest.mark.parametrize(
    ("value", "error"), [(None, Required), ("   ", Required), ("x" * 201, TooLong), ("Ek\u202eAB", Invalid)]
)
def test_business_accounts_need_a_plain_company_name_of_at_most_200_characters(
    world: World, admin: Actor, value: str | None, error: type
) -> None:
    assert errors(world, admin, company_name=value) == [(("company_name",), error)]


def test_individual_accounts_have_no_company_name(world: World, individual: Actor) -> None:
    assert errors(world, individual, company_name="Holm AB") == [(("company_name",), Invalid)]
    saved = update(world, individual, company_name="  ", contact_person="Ingrid Holm-Ek")
    assert (saved.company_name, saved.contact_person) == (None, "Ingrid Holm-Ek")


@pytest.mark.parametrize(
    ("value", "error"),
    [("", Required), (None, Required), ("a" * 101, TooLong), ("a" * 100_000, TooLong), ("Bo\nEk", Invalid)],
)
def test_the_contact_person_is_one_to_a_hundred_plain_characters(
    world: World, admin: Actor, value: str | None, error: type
) -> None:
    assert errors(world, admin, contact_person=value) == [(("contact_person",), error)]


def test_a_hundred_composed_characters_fit_however_they_were_typed(world: World, admin: Actor) -> None:
    assert update(world, admin, contact_person="e\u0301" * 100).contact_person == "é" * 100


def test_every_bad_field_is_reported_at_once_with_its_path(world: World, admin: Actor) -> None:
    bad = Address(line1=" ", postal_code="ABC", city="", country="SE", region="r" * 101)
    found = errors(world, admin, address=bad, purchase_order_number="p" * 65, contact_person="")
    assert sorted(found, key=str) == sorted(
        [
            (("contact_person",), Required),
            (("address", "line1"), Required),
            (("address", "postal_code"), Invalid),
            (("address", "city"), Required),
            (("address", "region"), TooLong),
            (("purchase_order_number",), TooLong),
        ],
        key=str,
    )
    assert stored(world, admin).address is None and world.tables.audit == []


def test_the_purchase_order_number_is_up_to_64_printable_characters(world: World, admin: Actor) -> None:
    assert errors(world, admin, purchase_order_number="PO\t1") == [(("purchase_order_number",), Invalid)]
    assert update(world, admin, purchase_order_number="p" * 64).purchase_order_number == "p" * 64
