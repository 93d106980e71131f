"""Transfer requests: the only way an account's organization or personal number changes.

The account admin submits (or cancels) a request; a CLOUD_ADMIN approves or rejects it. Approval
writes the number to the account in the same transaction as the status change, and the
account's admins are mailed either way. Numbers are checked with domain.rules.numbers for the
account's country when submitted, and again when approved.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from domain import mails
from domain.deps import Deps
from domain.entities import Account, AccountKind, Actor, Mail, TransferRequest, TransferRequestStatus, UserRole
from domain.errors import Collector, Forbidden, Invalid, NotFound, PendingRequestExists
from domain.ports import UnitOfWork
from domain.rules import numbers, text
from domain.services.common import locked_account

MAX_HOLDER_NAME = 200
MAX_NOTE = 2000
_SUBMITTED = TransferRequestStatus.SUBMITTED


def submit_transfer(
    deps: Deps, actor: Actor, *, requested_number: str, new_holder_name: str, reason: str | None
) -> TransferRequest:
    """Ask the provider to change the caller's account number.

    Raises ValidationFailed (number failing its country's check or equal to the current one,
    holder name missing or too long, reason too long) or PendingRequestExists while a request is
    SUBMITTED.
    """
    now = deps.clock()
    with deps.uow() as uow:
        account = locked_account(uow, actor.account_id)
        number, holder, why = _submission(account, requested_number, new_holder_name, reason)
        if uow.transfers.submitted_exists(account.id):
            raise PendingRequestExists("A transfer request is waiting already; cancel it or wait for its answer.")
        request = TransferRequest(
            uuid.uuid4(), account.id, _SUBMITTED, number, holder, now, account.number, why, actor.user_id
        )
        uow.transfers.add(request)
        fields = ("requested_number", "new_holder_name") + (("reason",) if why else ())
        uow.audit.add(actor.audit("transfer.submit", "TransferRequest", request.id, fields))
        uow.commit()
    return request


def cancel_transfer(deps: Deps, actor: Actor, request_id: UUID | None) -> TransferRequest:
    """Withdraw the caller's account's SUBMITTED request. Raises NotFound or Invalid (not SUBMITTED)."""
    now = deps.clock()
    with deps.uow() as uow:
        locked_account(uow, actor.account_id)
        request = uow.transfers.get(request_id) if request_id is not None else None
        if request is None or request.account_id != actor.account_id:
            raise NotFound("No such transfer request.", ("transfer_request_id",))
        closed = _close(uow, request, TransferRequestStatus.CANCELLED, actor, None, now)
        uow.audit.add(actor.audit("transfer.cancel", "TransferRequest", request.id, ("status",)))
        uow.commit()
    return closed


def resolve_transfer(
    deps: Deps, actor: Actor, request_id: UUID | None, *, approve: bool, note: str | None
) -> TransferRequest:
    """CLOUD_ADMIN: approve (apply the number to the account) or reject a SUBMITTED request.

    The number is checked again on approval: it must still pass its country's check, differ from
    the account's current number and belong to no other account (Invalid otherwise). The note is
    stored and the account's ACCOUNT_ADMIN users are mailed, all in one transaction.
    """
    if actor.role is not UserRole.CLOUD_ADMIN:
        raise Forbidden("Only a cloud admin resolves transfer requests.")
    text_note = text.multiline(note, ("note",), max_len=MAX_NOTE, label="The note")
    now = deps.clock()
    with deps.uow() as uow:
        found = uow.transfers.get(request_id) if request_id is not None else None
        if found is None:
            raise NotFound("No such transfer request.", ("transfer_request_id",))
        account = locked_account(uow, found.account_id)
        request = uow.transfers.get(found.id) or found  # re-read under the lock
        status = TransferRequestStatus.APPROVED if approve else TransferRequestStatus.REJECTED
        if approve:
            _apply_number(uow, account, request)
        closed = _close(uow, request, status, actor, text_note, now)
        for admin in uow.accounts.admin_emails(account.id):
            uow.outbox.add(_resolution_mail(admin, account, closed))
        fields = ("status", "resolution_note", *(("number",) if approve else ()))
        event = actor.audit(f"transfer.{status.value.lower()}", "TransferRequest", request.id, fields)
        # The resolution changes the customer's account: it belongs in that account's log.
        uow.audit.add(replace(event, account_id=account.id))
        uow.commit()
    return closed


def list_transfers(deps: Deps, actor: Actor, status: TransferRequestStatus | None) -> list[TransferRequest]:
    """CLOUD_ADMIN: every account's requests, oldest first, optionally of one status."""
    if actor.role is not UserRole.CLOUD_ADMIN:
        raise Forbidden("Only a cloud admin lists every account's transfer requests.")
    with deps.uow(write=False) as uow:
        return uow.transfers.all(status)


