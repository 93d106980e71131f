"""Transfer requests (domain/services/transfers.py): the only way an account's number changes.
An account admin submits or cancels; a cloud admin approves (applying the number) or rejects."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from domain.entities import Account, AccountKind, Actor, TransferRequest, TransferRequestStatus, UserRole
from domain.errors import (
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    PendingRequestExists,
    Required,
    TooLong,
    ValidationFailed,
)
from domain.services import transfers

from .world import World

NEW_NUMBER = "556012-5790"
APPROVED, REJECTED = TransferRequestStatus.APPROVED, TransferRequestStatus.REJECTED


@pytest.fixture
def account(world: World) -> Account:
    return world.account()


@pytest.fixture
def admin(world: World, account: Account) -> Actor:
    return world.session(world.user("admin@ekstrom.example", account=account, role=UserRole.ACCOUNT_ADMIN))


@pytest.fixture
def cloud(world: World) -> Actor:
    return world.signed_in("ops@provider.example", role=UserRole.CLOUD_ADMIN)


def submit(world: World, actor: Actor, number: str = NEW_NUMBER, **extra: Any) -> TransferRequest:
    values: dict[str, Any] = {"new_holder_name": "Nya Ägare AB", "reason": None, **extra}
    return transfers.submit_transfer(world.deps, actor, requested_number=number, **values)


def submit_errors(world: World, actor: Actor, number: str, **extra: Any) -> list[tuple[tuple[str, ...], type]]:
    with pytest.raises(DomainError) as raised:
        submit(world, actor, number, **extra)
    found = raised.value.errors if isinstance(raised.value, ValidationFailed) else [raised.value]
    return [(e.field, type(e)) for e in found]


@pytest.fixture
def submitted(world: World, admin: Actor) -> TransferRequest:
    return submit(world, admin)


# ---------------------------------------------------------------- submit


def test_submit_normalizes_the_input_and_records_the_current_number(
    world: World, admin: Actor, account: Account
) -> None:
    request = submit(world, admin, " 5560125790 ", new_holder_name="  Nya Ägare AB ", reason="  Sold to\r\nNya AB  ")
    assert (
        world.tables.transfers[request.id]
        == request
        == TransferRequest(
            request.id,
            account.id,
            TransferRequestStatus.SUBMITTED,
            requested_number=NEW_NUMBER,
            new_holder_name="Nya Ägare AB",
            submitted_at=world.now,
            current_number=account.organization_number,
            reason="Sold to\nNya AB",
            submitted_by=admin.user_id,
        )
    )
    assert world.tables.audit[-1].fields == ("requested_number", "new_holder_name", "reason")
    assert world.tables.accounts[account.id].organization_number == account.organization_number


def test_individual_accounts_transfer_personal_numbers(world: World) -> None:
    holder = world.account(AccountKind.INDIVIDUAL, "19811228-9874")
    actor = world.session(world.user("ingrid@example.com", account=holder, role=UserRole.ACCOUNT_ADMIN))
    assert submit(world, actor, "8507099805").requested_number == "19850709-9805"
    assert submit_errors(world, actor, NEW_NUMBER) == [(("requested_number",), Invalid)]  # not a personal number


def test_submit_reports_every_bad_field_at_once(world: World, admin: Actor) -> None:
    found = submit_errors(world, admin, "556012-5791", new_holder_name=" ", reason="r" * 2001)
    assert found == [(("requested_number",), Invalid), (("new_holder_name",), Required), (("reason",), TooLong)]
    assert world.tables.transfers == {}


def test_the_current_number_cannot_be_requested(world: World, admin: Actor, account: Account) -> None:
    assert account.organization_number is not None
    digits = account.organization_number.replace("-", "")
    assert submit_errors(world, admin, digits) == [(("requested_number",), Invalid)]


def test_one_submitted_request_at_a_time(world: World, admin: Actor, submitted: TransferRequest) -> None:
    with pytest.raises(PendingRequestExists):
        submit(world, admin, "556203-3000")
    transfers.cancel_transfer(world.deps, admin, submitted.id)
    assert submit(world, admin, "556203-3000").status is TransferRequestStatus.SUBMITTED


# ---------------------------------------------------------------- cancel


def test_cancel_withdraws_a_submitted_request(world: World, admin: Actor, submitted: TransferRequest) -> None:
    world.later(hours=2)
    cancelled = transfers.cancel_transfer(world.deps, admin, submitted.id)
    assert cancelled.status is TransferRequestStatus.CANCELLED
    assert (cancelled.resolved_at, cancelled.resolved_by) == (world.now, admin.user_id)
    assert world.tables.transfers[submitted.id] == cancelled
    assert world.audit_actions()[-1] == "transfer.cancel"


def test_only_a_submitted_request_can_be_cancelled(world: World, admin: Actor, submitted: TransferRequest) -> None:
    transfers.cancel_transfer(world.deps, admin, submitted.id)
    with pytest.raises(Invalid, match="this one is CANCELLED") as raised:
        transfers.cancel_transfer(world.deps, admin, submitted.id)
    assert raised.value.field == ("transfer_request_id",)


def test_another_accounts_request_is_not_found_like_a_made_up_id(world: World, submitted: TransferRequest) -> None:
    stranger = world.signed_in("eve@elsewhere.example", role=UserRole.ACCOUNT_ADMIN)
    for request_id in (submitted.id, uuid.uuid4(), None):
        with pytest.raises(NotFound) as raised:
            transfers.cancel_transfer(world.deps, stranger, request_id)
        assert raised.value.field == ("transfer_request_id",)
    assert world.tables.transfers[submitted.id] == submitted


# ---------------------------------------------------------------- resolve


def test_approval_applies_the_number_and_mails_the_account_admins(
    world: World, cloud: Actor, account: Account, submitted: TransferRequest
) -> None:
    world.later(minutes=1)  # admins are mailed oldest first
    world.user("second-admin@ekstrom.example", account=account, role=UserRole.ACCOUNT_ADMIN)
    world.user("member@ekstrom.example", account=account)
    approved = transfers.resolve_transfer(world.deps, cloud, submitted.id, approve=True, note=" Checked\r\nOK ")
    assert (approved.status, approved.resolved_by, approved.resolution_note) == (APPROVED, cloud.user_id, "Checked\nOK")
    assert world.tables.accounts[account.id].organization_number == NEW_NUMBER
    assert [m.to for m in world.tables.outbox] == ["admin@ekstrom.example", "second-admin@ekstrom.example"]
    mail = world.tables.outbox[0]
    assert mail.subject == "Your transfer request was approved"
    assert "now carries the requested organization number" in mail.text and NEW_NUMBER not in mail.text
    assert "Note from the provider:\nChecked\nOK" in mail.text
    assert world.tables.audit[-1].action == "transfer.approved"
    assert world.tables.audit[-1].fields == ("status", "resolution_note", "number")


def test_rejection_keeps_the_number_and_stores_the_note(
    world: World, cloud: Actor, account: Account, submitted: TransferRequest
) -> None:
    rejected = transfers.resolve_transfer(world.deps, cloud, submitted.id, approve=False, note="Papers missing")
    assert (rejected.status, rejected.resolution_note) == (REJECTED, "Papers missing")
    assert world.tables.accounts[account.id].organization_number == account.organization_number
    [mail] = world.tables.outbox
    assert mail.subject == "Your transfer request was rejected" and "now carries" not in mail.text
    assert world.audit_actions()[-1] == "transfer.rejected"


@pytest.mark.parametrize("role", [UserRole.ACCOUNT_ADMIN, UserRole.MEMBER])
def test_only_a_cloud_admin_resolves_or_lists_requests(
    world: World, account: Account, submitted: TransferRequest, role: UserRole
) -> None:
    caller = world.session(world.user(f"{role.value.lower()}@x.example", account=account, role=role))
    for approve in (True, False):
        with pytest.raises(Forbidden):
            transfers.resolve_transfer(world.deps, caller, submitted.id, approve=approve, note=None)
    with pytest.raises(Forbidden):
        transfers.list_transfers(world.deps, caller, None)
    assert world.tables.transfers[submitted.id] == submitted and world.tables.outbox == []


def test_a_resolved_request_cannot_be_resolved_again(world: World, cloud: Actor, submitted: TransferRequest) -> None:
    transfers.resolve_transfer(world.deps, cloud, submitted.id, approve=False, note=None)
    with pytest.raises(Invalid, match="this one is REJECTED"):
        transfers.resolve_transfer(world.deps, cloud, submitted.id, approve=True, note=None)
    assert len(world.tables.outbox) == 1


def test_approval_refuses_a_number_another_account_took_meanwhile(
    world: World, cloud: Actor, account: Account, submitted: TransferRequest
) -> None:
    world.account(number=NEW_NUMBER)
    with pytest.raises(Invalid, match="Another account has this number"):
        transfers.resolve_transfer(world.deps, cloud, submitted.id, approve=True, note=None)
    assert world.tables.transfers[submitted.id].status is TransferRequestStatus.SUBMITTED
    assert world.tables.accounts[account.id].organization_number == account.organization_number
    assert world.tables.outbox == []


def test_resolving_a_made_up_request_is_not_found(world: World, cloud: Actor) -> None:
    for request_id in (uuid.uuid4(), None):
        with pytest.raises(NotFound):
            transfers.resolve_transfer(world.deps, cloud, request_id, approve=True, note=None)


def test_the_note_is_checked_before_anything_is_read(world: World, cloud: Actor, submitted: TransferRequest) -> None:
    with pytest.raises(TooLong) as raised:
        transfers.resolve_transfer(world.deps, cloud, submitted.id, approve=True, note="n" * 2001)
    assert raised.value.field == ("note",)


# ---------------------------------------------------------------- reading


def test_a_cloud_admin_lists_every_accounts_requests_oldest_first(
    world: World, cloud: Actor, admin: Actor, submitted: TransferRequest
) -> None:
    world.later(minutes=1)
    other = world.session(world.user("admin@other.example", account=world.account(), role=UserRole.ACCOUNT_ADMIN))
    later = submit(world, other, "556203-3000")
    transfers.resolve_transfer(world.deps, cloud, submitted.id, approve=False, note=None)
    assert [r.id for r in transfers.list_transfers(world.deps, cloud, None)] == [submitted.id, later.id]
    assert [r.id for r in transfers.list_transfers(world.deps, cloud, REJECTED)] == [submitted.id]
    by_account = transfers.transfers_for_accounts(world.deps, [admin.account_id, other.account_id])
    assert {a: [r.id for r in rs] for a, rs in by_account.items()} == {
        admin.account_id: [submitted.id],
        other.account_id: [later.id],
    }


def test_a_request_is_visible_to_its_account_and_cloud_admins_only(
    world: World, admin: Actor, cloud: Actor, submitted: TransferRequest
) -> None:
    stranger = world.signed_in("eve@elsewhere.example", role=UserRole.ACCOUNT_ADMIN)
    assert transfers.visible_transfer(world.deps, admin, submitted.id) == submitted
    assert transfers.visible_transfer(world.deps, cloud, submitted.id) == submitted
    assert transfers.visible_transfer(world.deps, stranger, submitted.id) is None
    assert transfers.visible_transfer(world.deps, cloud, uuid.uuid4()) is None
