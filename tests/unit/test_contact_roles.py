"""Contact roles and removal (domain/services/contacts.py): every role keeps a verified holder, the
account keeps a verified contact, and roles are never handed over implicitly."""

from __future__ import annotations

import uuid

import pytest

from domain.entities import Account, Actor, ContactEmail, ContactRole, UserRole
from domain.errors import LastContact, NotFound, NotVerified, RoleUncovered
from domain.services import contacts

from .world import World

BILLING, TECH, DPO = ContactRole.BILLING, ContactRole.TECH, ContactRole.DPO


@pytest.fixture
def account(world: World) -> Account:
    return world.account()


@pytest.fixture
def admin(world: World, account: Account) -> Actor:
    return world.session(world.user("admin@ekstrom.example", account=account, role=UserRole.ACCOUNT_ADMIN))


@pytest.fixture
def owner(world: World, account: Account) -> ContactEmail:
    """The account's first contact: verified, holding every role."""
    return world.contact(account.id, "owner@ekstrom.example")


@pytest.fixture
def finance(world: World, account: Account, owner: ContactEmail) -> ContactEmail:
    """A second verified contact, without roles, added a minute after the owner."""
    world.later(minutes=1)
    return world.contact(account.id, "finance@ekstrom.example", frozenset())


def roles(world: World) -> dict[str, set[ContactRole]]:
    return {c.email: set(c.roles) for c in world.tables.contacts.values()}


# ---------------------------------------------------------------- set_roles


def test_set_roles_replaces_the_contacts_roles_and_answers_every_contact(
    world: World, admin: Actor, owner: ContactEmail, finance: ContactEmail
) -> None:
    contacts.set_roles(world.deps, admin, finance.id, [BILLING, TECH])
    after = contacts.set_roles(world.deps, admin, finance.id, [BILLING])
    assert [(c.email, c.roles) for c in after] == [(owner.email, owner.roles), (finance.email, frozenset({BILLING}))]
    assert roles(world) == {owner.email: {BILLING, TECH, DPO}, finance.email: {BILLING}}
    assert [e.action for e in world.tables.audit] == ["contact.set_roles"] * 2


def test_roles_are_given_only_to_a_verified_contact(world: World, admin: Actor, owner: ContactEmail) -> None:
    pending = contacts.add_contact(world.deps, admin, "new@ekstrom.example")
    with pytest.raises(NotVerified) as raised:
        contacts.set_roles(world.deps, admin, pending.id, [BILLING])
    assert raised.value.field == ("contact_id",) and world.tables.contacts[pending.id].roles == frozenset()


def test_taking_a_role_from_its_last_holder_is_role_uncovered_naming_the_roles(
    world: World, admin: Actor, owner: ContactEmail, finance: ContactEmail
) -> None:
    before = roles(world)
    with pytest.raises(RoleUncovered, match="The TECH and DPO roles would have no verified contact") as raised:
        contacts.set_roles(world.deps, admin, owner.id, [BILLING])
    assert raised.value.field == ("roles",)
    assert roles(world) == before and world.tables.audit == []


def test_a_role_can_move_once_another_verified_contact_holds_it(
    world: World, admin: Actor, owner: ContactEmail, finance: ContactEmail
) -> None:
    contacts.set_roles(world.deps, admin, finance.id, [DPO])
    contacts.set_roles(world.deps, admin, owner.id, [BILLING, TECH])
    assert roles(world) == {owner.email: {BILLING, TECH}, finance.email: {DPO}}


def test_the_only_verified_contact_keeps_every_role(world: World, admin: Actor, owner: ContactEmail) -> None:
    with pytest.raises(RoleUncovered):
        contacts.set_roles(world.deps, admin, owner.id, [])


def test_setting_the_roles_a_contact_has_writes_nothing(world: World, admin: Actor, owner: ContactEmail) -> None:
    commits = world.db.commits
    after = contacts.set_roles(world.deps, admin, owner.id, [DPO, BILLING, TECH, BILLING])
    assert after == [owner] and world.db.commits == commits and world.tables.audit == []


