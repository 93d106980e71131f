"""The billing profile service with in-memory fakes: validation, partial updates, re-authentication,
versions, history, audit and the alert mail."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.deps import Deps
from domain.entities import Actor, Address, AuditEvent, BillingProfile, Mail, Profile, User, UserRole
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

from .fakes import Appender, Attempts, FakeHasher

SE_IBAN = "SE4550000000058398257466"
DE_IBAN = "DE89370400440532013000"
PASSWORD = "correct horse battery staple"
START = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


@dataclass
class State:
    profile: BillingProfile | None = None
    history: dict[int, tuple[BillingProfile, datetime, UUID]] = field(default_factory=dict)
    users: dict[UUID, User] = field(default_factory=dict)
    mails: list[Mail] = field(default_factory=list)
    audit: list[AuditEvent] = field(default_factory=list)
    attempts: dict[tuple[str, str, datetime], int] = field(default_factory=dict)


class FakeBilling:
    def __init__(self, state: State) -> None:
        self.s = state

    def get(self) -> BillingProfile | None:
        return self.s.profile

    def add(self, profile: BillingProfile) -> bool:
        if self.s.profile is not None:
            return False
        self.s.profile = profile
        return True

    def update(self, profile: BillingProfile, expected_version: int) -> bool:
        if self.s.profile is None or self.s.profile.version != expected_version:
            return False
        self.s.profile = profile
        return True

    def archive(self, previous: BillingProfile, changed_at: datetime, changed_by: UUID) -> None:
        self.s.history[previous.version] = (previous, changed_at, changed_by)

    def at_version(self, version: int) -> BillingProfile | None:
        if self.s.profile and self.s.profile.version == version:
            return self.s.profile
        return self.s.history[version][0] if version in self.s.history else None

    def as_of(self, at: datetime) -> BillingProfile | None:
        raise NotImplementedError

    def cloud_admin_emails(self) -> list[str]:
        return sorted(u.email for u in self.s.users.values() if u.role is UserRole.CLOUD_ADMIN)


class FakeUow:
    """Works on a copy of the store; only commit() makes the changes real."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> FakeUow:
        self.state = copy.deepcopy(self.store.state)
        self.billing = FakeBilling(self.state)
        self.attempts = Attempts(self.state.attempts)
        self.users = self
        self.outbox, self.audit = Appender(self.state.mails), Appender(self.state.audit)
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def commit(self) -> None:
        self.store.state = self.state

    def get(self, user_id: UUID) -> User | None:
        return self.state.users.get(user_id)


class Store:
    def __init__(self) -> None:
        self.state = State()
        self.before_write: Callable[[], None] | None = None

    def __call__(self, *, write: bool = True) -> FakeUow:
        if write and self.before_write is not None:
            hook, self.before_write = self.before_write, None
            hook()
        return FakeUow(self)


class FakeKeyring:
    def digest(self, purpose: str, value: str) -> str:
        return f"{purpose}:{value}"

    def encrypt(self, purpose: str, plaintext: bytes) -> str:
        raise NotImplementedError

    def decrypt(self, purpose: str, token: str) -> bytes:
        raise NotImplementedError


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def deps(store: Store) -> Deps:
    return Deps(uow=store, hasher=FakeHasher(), keyring=FakeKeyring(), clock=Clock())  # type: ignore[arg-type]


def add_user(store: Store, role: UserRole = UserRole.CLOUD_ADMIN, name: str = "Ada") -> Actor:
    user = User(
        id=uuid.uuid4(),
        account_id=uuid.uuid4(),
        email=f"{name.lower()}@provider.example.com",
        role=role,
        password_hash=FakeHasher().hash(PASSWORD),
        profile=Profile(first_name=name, last_name="Lovelace"),
        created_at=START,
    )
    store.state.users[user.id] = user
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
def admin(store: Store) -> Actor:
    return add_user(store)


@pytest.fixture
def saved(deps: Deps, admin: Actor) -> BillingProfile:
    return billing.update_billing_profile(deps, admin, first())


# --- validation -----------------------------------------------------------------------------------


def test_first_save_needs_every_required_field(deps: Deps, admin: Actor, store: Store) -> None:
    found = errors_of(deps, admin, BillingProfileChanges(expected_version=0, vat_number=None))
    assert found == [
        ((name,), Required)
        for name in ("legal_name", "address", "bank_name", "account_holder", "iban", "bic", "payment_terms_days")
    ]
    assert store.state == State(users=store.state.users)


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
    deps: Deps, admin: Actor, saved: BillingProfile, store: Store
) -> None:
    with_extras = billing.update_billing_profile(
        deps, admin, BillingProfileChanges(expected_version=1, vat_number="SE556012579001", invoice_email="a@b.se")
    )
    cleared = billing.update_billing_profile(
        deps, admin, BillingProfileChanges(expected_version=2, vat_number=None, invoice_email="")
    )
    assert cleared == replace(saved, version=3, updated_at=cleared.updated_at)
    assert with_extras.vat_number == "SE556012579001" and with_extras.invoice_email == "a@b.se"
    assert sorted(store.state.history) == [1, 2]


