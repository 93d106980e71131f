"""Reading the audit log (domain/services/audit.py) and what sign-ins write into it."""

from __future__ import annotations

import pytest

from domain.audit import AuditFilter, Cursor
from domain.entities import UserRole
from domain.errors import Forbidden, Invalid, TooManyAttempts
from domain.services import audit, contacts, signin

from .world import PASSWORD, World


def test_security_events_are_the_users_own_newest_first_and_page_by_cursor(world: World) -> None:
    alva = world.user()
    signin.login(world.deps, email=alva.email, password=PASSWORD, ip="192.0.2.1", user_agent="pytest")
    for _ in range(3):
        world.later(seconds=1)
        signin.login(world.deps, email=alva.email, password=PASSWORD, ip="192.0.2.1", user_agent="pytest")
    actor = world.session(alva)
    first = audit.security_events(world.deps, actor, alva.id, 3, None)
    assert [e.action for e in first.events] == ["session.create"] * 3 and first.has_next
    assert first.end_cursor is not None
    rest = audit.security_events(world.deps, actor, alva.id, 3, first.end_cursor.encode())
    assert len(rest.events) == 1 and not rest.has_next
    assert {e.id for e in first.events}.isdisjoint(e.id for e in rest.events)


def test_another_users_security_events_are_forbidden(world: World) -> None:
    alva, bo = world.signed_in(), world.user("bo@example.com")
    with pytest.raises(Forbidden):
        audit.security_events(world.deps, alva, bo.id, 20, None)


def test_a_locked_account_records_the_refusal_with_its_reason(world: World) -> None:
    alva = world.user()
    reasons = []
    for _ in range(11):
        try:
            signin.login(world.deps, email=alva.email, password="not-the-password", ip=None, user_agent=None)
        except TooManyAttempts:
            reasons.append("refused")
        except Exception:  # noqa: BLE001,S110 (the wrong passwords before the lock)
            pass
    assert reasons == ["refused"]
    assert [e.reason for e in world.tables.audit][-2:] == ["WRONG_PASSWORD", "LOCKED"]


def test_the_account_log_is_for_its_admins_and_filters_by_prefix(world: World) -> None:
    account = world.account()
    admin = world.signed_in("admin@example.com", account=account, role=UserRole.ACCOUNT_ADMIN)
    member = world.signed_in("member@example.com", account=account)
    contacts.add_contact(world.deps, admin, "billing@example.com")
    page = audit.account_log(world.deps, admin, account.id, 20, None, AuditFilter(actions=("contact.",)))
    assert [(e.action, e.actor_email) for e in page.events] == [("contact.add", "admin@example.com")]
    with pytest.raises(Forbidden):
        audit.account_log(world.deps, member, account.id, 20, None, AuditFilter())
    with pytest.raises(Forbidden):
        audit.provider_log(world.deps, admin, 20, None, AuditFilter())


@pytest.mark.parametrize(("first", "after"), [(101, None), (-1, None), (10, "bm90LWEtY3Vyc29y")])
def test_pages_are_at_most_100_and_cursors_must_be_ours(world: World, first: int, after: str | None) -> None:
    alva = world.signed_in()
    with pytest.raises(Invalid):
        audit.security_events(world.deps, alva, alva.user_id, first, after)


def test_a_cursor_round_trips(world: World) -> None:
    import uuid

    cursor = Cursor(world.now, uuid.uuid4())
    assert Cursor.decode(cursor.encode()) == cursor


def test_a_cursor_or_time_at_the_edge_of_the_calendar_is_invalid_not_a_crash() -> None:
    import base64
    from datetime import datetime

    from domain.audit import AuditFilter, Cursor, check_filter
    from domain.errors import Invalid

    edge = "0001-01-01T00:00:00+05:00"
    forged = base64.urlsafe_b64encode(f"{edge}|12345678-1234-5678-1234-567812345678".encode()).decode()
    with pytest.raises(Invalid):
        Cursor.decode(forged.rstrip("="))
    with pytest.raises(Invalid) as raised:
        check_filter(AuditFilter(since=datetime.fromisoformat(edge)))
    assert raised.value.field == ("filter", "since")