def transfers_for_accounts(deps: Deps, account_ids: list[UUID]) -> dict[UUID, list[TransferRequest]]:
    """Every request of each account, oldest first, in one statement for all accounts."""
    with deps.uow(write=False) as uow:
        return uow.transfers.for_accounts(account_ids)


def visible_transfer(deps: Deps, actor: Actor, request_id: UUID) -> TransferRequest | None:
    """The request if the caller may see it (own account, or any for a CLOUD_ADMIN), else None."""
    with deps.uow(write=False) as uow:
        request = uow.transfers.get(request_id)
    if request is None or not actor.may_see_account(request.account_id):
        return None
    return request


def _submission(account: Account, number: str, holder: str, reason: str | None) -> tuple[str, str, str | None]:
    """The request's fields checked and normalized, every bad one reported at once (ValidationFailed)."""
    errors = Collector()
    checked = errors.check(_requested_number, account, number, ("requested_number",))
    name = errors.check(
        text.clean_text,
        holder,
        ("new_holder_name",),
        max_len=MAX_HOLDER_NAME,
        required=True,
        label="The new holder's name",
    )
    why = errors.check(text.multiline, reason, ("reason",), max_len=MAX_NOTE, label="The reason")
    errors.raise_if_any()
    assert checked is not None and name is not None  # both checks passed; the name is required
    return checked, name, why


def _requested_number(account: Account, value: str, field: tuple[str, ...]) -> str:
    """The number in display form, checked for the account's kind and country; not the current one."""
    number = numbers.account_number(value, account.kind, account.country, field)
    if number == account.number:
        raise Invalid("This is the account's current number already.", field)
    return number


def _close(
    uow: UnitOfWork,
    request: TransferRequest,
    status: TransferRequestStatus,
    actor: Actor,
    note: str | None,
    now: datetime,
) -> TransferRequest:
    """Move a SUBMITTED request to `status`, or raise Invalid when it is not (or no longer) SUBMITTED."""
    verb = "cancelled" if status is TransferRequestStatus.CANCELLED else "resolved"
    if request.status is not _SUBMITTED or not uow.transfers.close(request.id, status, now, actor.user_id, note):
        raise Invalid(
            f"Only a submitted request can be {verb}; this one is {request.status.value}.", ("transfer_request_id",)
        )
    return replace(request, status=status, resolved_at=now, resolved_by=actor.user_id, resolution_note=note)


def _apply_number(uow: UnitOfWork, account: Account, request: TransferRequest) -> None:
    """Write the requested number to the account after checking it once more."""
    if request.status is not _SUBMITTED:
        return  # _close refuses it
    number = _requested_number(account, request.requested_number, ())
    if uow.accounts.number_taken(account.kind.value, number):
        raise Invalid("Another account has this number already; the request cannot be approved.")
    uow.accounts.set_number(account.id, account.kind.value, number)


def _resolution_mail(to: str, account: Account, request: TransferRequest) -> Mail:
    """Tell an admin the outcome without repeating the number itself in the mail."""
    what = "organization number" if account.kind is AccountKind.BUSINESS else "personal identity number"
    approved = request.status is TransferRequestStatus.APPROVED
    return mails.render(
        "transfer_resolved",
        to,
        submitted=f"{request.submitted_at:%Y-%m-%d}",
        what=what,
        outcome="approved" if approved else "rejected",
        applied=f"\n\nThe account now carries the requested {what}." if approved else "",
        note=f"\n\nNote from the provider:\n{request.resolution_note}" if request.resolution_note else "",
    )