def test_a_save_that_changes_nothing_writes_nothing(
    deps: Deps, admin: Actor, saved: BillingProfile, store: Store
) -> None:
    before = copy.deepcopy(store.state)
    spaced = "SE45 5000 0000 0583 9825 7466"
    same = BillingProfileChanges(expected_version=1, iban=spaced, legal_name=" Cloud7 Nordic AB")
    assert billing.update_billing_profile(deps, admin, same) == saved
    assert store.state == before


def test_stale_or_negative_versions_are_refused(deps: Deps, admin: Actor, saved: BillingProfile) -> None:
    assert errors_of(deps, admin, first()) == [(("expected_version",), VersionConflict)]
    assert errors_of(deps, admin, BillingProfileChanges(expected_version=2, bank_name="X")) == [
        (("expected_version",), VersionConflict)
    ]
    assert errors_of(deps, admin, BillingProfileChanges(expected_version=-1, bank_name="X")) == [
        (("expected_version",), Invalid)
    ]


def test_a_write_losing_the_race_changes_nothing(deps: Deps, admin: Actor, saved: BillingProfile, store: Store) -> None:
    def someone_else_saves() -> None:
        store.state.profile = replace(saved, version=2, legal_name="Theirs")

    store.before_write = someone_else_saves
    mails = len(store.state.mails)
    change = BillingProfileChanges(expected_version=1, current_password=PASSWORD, iban=DE_IBAN)
    assert errors_of(deps, admin, change) == [(("expected_version",), VersionConflict)]
    assert store.state.profile is not None and store.state.profile.legal_name == "Theirs"
    assert store.state.history == {} and len(store.state.mails) == mails and len(store.state.audit) == 1


# --- re-authentication, history, audit and mail -----------------------------------------------------


@pytest.mark.parametrize(
    "change", [{"iban": DE_IBAN}, {"bic": "DEUTDEFF"}, {"account_holder": "Mallory Ltd"}], ids=["iban", "bic", "holder"]
)
def test_a_change_of_payee_needs_the_right_password(
    deps: Deps, admin: Actor, saved: BillingProfile, store: Store, change: dict[str, str]
) -> None:
    assert errors_of(deps, admin, BillingProfileChanges(expected_version=1, **change)) == [
        (("current_password",), ReauthRequired)
    ]
    wrong = BillingProfileChanges(expected_version=1, current_password="guess", **change)
    assert errors_of(deps, admin, wrong) == [(("current_password",), InvalidCredentials)]
    assert sign_in_failures(store) == 1  # the wrong try stays counted
    right = BillingProfileChanges(expected_version=1, current_password=PASSWORD, **change)
    assert billing.update_billing_profile(deps, admin, right).version == 2
    assert sign_in_failures(store) == 1  # the right one was given back


def sign_in_failures(store: Store) -> int:
    return sum(count for (scope, _, _), count in store.state.attempts.items() if scope == "signin:account")


def test_wrong_passwords_run_into_the_sign_in_limit(deps: Deps, admin: Actor, saved: BillingProfile) -> None:
    wrong = BillingProfileChanges(expected_version=1, current_password="guess", iban=DE_IBAN)
    for _ in range(10):
        assert errors_of(deps, admin, wrong) == [(("current_password",), InvalidCredentials)]
    assert errors_of(deps, admin, replace(wrong, current_password=PASSWORD))[0][1] is TooManyAttempts


def test_history_audit_and_alert_mail_of_a_payee_change(
    deps: Deps, admin: Actor, saved: BillingProfile, store: Store
) -> None:
    colleague = add_user(store, name="Grace")
    add_user(store, UserRole.ACCOUNT_ADMIN, name="Customer")
    change = BillingProfileChanges(expected_version=1, current_password=PASSWORD, iban=DE_IBAN, bank_name="Deutsche")
    updated = billing.update_billing_profile(deps, admin, change)
    assert (updated.iban, updated.version, updated.updated_by) == (DE_IBAN, 2, admin.user_id)
    previous, changed_at, changed_by = store.state.history[1]
    assert previous == saved and changed_at == updated.updated_at and changed_by == admin.user_id
    assert billing.billing_profile_version(deps, 1) == saved
    assert [(e.action, e.target_id, e.fields, e.actor_user_id) for e in store.state.audit] == [
        ("billing_profile.create", "1", FIRST_SAVE_FIELDS, admin.user_id),
        ("billing_profile.update", "2", ("bank_name", "iban"), admin.user_id),
    ]
    alerts = store.state.mails[1:]  # [0] told the only admin of that time about the first save
    assert [m.to for m in alerts] == ["ada@provider.example.com", "grace@provider.example.com"]
    assert colleague.user_id in store.state.users


def test_alert_mail_names_who_and_when_and_masks_the_ibans(saved: BillingProfile, store: Store, admin: Actor) -> None:
    author = store.state.users[admin.user_id]
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
