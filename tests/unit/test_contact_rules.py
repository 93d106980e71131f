"""Role invariants and verification-code limits of contact emails, as pure functions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.entities import ALL_CONTACT_ROLES, ContactCode, ContactEmail, ContactRole
from domain.errors import LastContact, RoleUncovered
from domain.rules import contacts as rules

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
BILLING, TECH, DPO = ContactRole.BILLING, ContactRole.TECH, ContactRole.DPO


def contact(*roles: ContactRole, verified: bool = True) -> ContactEmail:
    return ContactEmail(
        id=uuid.uuid4(),
        account_id=uuid.UUID(int=1),
        email=f"{uuid.uuid4().hex[:8]}@example.com",
        created_at=NOW,
        roles=frozenset(roles),
        verified_at=NOW if verified else None,
    )


def test_one_verified_contact_with_every_role_passes() -> None:
    rules.check_invariants([contact(BILLING, TECH, DPO)])


def test_roles_may_be_spread_over_several_verified_contacts() -> None:
    rules.check_invariants([contact(BILLING), contact(TECH), contact(DPO), contact(verified=False)])


def test_no_verified_contact_is_last_contact() -> None:
    with pytest.raises(LastContact) as raised:
        rules.check_invariants([contact(verified=False)], ("contactId",))
    assert raised.value.field == ("contactId",)
    with pytest.raises(LastContact):
        rules.check_invariants([])


def test_uncovered_role_is_named() -> None:
    with pytest.raises(RoleUncovered) as raised:
        rules.check_invariants([contact(TECH, DPO), contact()], ("roles",))
    assert "BILLING role" in raised.value.message
    assert raised.value.field == ("roles",)


def test_every_uncovered_role_is_named_in_order() -> None:
    with pytest.raises(RoleUncovered) as raised:
        rules.check_invariants([contact(TECH)])
    assert "BILLING and DPO roles" in raised.value.message


def test_roles_of_unverified_contacts_do_not_count() -> None:
    assert rules.uncovered_roles([contact(BILLING, TECH, DPO, verified=False), contact()]) == [BILLING, TECH, DPO]


def test_the_only_verified_contact_must_hold_every_role() -> None:
    with pytest.raises(RoleUncovered):
        rules.check_invariants([contact(BILLING, TECH), contact(DPO, verified=False)])


def test_with_roles_replaces_only_the_target() -> None:
    first, second = contact(BILLING, TECH, DPO), contact()
    after = rules.with_roles([first, second], second.id, frozenset({DPO}))
    assert [c.roles for c in after] == [ALL_CONTACT_ROLES, frozenset({DPO})]
    assert second.roles == frozenset()  # the input is not mutated
    assert after[1].id == second.id and after[1].verified


def test_removing_the_second_to_last_holder_is_refused_not_handed_over() -> None:
    holder, other = contact(BILLING, TECH, DPO), contact()
    after = rules.without([holder, other], holder.id)
    assert after == [other]
    with pytest.raises(RoleUncovered):
        rules.check_invariants(after)


def test_removing_one_of_two_holders_keeps_the_role() -> None:
    first, second, rest = contact(BILLING), contact(BILLING), contact(TECH, DPO)
    after = rules.without([first, second, rest], first.id)
    rules.check_invariants(after)
    with pytest.raises(RoleUncovered):
        rules.check_invariants(rules.without(after, second.id))


def test_first_resend_needs_a_minute_since_the_first_mail() -> None:
    code = ContactCode(sent_at=NOW)
    assert rules.resend_decision(code, NOW + timedelta(seconds=30)).wait == timedelta(seconds=30)
    allowed = rules.resend_decision(code, NOW + timedelta(seconds=60))
    assert allowed.wait is None
    assert allowed.window_start == NOW + timedelta(seconds=60) and allowed.resends_in_window == 1


def test_sixth_resend_in_an_hour_waits_for_the_window_to_end() -> None:
    start = NOW
    code = ContactCode(sent_at=NOW + timedelta(minutes=10), resend_window_start=start, resends_in_window=5)
    refused = rules.resend_decision(code, NOW + timedelta(minutes=20))
    assert refused.wait == timedelta(minutes=40)
    later = rules.resend_decision(code, NOW + timedelta(hours=1))
    assert later.wait is None and later.window_start == NOW + timedelta(hours=1) and later.resends_in_window == 1


def test_fifth_resend_is_still_allowed() -> None:
    code = ContactCode(sent_at=NOW, resend_window_start=NOW, resends_in_window=4)
    decision = rules.resend_decision(code, NOW + timedelta(minutes=5))
    assert decision.wait is None and decision.window_start == NOW and decision.resends_in_window == 5


def test_wait_message_uses_seconds_then_minutes() -> None:
    assert "in 30 seconds" in rules.wait_message(timedelta(seconds=29.2))
    assert "in 40 minutes" in rules.wait_message(timedelta(minutes=39, seconds=5))


def test_the_sole_verified_contact_takes_every_role() -> None:
    sole, pending = contact(BILLING), contact(verified=False)
    after, granted = rules.sole_holder_takes_every_role([sole, pending])
    assert granted is not None and granted.id == sole.id and granted.roles == ALL_CONTACT_ROLES
    assert [c.roles for c in after] == [ALL_CONTACT_ROLES, frozenset()]
    rules.check_invariants(after)


def test_two_verified_contacts_keep_their_roles() -> None:
    contacts = [contact(BILLING), contact(TECH, DPO)]
    assert rules.sole_holder_takes_every_role(contacts) == (contacts, None)
    assert rules.sole_holder_takes_every_role([contact(BILLING, TECH, DPO)])[1] is None
