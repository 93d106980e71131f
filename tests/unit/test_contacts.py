"""Adding contact emails and verifying them with a mailed code (domain/services/contacts.py):
the code's life, tries counted before the comparison, resend limits and the account's caps."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from domain.entities import Account, Actor, ContactEmail, UserRole
from domain.errors import AlreadyExists, CodeExpired, Invalid, InvalidCode, NotFound, Required, TooManyAttempts
from domain.services import contacts

from .world import World


@pytest.fixture
def account(world: World) -> Account:
    account = world.account()
    world.contact(account.id, "owner@ekstrom.example")  # verified, every role
    return account


@pytest.fixture
def admin(world: World, account: Account) -> Actor:
    return world.session(world.user("admin@ekstrom.example", account=account, role=UserRole.ACCOUNT_ADMIN))


def code_in(world: World, address: str) -> str:
    """The code in the latest mail to `address`."""
    found = re.search(r"code is (\d{6})\.", world.mails_to(address)[-1].text)
    assert found is not None
    return found.group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def tries_used(world: World, contact: ContactEmail) -> int:
    return world.tables.contact_codes[contact.id].attempts


# ---------------------------------------------------------------- add


def test_add_stores_an_unverified_contact_without_roles_and_mails_it_a_code(world: World, admin: Actor) -> None:
    added = contacts.add_contact(world.deps, admin, "  Billing@Ekstrom.EXAMPLE ")
    assert world.tables.contacts[added.id] == added
    assert (added.email, added.roles, added.verified) == ("Billing@ekstrom.example", frozenset(), False)
    [mail] = world.mails_to("Billing@ekstrom.example")
    assert mail.subject == "Confirm your new address" and "valid for 15 minutes" in mail.text
    stored = world.tables.contact_codes[added.id]
    assert stored.digest is not None and code_in(world, added.email) not in stored.digest
    assert (stored.expires_at, stored.attempts, stored.sent_at) == (world.now + timedelta(minutes=15), 0, world.now)
    assert world.tables.audit[-1].action == "contact.add" and world.tables.audit[-1].fields == ("email",)


def test_add_refuses_an_address_the_account_has_already_in_any_case(world: World, admin: Actor) -> None:
    with pytest.raises(AlreadyExists) as raised:
        contacts.add_contact(world.deps, admin, "OWNER@ekstrom.example")
    assert raised.value.field == ("email",) and len(world.tables.contacts) == 1


def test_another_account_may_have_the_same_address(world: World, admin: Actor) -> None:
    other = world.account()
    world.contact(other.id, "shared@example.com")
    assert contacts.add_contact(world.deps, admin, "shared@example.com").account_id == admin.account_id


@pytest.mark.parametrize(("email", "error"), [("  ", Required), ("not-an-address", Invalid)])
def test_add_checks_the_address_before_anything_is_stored(
    world: World, admin: Actor, email: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        contacts.add_contact(world.deps, admin, email)
    assert len(world.tables.contacts) == 1 and world.tables.outbox == []


def test_an_account_has_at_most_twenty_contacts(world: World, admin: Actor) -> None:
    for n in range(19):
        contacts.add_contact(world.deps, admin, f"c{n}@ekstrom.example")
    with pytest.raises(Invalid, match="at most 20"):
        contacts.add_contact(world.deps, admin, "one-too-many@ekstrom.example")


def test_an_account_sends_at_most_thirty_codes_an_hour_however_contacts_come_and_go(world: World, admin: Actor) -> None:
    for n in range(30):
        added = contacts.add_contact(world.deps, admin, f"c{n}@ekstrom.example")
        contacts.remove_contact(world.deps, admin, added.id)
    with pytest.raises(TooManyAttempts, match="too many verification codes"):
        contacts.add_contact(world.deps, admin, "c30@ekstrom.example")
    assert len(world.tables.contacts) == 1  # the refused contact was not stored either
    world.later(hours=1)
    contacts.add_contact(world.deps, admin, "c30@ekstrom.example")


# ---------------------------------------------------------------- verify


@pytest.fixture
def added(world: World, admin: Actor) -> ContactEmail:
    return contacts.add_contact(world.deps, admin, "billing@ekstrom.example")


def test_the_mailed_code_verifies_the_contact_once(world: World, admin: Actor, added: ContactEmail) -> None:
    code = code_in(world, added.email)
    verified = contacts.verify_contact(world.deps, admin, added.id, f" {code[:3]} {code[3:]} ")
    assert verified.verified_at == world.now and world.tables.contacts[added.id] == verified
    assert world.tables.contact_codes[added.id].digest is None  # the code is void
    with pytest.raises(Invalid, match="verified already") as again:
        contacts.verify_contact(world.deps, admin, added.id, code)
    assert again.value.field == ("contact_id",)


def test_each_wrong_try_is_counted_and_the_fifth_voids_the_code(
    world: World, admin: Actor, added: ContactEmail
) -> None:
    code = code_in(world, added.email)
    for left in ("4 tries", "3 tries", "2 tries", "1 try"):
        with pytest.raises(InvalidCode, match=f"{left} left"):
            contacts.verify_contact(world.deps, admin, added.id, wrong(code))
    with pytest.raises(InvalidCode, match="no longer works"):
        contacts.verify_contact(world.deps, admin, added.id, wrong(code))
    with pytest.raises(TooManyAttempts):
        contacts.verify_contact(world.deps, admin, added.id, code)
    assert tries_used(world, added) == 5 and not world.tables.contacts[added.id].verified


def test_the_code_expires_after_fifteen_minutes(world: World, admin: Actor, added: ContactEmail) -> None:
    code = code_in(world, added.email)
    world.later(minutes=15)
    with pytest.raises(CodeExpired):
        contacts.verify_contact(world.deps, admin, added.id, code)
    assert tries_used(world, added) == 0  # an expired code has no tries to spend


@pytest.mark.parametrize(("typed", "error"), [(" ", Required), ("12345", InvalidCode), ("abcdef", InvalidCode)])
def test_code_input_is_checked_before_any_try_is_spent(
    world: World, admin: Actor, added: ContactEmail, typed: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        contacts.verify_contact(world.deps, admin, added.id, typed)
    assert tries_used(world, added) == 0 and world.attempts("contact:code") == 0


def test_a_right_code_gives_the_accounts_try_back(world: World, admin: Actor, added: ContactEmail) -> None:
    code = code_in(world, added.email)
    with pytest.raises(InvalidCode):
        contacts.verify_contact(world.deps, admin, added.id, wrong(code))
    contacts.verify_contact(world.deps, admin, added.id, code)
    assert world.attempts("contact:code") == 1


def test_an_account_cannot_guess_past_twenty_five_tries_an_hour_with_fresh_contacts(world: World, admin: Actor) -> None:
    for n in range(5):
        fresh = contacts.add_contact(world.deps, admin, f"guess{n}@elsewhere.example")
        for _ in range(5):
            with pytest.raises(InvalidCode):
                contacts.verify_contact(world.deps, admin, fresh.id, wrong(code_in(world, fresh.email)))
    last = contacts.add_contact(world.deps, admin, "guess5@elsewhere.example")
    with pytest.raises(TooManyAttempts):
        contacts.verify_contact(world.deps, admin, last.id, code_in(world, last.email))
    assert tries_used(world, last) == 0


def test_another_accounts_contact_is_not_found_like_a_made_up_id(world: World, added: ContactEmail) -> None:
    stranger = world.signed_in("eve@elsewhere.example", role=UserRole.ACCOUNT_ADMIN)
    for contact_id in (added.id, uuid.uuid4(), None):
        with pytest.raises(NotFound) as raised:
            contacts.verify_contact(world.deps, stranger, contact_id, code_in(world, added.email))
        assert raised.value.field == ("contact_id",)
        with pytest.raises(NotFound):
            contacts.resend_verification(world.deps, stranger, contact_id)
    assert tries_used(world, added) == 0


# ---------------------------------------------------------------- resend


def test_a_resend_waits_a_minute_then_voids_the_old_code_and_its_tries(
    world: World, admin: Actor, added: ContactEmail
) -> None:
    old = code_in(world, added.email)
    with pytest.raises(InvalidCode):
        contacts.verify_contact(world.deps, admin, added.id, wrong(old))
    world.later(seconds=59)
    with pytest.raises(TooManyAttempts, match="in 1 seconds") as raised:
        contacts.resend_verification(world.deps, admin, added.id)
    assert raised.value.field == ("contact_id",)
    world.later(seconds=1)
    contacts.resend_verification(world.deps, admin, added.id)
    new = code_in(world, added.email)
    assert len(world.mails_to(added.email)) == 2 and tries_used(world, added) == 0
    if new != old:
        with pytest.raises(InvalidCode):
            contacts.verify_contact(world.deps, admin, added.id, old)
    assert contacts.verify_contact(world.deps, admin, added.id, new).verified


def test_five_resends_an_hour_then_the_wait_is_told_in_minutes(world: World, admin: Actor, added: ContactEmail) -> None:
    for _ in range(5):
        world.later(minutes=1)
        contacts.resend_verification(world.deps, admin, added.id)
    world.later(minutes=1)
    with pytest.raises(TooManyAttempts, match="in 55 minutes"):
        contacts.resend_verification(world.deps, admin, added.id)
    world.later(minutes=55)  # the window opened with the first resend, at 09:01
    contacts.resend_verification(world.deps, admin, added.id)
    assert len(world.mails_to(added.email)) == 7


def test_a_verified_contact_gets_no_new_code(world: World, admin: Actor) -> None:
    [owner] = world.tables.contacts.values()
    with pytest.raises(Invalid, match="verified already"):
        contacts.resend_verification(world.deps, admin, owner.id)
    assert world.tables.outbox == []
