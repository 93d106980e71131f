"""The provider's billing profile: the payee and bank details printed on every customer's invoice.

A forged IBAN or payment instruction sends customers' money to a fraudster, so a change of where or
how customers pay (bank name, account holder, IBAN, BIC, payment instructions; the first save
included) needs the caller's password again and is mailed to every cloud admin, as is a change of
the invoice email. The profile is versioned: an update names the version it was made from, and of two updates
from the same version exactly one wins. Every superseded version is kept, so the details an
invoice was issued with can always be recovered (`billing_profile_version`).

`update_billing_profile` is a partial update: a field the caller left out is `KEEP`, an optional
field sent as None (or blank) is cleared, and a required one sent as None is REQUIRED. The first
save (expected_version 0) must carry every required field.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from domain import alerts, mails
from domain.changes import KEEP, Keep, validate_address
from domain.deps import Deps
from domain.entities import Actor, Address, BillingProfile, Mail, User
from domain.errors import Collector, Invalid, InvalidCredentials, ReauthRequired, Required, VersionConflict
from domain.rules import banking, numbers, text
from domain.rules.email import normalize_email
from domain.services.signin import check_password

MAX_NAME_LENGTH = 140
MAX_INSTRUCTIONS_LENGTH = 500
MAX_PAYMENT_TERMS_DAYS = 120

# The editable fields, in the order of the API.
FIELDS = (
    "legal_name",
    "address",
    "vat_number",
    "registration_number",
    "bank_name",
    "account_holder",
    "iban",
    "bic",
    "payment_terms_days",
    "payment_instructions",
    "invoice_email",
)
REQUIRED_LABELS = {
    "legal_name": "The legal name",
    "address": "The address",
    "bank_name": "The bank name",
    "account_holder": "The account holder",
    "iban": "The IBAN",
    "bic": "The BIC",
    "payment_terms_days": "The payment terms",
}
# Where customers' money goes: changing any of these needs the password and alerts the cloud admins.
PAYEE_FIELDS = frozenset({"bank_name", "account_holder", "iban", "bic", "payment_instructions"})
# Every cloud admin hears of a change of payee, and of where customers write about invoices.
ALERT_FIELDS = PAYEE_FIELDS | {"invoice_email"}


@dataclass(frozen=True)
class BillingProfileChanges:
    """What the caller sent: a value, None to clear (REQUIRED for required fields), or KEEP.

    `address` is replaced as a whole; it carries the raw input, checked by the service.
    """

    expected_version: int
    current_password: str | None = None
    legal_name: str | None | Keep = KEEP
    address: Address | None | Keep = KEEP
    vat_number: str | None | Keep = KEEP
    registration_number: str | None | Keep = KEEP
    bank_name: str | None | Keep = KEEP
    account_holder: str | None | Keep = KEEP
    iban: str | None | Keep = KEEP
    bic: str | None | Keep = KEEP
    payment_terms_days: int | None | Keep = KEEP
    payment_instructions: str | None | Keep = KEEP
    invoice_email: str | None | Keep = KEEP


def get_billing_profile(deps: Deps) -> BillingProfile | None:
    """The profile in force, or None until a cloud admin first saves it."""
    with deps.uow(write=False) as uow:
        return uow.billing.get()


def billing_profile_version(deps: Deps, version: int) -> BillingProfile | None:
    """One version of the profile, current or superseded."""
    with deps.uow(write=False) as uow:
        return uow.billing.at_version(version)


def update_billing_profile(deps: Deps, actor: Actor, changes: BillingProfileChanges) -> BillingProfile:
    """Apply a partial, versioned update of the billing profile, or its first save (expected_version 0).

    Raises, with nothing saved: VersionConflict when the profile is no longer at expected_version,
    then ValidationFailed (every bad or missing field at once), then for a change of payee
    ReauthRequired (no current password) or InvalidCredentials / TooManyAttempts (counted like
    sign-in failures). A save that changes nothing returns the profile as it is.
    """
    with deps.uow(write=False) as uow:
        current = uow.billing.get()
        author = uow.users.get(actor.user_id)
    if changes.expected_version >= 0:  # a stale form is reported as such, not as missing fields
        _check_version(current, changes.expected_version)
    values = _validated(changes, current)
    changed = _changed(current, values)
    if not changed:
        assert current is not None  # a first save always sets the required fields
        return current
    if changed & PAYEE_FIELDS:
        _reauthenticate(deps, author, changes.current_password, actor.ip_address)
    profile = _merged(current, values, deps.clock(), actor)
    _save(deps, actor, author, current, profile, changed)
    return profile


def _save(
    deps: Deps,
    actor: Actor,
    author: User | None,
    current: BillingProfile | None,
    profile: BillingProfile,
    changed: set[str],
) -> None:
    """Write `profile` only if the stored one is still `current`, with history, audit and alerts."""
    with deps.uow() as uow:
        if current is None:
            if not uow.billing.add(profile):
                raise _version_conflict()
        else:
            # Conditional on the version: of two saves from the same version only one matches.
            if not uow.billing.update(profile, current.version):
                raise _version_conflict()
            assert profile.updated_at is not None
            uow.billing.archive(current, profile.updated_at, actor.user_id)
        names = tuple(name for name in FIELDS if name in changed)
        action = "billing_profile.create" if current is None else "billing_profile.update"
        # The target is the version the change created, so the event points into the history.
        # The provider's own record: in no customer account's log, only in the cloud admins' one.
        uow.audit.add(replace(actor.audit(action, "BillingProfile", profile.version, names), account_id=None))
        if changed & ALERT_FIELDS:
            for address in uow.billing.cloud_admin_emails():
                link = alerts.report_link(deps, uow, actor.user_id)  # reports the author
                uow.outbox.add(payee_changed_mail(address, author, current, profile, changed, link))
        uow.commit()


def _validated(changes: BillingProfileChanges, current: BillingProfile | None) -> dict[str, Any]:
    """Every field the caller sent, checked and normalized; raises ValidationFailed naming each bad one."""
    errors = Collector()
    if changes.expected_version < 0:
        errors.errors.append(Invalid("The expected version cannot be negative.", ("expected_version",)))
    # What makes a first save is the store, not the caller's claim: expectedVersion 0 against an
    # existing profile is a version conflict, not a list of missing fields.
    first_save = current is None
    values: dict[str, Any] = {}
    for name in FIELDS:
        raw = getattr(changes, name)
        if raw is KEEP:
            if first_save and name in REQUIRED_LABELS:
                errors.errors.append(Required(f"{REQUIRED_LABELS[name]} is required for the first save.", (name,)))
        elif name != "registration_number":
            values[name] = errors.check(_CHECKS[name], raw, (name,))
    if changes.registration_number is not KEEP:
        # Checked by the rules of the provider's country: the new address's, else the stored one's.
        address = values.get("address") or (current.address if current else None)
        country = address.country if address else ""
        values["registration_number"] = errors.check(
            _registration_number, changes.registration_number, country, ("registration_number",)
        )
    errors.raise_if_any()
    return values


def _name(label: str) -> Callable[[str | None, tuple[str, ...]], str | None]:
    def check(raw: str | None, field: tuple[str, ...]) -> str | None:
        return text.clean_text(raw, field, max_len=MAX_NAME_LENGTH, required=True, label=label)

    return check


def _required(rule: Callable[[str, tuple[str, ...]], str], label: str) -> Callable[..., str]:
    def check(raw: str | None, field: tuple[str, ...]) -> str:
        if raw is None:
            raise Required(f"{label} is required.", field)
        return rule(raw, field)

    return check


def _optional(rule: Callable[[str, tuple[str, ...]], str]) -> Callable[..., str | None]:
    """A blank optional field is cleared, like one sent as null."""

    def check(raw: str | None, field: tuple[str, ...]) -> str | None:
        return None if raw is None or not raw.strip() else rule(raw, field)

    return check


def _address(raw: Address | None, field: tuple[str, ...]) -> Address:
    if raw is None:
        raise Required("The address is required.", field)
    return validate_address(raw, field)


def _payment_terms(raw: int | None, field: tuple[str, ...]) -> int:
    if raw is None:
        raise Required("The payment terms are required.", field)
    if not 0 <= raw <= MAX_PAYMENT_TERMS_DAYS:
        raise Invalid(f"Payment terms must be between 0 and {MAX_PAYMENT_TERMS_DAYS} days.", field)
    return raw


def _registration_number(raw: str | None, country: str, field: tuple[str, ...]) -> str | None:
    if raw is None or not raw.strip():
        return None
    return numbers.organization_number(raw, country, field)


_CHECKS: dict[str, Callable[..., Any]] = {
    "legal_name": _name("The legal name"),
    "address": _address,
    "vat_number": _optional(banking.vat_number),
    "bank_name": _name("The bank name"),
    "account_holder": _name("The account holder"),
    "iban": _required(banking.iban, "The IBAN"),
    "bic": _required(banking.bic, "The BIC"),
    "payment_terms_days": _payment_terms,
    "payment_instructions": functools.partial(
        text.multiline, max_len=MAX_INSTRUCTIONS_LENGTH, label="Payment instructions"
    ),
    "invoice_email": _optional(normalize_email),
}


def _check_version(current: BillingProfile | None, expected: int) -> None:
    if (current.version if current else 0) != expected:
        raise _version_conflict()


def _version_conflict() -> VersionConflict:
    return VersionConflict(
        "The billing profile was changed by someone else in the meantime; reload it and apply your changes again.",
        ("expected_version",),
    )


def _changed(current: BillingProfile | None, values: dict[str, Any]) -> set[str]:
    if current is None:
        return {attr for attr, value in values.items() if value is not None}
    return {attr for attr, value in values.items() if getattr(current, attr) != value}


def _reauthenticate(deps: Deps, author: User | None, password: str | None, ip: str | None) -> None:
    field = ("current_password",)
    if not password:
        raise ReauthRequired(
            "Changing where or how customers pay (bank name, account holder, IBAN, BIC or payment instructions) "
            "needs your current password.",
            field,
        )
    if author is None:  # signed out and deleted meanwhile
        raise InvalidCredentials("The password is wrong.", field)
    check_password(deps, author, password, ip, field=field)


def _merged(current: BillingProfile | None, values: dict[str, Any], now: datetime, actor: Actor) -> BillingProfile:
    if current is None:
        return BillingProfile(**values, version=1, updated_at=now, updated_by=actor.user_id)
    return replace(current, **values, version=current.version + 1, updated_at=now, updated_by=actor.user_id)


def payee_changed_mail(
    to: str,
    author: User | None,
    before: BillingProfile | None,
    after: BillingProfile,
    changed: set[str],
    report_link: str = "(none)",
) -> Mail:
    """Tell a cloud admin who changed where customers' money goes, when, and the IBANs masked."""
    who = f"{author.profile.first_name} {author.profile.last_name} <{author.email}>" if author else "A deleted user"
    details = [
        f"IBAN before: {banking.mask_iban(before.iban) if before else '(none)'}",
        f"IBAN now:    {banking.mask_iban(after.iban)}",
    ]
    for attr, label in _SHOWN_CHANGES.items():
        old, new = (getattr(before, attr) if before else None), getattr(after, attr)
        if attr in changed and old != new:
            details.append(f"{label}: {old or '(none)'} -> {new or '(none)'}")
    if "payment_instructions" in changed:
        details.append(f"Payment instructions now:\n{after.payment_instructions or '(none)'}")
    return mails.render(
        "payee_changed",
        to,
        who=who,
        at=f"{after.updated_at:%Y-%m-%d %H:%M:%S}",
        version=after.version,
        changed=", ".join(label for attr, label in _PAYEE_LABELS.items() if attr in changed),
        details="\n".join(details),
        report_link=report_link,
    )


_PAYEE_LABELS = {
    "bank_name": "bank name",
    "account_holder": "account holder",
    "iban": "IBAN",
    "bic": "BIC",
    "payment_instructions": "payment instructions",
    "invoice_email": "invoice email",
}
_SHOWN_CHANGES = {
    "bic": "BIC",
    "bank_name": "Bank",
    "account_holder": "Account holder",
    "invoice_email": "Invoice email",
}
