"""Creating accounts and users (domain/services/accounts.py), the operator's path behind the CLI and
the demo data: numbers checked per country, a first contact holding every role, unique emails."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from domain.entities import ALL_CONTACT_ROLES, Account, AccountKind, CustomerInfo, User, UserRole
from domain.errors import AlreadyExists, DomainError, Invalid, NotFound, Required, ValidationFailed, WeakPassword
from domain.services import accounts

from .world import PASSWORD, World

BUSINESS = {"kind": AccountKind.BUSINESS, "company_name": "Ekström Bygg AB"}


def create_account(world: World, number: str = "5560125790", **given: Any) -> Account:
    values = {**BUSINESS, "contact_person": "Alva Ekström", "contact_email": "alva@ekstrom.example", **given}
    return accounts.create_account(world.deps, number=number, **values)


def account_errors(world: World, number: str, **given: Any) -> list[tuple[tuple[str, ...], type]]:
    with pytest.raises(DomainError) as raised:
        create_account(world, number, **given)
    found = raised.value.errors if isinstance(raised.value, ValidationFailed) else [raised.value]
    return [(e.field, type(e)) for e in found]


# ---------------------------------------------------------------- accounts


def test_create_account_stores_the_number_in_display_form_and_a_first_contact_with_every_role(world: World) -> None:
    account = create_account(world, " 5560125790 ", contact_email=" Alva@Ekstrom.EXAMPLE ")
    assert (
        world.tables.accounts[account.id]
        == account
        == Account(
            account.id,
            AccountKind.BUSINESS,
            "SE",
            CustomerInfo("Alva Ekström", "Ekström Bygg AB", updated_at=world.now),
            organization_number="556012-5790",
            created_at=world.now,
        )
    )
    [contact] = world.tables.contacts.values()
    assert (contact.account_id, contact.email) == (account.id, "Alva@ekstrom.example")
    assert contact.roles == ALL_CONTACT_ROLES and contact.verified_at == world.now
    [event] = world.tables.audit
    assert (event.action, event.actor_user_id, event.fields) == ("account.create", None, ("kind", "number"))


def test_an_individual_account_has_a_personal_number_and_no_company_name(world: World) -> None:
    account = create_account(world, "8112289874", kind=AccountKind.INDIVIDUAL, company_name=None)
    assert (account.personal_number, account.organization_number) == ("19811228-9874", None)
    assert account.number == "19811228-9874" and account.customer_info.company_name is None


def test_the_number_is_checked_for_the_accounts_country(world: World) -> None:
    norwegian = create_account(world, "988077917", country="no")
    assert (norwegian.country, norwegian.organization_number) == ("NO", "988 077 917")
    assert account_errors(world, "988077917", contact_email="other@example.com") == [(("number",), Invalid)]


def test_create_account_reports_every_bad_field_at_once(world: World) -> None:
    found = account_errors(
        world, "556012-5791", country="XX", contact_person=" ", company_name=None, contact_email="nope"
    )
    assert found == [
        (("country",), Invalid),
        (("number",), Invalid),
        (("contact_person",), Required),
        (("company_name",), Required),
        (("contact_email",), Invalid),
    ]
    assert world.tables.accounts == {} and world.tables.audit == []


def test_an_individual_account_is_given_no_company_name(world: World) -> None:
    found = account_errors(world, "8112289874", kind=AccountKind.INDIVIDUAL, company_name="Holm AB")
    assert found == [(("company_name",), Invalid)]


def test_a_number_belongs_to_one_account_only(world: World) -> None:
    first = create_account(world)
    with pytest.raises(AlreadyExists) as raised:
        create_account(world, "556012-5790", contact_email="someone@else.example")
    assert raised.value.field == ("number",)
    assert list(world.tables.accounts) == [first.id] and len(world.tables.contacts) == 1


def test_accounts_by_id_finds_the_ones_that_exist(world: World) -> None:
    first, second = create_account(world), create_account(world, "556203-3000")
    found = accounts.accounts_by_id(world.deps, [second.id, uuid.uuid4(), first.id])
    assert found == {first.id: first, second.id: second}


# ---------------------------------------------------------------- users


@pytest.fixture
def account(world: World) -> Account:
    return create_account(world)


def create_user(world: World, account: Account, **given: Any) -> User:
    values = {
        "email": "bo@ekstrom.example",
        "role": UserRole.ACCOUNT_ADMIN,
        "password": PASSWORD,
        "first_name": " Bo ",
        "last_name": "Ek",
        **given,
    }
    return accounts.create_user(world.deps, account_id=account.id, **values)


def test_create_user_stores_a_hashed_password_and_a_fresh_profile(world: World, account: Account) -> None:
    user = create_user(world, account, email=" Bo@Ekstrom.EXAMPLE ")
    assert world.tables.users[user.id] == user
    assert (user.account_id, user.email, user.role) == (account.id, "Bo@ekstrom.example", UserRole.ACCOUNT_ADMIN)
    assert PASSWORD not in user.password_hash and world.deps.hasher.verify(PASSWORD, user.password_hash)
    assert (user.profile.first_name, user.profile.last_name, user.profile.version) == ("Bo", "Ek", 1)
    assert world.tables.audit[-1].action == "user.create" and world.tables.audit[-1].fields == ("email", "role")


def test_a_sign_in_email_belongs_to_one_user_in_any_case(world: World, account: Account) -> None:
    create_user(world, account)
    other = create_account(world, "556203-3000", contact_email="x@other.example")
    with pytest.raises(AlreadyExists) as raised:
        create_user(world, other, email="BO@ekstrom.example")
    assert raised.value.field == ("email",) and len(world.tables.users) == 1


def test_a_user_needs_an_existing_account(world: World) -> None:
    with pytest.raises(NotFound) as raised:
        accounts.create_user(
            world.deps,
            account_id=uuid.uuid4(),
            email="bo@ekstrom.example",
            role=UserRole.MEMBER,
            password=PASSWORD,
            first_name="Bo",
            last_name="Ek",
        )
    assert raised.value.field == ("account",) and world.tables.users == {}


def test_create_user_reports_bad_email_and_names_before_the_password(world: World, account: Account) -> None:
    with pytest.raises(ValidationFailed) as raised:
        create_user(world, account, email="nope", first_name=" ", last_name="", password="short")
    fields = [(e.field, type(e)) for e in raised.value.errors]
    assert fields == [(("email",), Invalid), (("first_name",), Required), (("last_name",), Required)]


@pytest.mark.parametrize(
    "password", ["short", "password1234", "bo-ekstrom-bo-ekstrom"], ids=["short", "common", "name"]
)
def test_a_users_password_passes_the_same_policy_as_a_password_change(
    world: World, account: Account, password: str
) -> None:
    with pytest.raises(WeakPassword) as raised:
        create_user(world, account, password=password, last_name="Ekstrom")
    assert raised.value.field == ("password",) and world.tables.users == {}
