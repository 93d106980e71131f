"""The billing profile service over the shared fake unit of work: validation, partial updates,
re-authentication, versions, history, audit and the alert mail."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.deps import Deps
from domain.entities import Actor, Address, BillingProfile, UserRole
from domain.errors import (
    DomainError,
    Invalid,
    InvalidCredentials,
    ReauthRequired,
    Required,
    TooLong,
    TooManyAttempts,
    ValidationFailed,
    VersionConflict,
)
from domain.services import billing
from domain.services.billing import BillingProfileChanges

from .fakes import Tables
from .world import World

SE_IBAN = "SE4550000000058398257466"
DE_IBAN = "DE89370400440532013000"
PASSWORD = "correct horse battery staple"
START = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


@pytest.fixture
def start() -> datetime:
    return START


@pytest.fixture
def deps(world: World) -> Deps:
    return world.deps


@pytest.fixture
def tables(world: World) -> Tables:
    return world.tables


def add_user(world: World, role: UserRole = UserRole.CLOUD_ADMIN, name: str = "Ada") -> Actor:
    email = f"{name.lower()}@provider.example.com"
    user = world.user(email, role=role, password=PASSWORD, first_name=name, last_name="Lovelace")
    return Actor(user.id, user.account_id, role, ip_address="192.0.2.7")


FIRST_SAVE_FIELDS = ("legal_name", "address", "bank_name", "account_holder", "iban", "bic", "payment_terms_days")


def first(**overrides: Any) -> BillingProfileChanges:
    values: dict[str, Any] = dict(
        expected_version=0,
        current_password=PASSWORD,
        legal_name="Cloud7 Nordic AB",
        address=Address(line1="Sveavägen 1", postal_code="111 57", city="Stockholm", country="se"),
        bank_name="Swedbank",
        account_holder="Cloud7 Nordic AB",
        iban="se45 5000 0000 0583 9825 7466",
        bic="swedsess",
        payment_terms_days=30,
    )
    return BillingProfileChanges(**{**values, **overrides})


def errors_of(deps: Deps, actor: Actor, changes: BillingProfileChanges) -> list[tuple[tuple[str, ...], type]]:
    with pytest.raises(DomainError) as caught:
        billing.update_billing_profile(deps, actor, changes)
    found = caught.value.errors if isinstance(caught.value, ValidationFailed) else [caught.value]
    return [(e.field, type(e)) for e in found]


@pytest.fixture
def admin(world: World) -> Actor:
    return add_user(world)


@pytest.fixture
def saved(deps: Deps, admin: Actor) -> BillingProfile:
    return billing.update_billing_profile(deps, admin, first())


# --- validation -----------------------------------------------------------------------------------


def test_first_save_needs_every_required_field(deps: Deps, admin: Actor, tables: Tables) -> None:
    found = errors_of(deps, admin, BillingProfileChanges(expected_version=0, vat_number=None))
    assert found == [
        ((name,), Required)
        for name in ("legal_name", "address", "bank_name", "account_holder", "iban", "bic", "payment_terms_days")
    ]
    assert tables == Tables(accounts=tables.accounts, users=tables.users)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("se45 5000 0000 0583 9825 7466", SE_IBAN),
        ("DE89-3704-0044-0532-0130-00", DE_IBAN),
        ("gb29nwbk60161331926819", "GB29NWBK60161331926819"),
        ("NO93 8601 1117 947", "NO9386011117947"),
        ("nl91 abna 0417 1643 00", "NL91ABNA0417164300"),
        ("CH93 0076 2011 6238 5295 7", "CH9300762011623852957"),
        ("be71 0961 2345 6769", "BE71096123456769"),
        ("FI21 1234 5600 0007 85", "FI2112345600000785"),
    ],
)
def test_ibans_of_several_countries_are_stored_compact_and_upper_case(
    deps: Deps, admin: Actor, raw: str, stored: str
) -> None:
    assert billing.update_billing_profile(deps, admin, first(iban=raw)).iban == stored


@pytest.mark.parametrize(
    "raw",
    [
        "SE4550000000058398257467",  # last digit off by one
        "SE4650000000058398257466",  # check digits off by one
        "DE8937040044053201300",  # one digit short
        "GB29NWBK601613319268190",  # one digit long
        "XX89370400440532013000",  # no such country
        "89370400440532013000",
    ],
)
def test_wrong_ibans_are_invalid(deps: Deps, admin: Actor, raw: str) -> None:
    assert errors_of(deps, admin, first(iban=raw)) == [(("iban",), Invalid)]


@pytest.mark.parametrize(("raw", "stored"), [("deutdeff", "DEUTDEFF"), ("NDEA FI HH XXX", "NDEAFIHHXXX")])
def test_bics_of_8_or_11_characters_are_stored_upper_case(deps: Deps, admin: Actor, raw: str, stored: str) -> None:
    assert billing.update_billing_profile(deps, admin, first(bic=raw)).bic == stored


@pytest.mark.parametrize(("raw", "error"), [("DEUTXXFF", Invalid), ("DEUTDEF", Invalid), ("DEUTDEFF5001", TooLong)])
def test_wrong_bics_are_refused(deps: Deps, admin: Actor, raw: str, error: type) -> None:
    assert errors_of(deps, admin, first(bic=raw)) == [(("bic",), error)]


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("se556012579001", "SE556012579001"), ("EL 094259216", "EL094259216"), ("NO 995 525 828 MVA", "NO995525828MVA")],
)
def test_vat_numbers_are_checked_and_stored_compact(deps: Deps, admin: Actor, raw: str, stored: str) -> None:
    assert billing.update_billing_profile(deps, admin, first(vat_number=raw)).vat_number == stored


@pytest.mark.parametrize("raw", ["SE556012579101", "DE136695977", "556012579001", "ZZ12345"])
def test_wrong_vat_numbers_are_invalid(deps: Deps, admin: Actor, raw: str) -> None:
    assert errors_of(deps, admin, first(vat_number=raw)) == [(("vat_number",), Invalid)]


@pytest.mark.parametrize(("days", "ok"), [(0, True), (120, True), (-1, False), (121, False)])
def test_payment_terms_are_0_to_120_days(deps: Deps, admin: Actor, days: int, ok: bool) -> None:
    if ok:
        assert billing.update_billing_profile(deps, admin, first(payment_terms_days=days)).payment_terms_days == days
    else:
        assert errors_of(deps, admin, first(payment_terms_days=days)) == [(("payment_terms_days",), Invalid)]


def test_names_are_1_to_140_characters(deps: Deps, admin: Actor) -> None:
    assert billing.update_billing_profile(deps, admin, first(legal_name="Å" * 140)).legal_name == "Å" * 140
    found = errors_of(deps, admin, first(expected_version=1, legal_name="x" * 141, bank_name=" ", account_holder=None))
    assert found == [(("legal_name",), TooLong), (("bank_name",), Required), (("account_holder",), Required)]


def test_payment_instructions_keep_line_breaks_up_to_500_characters(deps: Deps, admin: Actor) -> None:
    text = "  Quote invoice 12.\r\n\r\nFrom abroad: use the BIC.  \n"
    saved = billing.update_billing_profile(deps, admin, first(payment_instructions=text))
    assert saved.payment_instructions == "Quote invoice 12.\n\nFrom abroad: use the BIC."
    assert errors_of(deps, admin, first(expected_version=1, payment_instructions="a\n" * 251)) == [
        (("payment_instructions",), TooLong)
    ]
    assert errors_of(deps, admin, first(expected_version=1, payment_instructions="tab\there")) == [
        (("payment_instructions",), Invalid)
    ]


def test_address_fields_are_checked_with_their_paths(deps: Deps, admin: Actor) -> None:
    bad = Address(line1="", postal_code="ABC", city="x" * 101, country="SE", line2="\u200b")
    assert errors_of(deps, admin, first(address=bad)) == [
        (("address", "line1"), Required),
        (("address", "line2"), Invalid),
        (("address", "postal_code"), Invalid),
        (("address", "city"), TooLong),
    ]


# --- updates ---------------------------------------------------------------------------------------


def test_partial_update_keeps_left_out_fields_and_clears_nulls(
    deps: Deps, admin: Actor, saved: BillingProfile, tables: Tables
) -> None:
    with_extras = billing.update_billing_profile(
        deps, admin, BillingProfileChanges(expected_version=1, vat_number="SE556012579001", invoice_email="a@b.se")
    )
    cleared = billing.update_billing_profile(
        deps, admin, BillingProfileChanges(expected_version=2, vat_number=None, invoice_email="")
    )
    assert cleared == replace(saved, version=3, updated_at=cleared.updated_at)
    assert with_extras.vat_number == "SE556012579001" and with_extras.invoice_email == "a@b.se"
    assert sorted(tables.billing_history) == [1, 2]


def test_a_save_that_changes_nothing_writes_nothing(
    deps: Deps, admin: Actor, saved: BillingProfile, tables: Tables
) -> None:
    before = copy.deepcopy(tables)
    spaced = "SE45 5000 0000 0583 9825 7466"
    same = BillingProfileChanges(expected_version=1, iban=spaced, legal_name=" Cloud7 Nordic AB")
    assert billing.update_billing_profile(deps, admin, same) == saved
    assert tables == before


def test_stale_or_negative_versions_are_refused(deps: Deps, admin: Actor, saved: BillingProfile) -> None:
    assert errors_of(deps, admin, first()) == [(("expected_version",), VersionConflict)]
    assert errors_of(deps, admin, BillingProfileChanges(expected_version=2, bank_name="X")) == [
        (("expected_version",), VersionConflict)
    ]
    assert errors_of(deps, admin, BillingProfileChanges(expected_version=-1, bank_name="X")) == [
        (("expected_version",), Invalid)
    ]


def test_a_write_losing_the_race_changes_nothing(
    deps: Deps, admin: Actor, saved: BillingProfile, tables: Tables, world: World
) -> None:
    def someone_else_saves() -> None:
        tables.billing = replace(saved, version=2, legal_name="Theirs")

    world.db.before_next_write = someone_else_saves
    mails = len(tables.outbox)
    change = BillingProfileChanges(expected_version=1, current_password=PASSWORD, iban=DE_IBAN)
    assert errors_of(deps, admin, change) == [(("expected_version",), VersionConflict)]
    assert tables.billing is not None and tables.billing.legal_name == "Theirs"
    assert tables.billing_history == {} and len(tables.outbox) == mails and len(tables.audit) == 1


# --- re-authentication, history, audit and mail -----------------------------------------------------


@pytest.mark.parametrize(
    "change", [{"iban": DE_IBAN}, {"bic": "DEUTDEFF"}, {"account_holder": "Mallory Ltd"}], ids=["iban", "bic", "holder"]
)
def test_a_change_of_payee_needs_the_right_password(
    deps: Deps, admin: Actor, saved: BillingProfile, tables: Tables, change: dict[str, str]
) -> None:
    assert errors_of(deps, admin, BillingProfileChanges(expected_version=1, **change)) == [
        (("current_password",), ReauthRequired)
    ]
    wrong = BillingProfileChanges(expected_version=1, current_password="guess", **change)
    assert errors_of(deps, admin, wrong) == [(("current_password",), InvalidCredentials)]
    assert sign_in_failures(tables) == 1  # the wrong try stays counted
    right = BillingProfileChanges(expected_version=1, current_password=PASSWORD, **change)
    assert billing.update_billing_profile(deps, admin, right).version == 2
    assert sign_in_failures(tables) == 1  # the right one was given back


def sign_in_failures(tables: Tables) -> int:
    return sum(count for (scope, _, _), count in tables.attempts.items() if scope == "signin:account")


def test_wrong_passwords_run_into_the_sign_in_limit(deps: Deps, admin: Actor, saved: BillingProfile) -> None:
    wrong = BillingProfileChanges(expected_version=1, current_password="guess", iban=DE_IBAN)
    for _ in range(10):
        assert errors_of(deps, admin, wrong) == [(("current_password",), InvalidCredentials)]
    assert errors_of(deps, admin, replace(wrong, current_password=PASSWORD))[0][1] is TooManyAttempts


def test_history_audit_and_alert_mail_of_a_payee_change(
    deps: Deps, admin: Actor, saved: BillingProfile, tables: Tables, world: World
) -> None:
    colleague = add_user(world, name="Grace")
    add_user(world, UserRole.ACCOUNT_ADMIN, name="Customer")
    change = BillingProfileChanges(expected_version=1, current_password=PASSWORD, iban=DE_IBAN, bank_name="Deutsche")
    updated = billing.update_billing_profile(deps, admin, change)
    assert (updated.iban, updated.version, updated.updated_by) == (DE_IBAN, 2, admin.user_id)
    previous, changed_at, changed_by = tables.billing_history[1]
    assert previous == saved and changed_at == updated.updated_at and changed_by == admin.user_id
    assert billing.billing_profile_version(deps, 1) == saved
    assert [(e.action, e.target_id, e.fields, e.actor_user_id) for e in tables.audit] == [
        ("billing_profile.create", "1", FIRST_SAVE_FIELDS, admin.user_id),
        ("billing_profile.update", "2", ("bank_name", "iban"), admin.user_id),
    ]
    alerts = tables.outbox[1:]  # [0] told the only admin of that time about the first save
    assert [m.to for m in alerts] == ["ada@provider.example.com", "grace@provider.example.com"]
    assert colleague.user_id in tables.users


def test_alert_mail_names_who_and_when_and_masks_the_ibans(saved: BillingProfile, tables: Tables, admin: Actor) -> None:
    author = tables.users[admin.user_id]
    after = replace(saved, iban=DE_IBAN, version=2, updated_at=datetime(2026, 12, 1, 8, 5, 9, tzinfo=UTC))
    mail = billing.payee_changed_mail("x@example.com", author, saved, after, {"iban"})
    assert mail.to == "x@example.com" and mail.subject == "The bank details on customer invoices were changed"
    assert mail.text.splitlines()[:5] == [
        "Ada Lovelace <ada@provider.example.com> changed the bank details printed on customers' invoices "
        "at 2026-12-01 08:05:09 UTC (version 2).",
        "",
        "Changed: IBAN",
        "IBAN before: **** **** **** **** **** 7466",
        "IBAN now:    **** **** **** **** **30 00",
    ]
    assert SE_IBAN not in mail.text and DE_IBAN not in mail.text
    created = billing.payee_changed_mail("x@example.com", author, None, saved, {"iban", "bic", "account_holder"})
    assert "IBAN before: (none)" in created.text and "BIC: (none) -> SWEDSESS" in created.text
