"""Customer info: who the customer is and where, as printed on their invoices."""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.changes import KEEP, Keep, changed_fields, validate_address
from domain.deps import Deps
from domain.entities import AccountKind, Actor, Address, CustomerInfo
from domain.errors import Collector, Invalid, NotFound, VersionConflict
from domain.rules import text

MAX_COMPANY_NAME_LENGTH = 200
MAX_CONTACT_PERSON_LENGTH = 100


@dataclass(frozen=True)
class CustomerInfoChange:
    """A partial update: KEEP leaves a field alone, None clears it where it is optional."""

    company_name: str | None | Keep = KEEP
    contact_person: str | None | Keep = KEEP
    address: Address | None | Keep = KEEP
    purchase_order_number: str | None | Keep = KEEP


_FIELDS = ("company_name", "contact_person", "address", "purchase_order_number")


def update_customer_info(deps: Deps, actor: Actor, expected_version: int, change: CustomerInfoChange) -> CustomerInfo:
    """Apply a partial update to the caller's account, only if its info is still at `expected_version`.

    Every wrong field is reported at once (ValidationFailed); a stale version raises
    VersionConflict. A change that alters nothing writes nothing and keeps the version.
    """
    with deps.uow() as uow:
        account = uow.accounts.get(actor.account_id)
        if account is None:
            raise NotFound("No such account.")
        current = account.customer_info
        updated = replace(_merged(current, change, account.kind), updated_at=deps.clock())
        if current.version != expected_version:
            raise VersionConflict(_STALE, ("expected_version",))
        changed = changed_fields(current, updated, _FIELDS)
        if not changed:
            return current
        if not uow.accounts.update_customer_info(account.id, updated, expected_version):
            raise VersionConflict(_STALE, ("expected_version",))
        uow.audit.add(actor.audit("customer_info.update", "Account", account.id, changed))
        uow.commit()
    return replace(updated, version=expected_version + 1)


_STALE = "Someone else changed the customer info meanwhile; reload it and try again."


def _merged(current: CustomerInfo, change: CustomerInfoChange, kind: AccountKind) -> CustomerInfo:
    """The info after the change, every given field validated; raises ValidationFailed."""
    errors = Collector()
    merged = current
    if change.company_name is not KEEP:
        company = errors.check(company_name, change.company_name, kind)
        merged = replace(merged, company_name=company)
    if change.contact_person is not KEEP:
        person = errors.check(contact_person, change.contact_person)
        if person is not None:  # else the error is reported and nothing is saved
            merged = replace(merged, contact_person=person)
    if change.address is not KEEP:
        merged = replace(
            merged, address=None if change.address is None else errors.check(validate_address, change.address)
        )
    if change.purchase_order_number is not KEEP:
        number = errors.check(
            text.printable,
            change.purchase_order_number,
            ("purchase_order_number",),
            max_len=64,
            label="The purchase order number",
        )
        merged = replace(merged, purchase_order_number=number)
    errors.raise_if_any()
    return merged


def company_name(value: str | None, kind: AccountKind, field: tuple[str, ...] = ("company_name",)) -> str | None:
    """A business account's company name, trimmed; an individual account has none (blank is none).

    Raises Required (business, blank), TooLong past 200 characters, or Invalid for control or
    formatting characters or for any company name on an individual account.
    """
    if kind is AccountKind.INDIVIDUAL:
        if value is not None and value.strip():
            raise Invalid("Individual accounts have no company name.", field)
        return None
    return text.clean_text(value, field, max_len=MAX_COMPANY_NAME_LENGTH, required=True, label="The company name")


def contact_person(value: str | None, field: tuple[str, ...] = ("contact_person",)) -> str:
    """Whom the provider addresses at the customer, trimmed; raises Required when blank, TooLong past
    100 characters or Invalid for control or formatting characters."""
    person = text.clean_text(value, field, max_len=MAX_CONTACT_PERSON_LENGTH, required=True, label="The contact person")
    assert person is not None  # required
    return person