def test_set_roles_on_another_accounts_contact_is_not_found(world: World, owner: ContactEmail) -> None:
    stranger = world.signed_in("eve@elsewhere.example", role=UserRole.ACCOUNT_ADMIN)
    for contact_id in (owner.id, uuid.uuid4(), None):
        with pytest.raises(NotFound):
            contacts.set_roles(world.deps, stranger, contact_id, [BILLING])
    assert roles(world) == {owner.email: {BILLING, TECH, DPO}}


# ---------------------------------------------------------------- remove


def test_remove_deletes_the_contact_and_answers_the_ones_left(
    world: World, admin: Actor, owner: ContactEmail, finance: ContactEmail
) -> None:
    assert contacts.remove_contact(world.deps, admin, finance.id) == [owner]
    assert list(world.tables.contacts) == [owner.id] and finance.id not in world.tables.contact_codes
    assert world.tables.audit[-1].action == "contact.remove"


def test_an_unverified_contact_can_always_go(world: World, admin: Actor, owner: ContactEmail) -> None:
    pending = contacts.add_contact(world.deps, admin, "new@ekstrom.example")
    assert contacts.remove_contact(world.deps, admin, pending.id) == [owner]


def test_the_verified_contact_left_alone_takes_every_role(
    world: World, admin: Actor, owner: ContactEmail, finance: ContactEmail
) -> None:
    after = contacts.remove_contact(world.deps, admin, owner.id)
    assert [(c.id, c.roles) for c in after] == [(finance.id, frozenset({BILLING, TECH, DPO}))]
    assert world.tables.contacts[finance.id].roles == {BILLING, TECH, DPO}
    system = [(e.action, e.target_id, e.fields) for e in world.tables.audit if e.actor_user_id is None]
    assert system == [("contact.set_roles", str(finance.id), ("roles",))]


def test_removal_never_hands_roles_over_while_several_verified_contacts_remain(
    world: World, admin: Actor, owner: ContactEmail, finance: ContactEmail
) -> None:
    world.contact(owner.account_id, "legal@ekstrom.example", frozenset())
    with pytest.raises(RoleUncovered, match="BILLING and TECH and DPO") as raised:
        contacts.remove_contact(world.deps, admin, owner.id)
    assert raised.value.field == ("contact_id",) and len(world.tables.contacts) == 3
    contacts.set_roles(world.deps, admin, finance.id, [BILLING, TECH, DPO])
    assert owner.id not in {c.id for c in contacts.remove_contact(world.deps, admin, owner.id)}


def test_the_last_verified_contact_cannot_go(world: World, admin: Actor, owner: ContactEmail) -> None:
    contacts.add_contact(world.deps, admin, "new@ekstrom.example")  # unverified: does not count
    with pytest.raises(LastContact) as raised:
        contacts.remove_contact(world.deps, admin, owner.id)
    assert raised.value.field == ("contact_id",) and owner.id in world.tables.contacts


def test_remove_on_another_accounts_contact_is_not_found(world: World, owner: ContactEmail) -> None:
    stranger = world.signed_in("eve@elsewhere.example", role=UserRole.ACCOUNT_ADMIN)
    with pytest.raises(NotFound) as raised:
        contacts.remove_contact(world.deps, stranger, owner.id)
    assert raised.value.field == ("contact_id",) and owner.id in world.tables.contacts


def test_contacts_for_accounts_lists_each_accounts_contacts_oldest_first(
    world: World, account: Account, owner: ContactEmail, finance: ContactEmail
) -> None:
    empty = world.account()
    world.later(minutes=1)
    newest = world.contact(account.id, "newest@ekstrom.example")
    found = contacts.contacts_for_accounts(world.deps, [account.id, empty.id])
    assert found == {account.id: [owner, finance, newest], empty.id: []}
