"""The provider's billing profile through HTTP, on SQLite and PostgreSQL: reads, the versioned partial
update, validation, re-authentication for a change of payee, the alert mail, history and races."""

from __future__ import annotations

import concurrent.futures
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select, text

from domain.entities import Actor, UserRole
from domain.errors import DomainError
from domain.services import billing
from persistence.database import make_engine
from persistence.migrate import upgrade
from persistence.tables import AuditEventRow
from support import Api, Seeded, SmtpSink

PROFILE = """legalName address { line1 line2 postalCode city region country } vatNumber registrationNumber
  bankName accountHolder iban bic paymentTermsDays paymentInstructions invoiceEmail version updatedAt"""
READ = f"query {{ billingProfile {{ {PROFILE} }} }}"
UPDATE = f"""mutation U($input: UpdateBillingProfileInput!) {{
  updateBillingProfile(input: $input) {{ billingProfile {{ {PROFILE} }} errors {{ field code message }} }}
}}"""
SUBJECT = "bank details on customer invoices were changed"
SE_IBAN = "SE4550000000058398257466"
DE_IBAN = "DE89370400440532013000"


def first_input(password: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "expectedVersion": 0,
        "currentPassword": password,
        "legalName": "  Cloud7 Nordic AB ",
        "address": {"line1": "Sveavägen 1", "postalCode": "111 57", "city": "Stockholm", "country": "se"},
        "vatNumber": "se 5560 1257 9001",
        "registrationNumber": "5560125790",
        "bankName": "Swedbank",
        "accountHolder": "Cloud7 Nordic AB",
        "iban": "se45 5000 0000 0583 9825 7466",
        "bic": "swedsess",
        "paymentTermsDays": 30,
        "paymentInstructions": "Quote the invoice number.\r\nPay in SEK.",
        "invoiceEmail": "Billing@Cloud7.Example.com",
    }
    return {**values, **overrides}


@pytest.fixture(params=["sqlite", "postgres"])
def billing_api(request: pytest.FixtureRequest, smtp: SmtpSink, tmp_path: Path) -> Iterator[Api]:
    """The app on a database of its own: the profile is a single row, and every cloud admin in the
    database is mailed about a change of payee, so these tests cannot share the run's database."""
    admin: Engine | None = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'billing.db'}"
    else:
        base = request.getfixturevalue("postgres_url").split("?")[0]
        schema = f"billing_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        with Api.start(url, smtp, tmp_path) as running:
            yield running
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def update(api: Api, token: str | None, input: dict[str, Any]) -> dict[str, Any]:
    return api.data(UPDATE, {"input": input}, token=token)["updateBillingProfile"]


def codes(result: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["field"], e["code"]) for e in result["errors"]]


def new_admin(api: Api) -> Seeded:
    return api.new_account(role=UserRole.CLOUD_ADMIN)


def saved(api: Api) -> tuple[Seeded, dict[str, Any]]:
    """A cloud admin and the profile they first saved."""
    admin = new_admin(api)
    result = update(api, admin.token, first_input(admin.password))
    assert result["errors"] == [], result
    return admin, result["billingProfile"]


def read(api: Api, token: str | None) -> Any:
    return api.data(READ, token=token)["billingProfile"]


def anonymous(api: Api, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """A request without a token and without the session cookie an earlier sign-in left in the client."""
    api.client.cookies.clear()
    return api.gql(query, variables)


# --- reading and access ----------------------------------------------------------------------------


def test_profile_is_null_until_first_saved_and_needs_a_session(billing_api: Api) -> None:
    member = billing_api.new_account(role=UserRole.MEMBER)
    assert read(billing_api, member.token) is None
    body = anonymous(billing_api, READ)
    assert body["data"] == {"billingProfile": None}
    assert [(e["path"], e["extensions"]) for e in body["errors"]] == [(["billingProfile"], {"code": "UNAUTHENTICATED"})]


def test_first_save_normalizes_and_every_signed_in_user_reads_it(billing_api: Api) -> None:
    admin, profile = saved(billing_api)
    assert {k: v for k, v in profile.items() if k != "updatedAt"} == {
        "legalName": "Cloud7 Nordic AB",
        "address": {
            "line1": "Sveavägen 1",
            "line2": None,
            "postalCode": "111 57",
            "city": "Stockholm",
            "region": None,
            "country": "SE",
        },
        "vatNumber": "SE556012579001",
        "registrationNumber": "556012-5790",
        "bankName": "Swedbank",
        "accountHolder": "Cloud7 Nordic AB",
        "iban": SE_IBAN,
        "bic": "SWEDSESS",
        "paymentTermsDays": 30,
        "paymentInstructions": "Quote the invoice number.\nPay in SEK.",
        "invoiceEmail": "Billing@cloud7.example.com",
        "version": 1,
    }
    for role in (UserRole.MEMBER, UserRole.ACCOUNT_ADMIN):
        assert read(billing_api, billing_api.new_account(role=role).token) == profile


@pytest.mark.parametrize("role", [UserRole.MEMBER, UserRole.ACCOUNT_ADMIN])
def test_only_cloud_admins_update(billing_api: Api, role: UserRole) -> None:
    user = billing_api.new_account(role=role)
    body = billing_api.gql(UPDATE, {"input": first_input(user.password)}, token=user.token)
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    refused = anonymous(billing_api, UPDATE, {"input": first_input("whatever")})
    assert refused["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert read(billing_api, user.token) is None


# --- the first save and partial updates ----------------------------------------------------------


def test_first_save_reports_every_missing_required_field_at_once(billing_api: Api) -> None:
    admin = new_admin(billing_api)
    result = update(billing_api, admin.token, {"expectedVersion": 0, "legalName": "Cloud7", "vatNumber": None})
    assert result["billingProfile"] is None
    assert codes(result) == [
        (["input", name], "REQUIRED")
        for name in ("address", "bankName", "accountHolder", "iban", "bic", "paymentTermsDays")
    ]
    nulls = {name: None for name in ("legalName", "address", "bankName", "accountHolder", "iban", "bic")}
    result = update(billing_api, admin.token, first_input(admin.password, paymentTermsDays=None, **nulls))
    assert [code for _, code in codes(result)] == ["REQUIRED"] * 7
    assert read(billing_api, admin.token) is None


def test_partial_update_keeps_left_out_fields_and_clears_nulls(billing_api: Api) -> None:
    admin, first = saved(billing_api)
    cleared = {"vatNumber": None, "registrationNumber": "", "paymentInstructions": None, "invoiceEmail": "  "}
    change = {"expectedVersion": 1, "currentPassword": admin.password, "legalName": "Cloud7 Sverige AB", **cleared}
    result = update(billing_api, admin.token, change)
    profile = result["billingProfile"]
    assert result["errors"] == [] and profile["version"] == 2
    assert profile["updatedAt"] >= first["updatedAt"]
    assert profile == {
        **first,
        "legalName": "Cloud7 Sverige AB",
        **dict.fromkeys(cleared),
        "version": 2,
        "updatedAt": profile["updatedAt"],
    }
    for name in ("legalName", "bankName", "accountHolder", "iban", "bic", "paymentTermsDays", "address"):
        change = {"expectedVersion": 2, "currentPassword": admin.password, name: None}
        refused = update(billing_api, admin.token, change)
        assert codes(refused) == [(["input", name], "REQUIRED")]
    assert read(billing_api, admin.token) == profile


def test_a_save_that_changes_nothing_keeps_the_version(billing_api: Api) -> None:
    admin, first = saved(billing_api)
    # The same IBAN and BIC typed differently are no change of payee, so no password is needed.
    same = {"expectedVersion": 1, "iban": "SE45 5000 0000 0583 9825 7466", "bic": "SWED SE SS", "bankName": "Swedbank "}
    result = update(billing_api, admin.token, same)
    assert result == {"billingProfile": first, "errors": []}


def test_every_invalid_field_is_reported_together(billing_api: Api) -> None:
    admin = new_admin(billing_api)
    bad = first_input(
        admin.password,
        legalName="x" * 141,
        address={"line1": " ", "postalCode": "1234", "city": "Sto\u202eckholm", "country": "XX", "region": "r" * 101},
        vatNumber="SE556012579101",
        bankName="Bank\nName",
        iban="SE4550000000058398257467",
        bic="SWEDXXSS",
        paymentTermsDays=121,
        paymentInstructions="p" * 501,
        invoiceEmail="not-an-email",
    )
    result = update(billing_api, admin.token, bad)
    assert result["billingProfile"] is None
    assert codes(result) == [
        (["input", "legalName"], "TOO_LONG"),
        (["input", "address", "line1"], "REQUIRED"),
        (["input", "address", "city"], "INVALID"),
        (["input", "address", "region"], "TOO_LONG"),
        (["input", "address", "country"], "INVALID"),
        (["input", "vatNumber"], "INVALID"),
        (["input", "bankName"], "INVALID"),
        (["input", "iban"], "INVALID"),
        (["input", "bic"], "INVALID"),
        (["input", "paymentTermsDays"], "INVALID"),
        (["input", "paymentInstructions"], "TOO_LONG"),
        (["input", "invoiceEmail"], "INVALID"),
    ]
    assert read(billing_api, admin.token) is None
    negative = update(billing_api, admin.token, first_input(admin.password, expectedVersion=-1, paymentTermsDays=-1))
    assert codes(negative) == [(["input", "expectedVersion"], "INVALID"), (["input", "paymentTermsDays"], "INVALID")]


def test_ibans_and_vat_numbers_of_several_countries_are_stored_compact(billing_api: Api) -> None:
    admin, _ = saved(billing_api)
    version = 1
    ibans = [
        ("de89 3704 0044 0532 0130 00", DE_IBAN),
        ("GB29-NWBK-6016-1331-9268-19", "GB29NWBK60161331926819"),
        ("no9386011117947", "NO9386011117947"),
        ("FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606"),
    ]
    for raw, stored in ibans:
        result = update(
            billing_api, admin.token, {"expectedVersion": version, "currentPassword": admin.password, "iban": raw}
        )
        assert result["errors"] == [] and result["billingProfile"]["iban"] == stored
        version += 1
    vat_numbers = [
        ("de 136 695 976", "DE136695976"),
        ("EL 094259216", "EL094259216"),
        ("FR 40 303 265 045", "FR40303265045"),
        ("GB 980 7806 84", "GB980780684"),
        ("CHE-116.281.710 MWST", "CHE116281710MWST"),
    ]
    for raw, stored in vat_numbers:
        result = update(billing_api, admin.token, {"expectedVersion": version, "vatNumber": raw})
        assert result["errors"] == [] and result["billingProfile"]["vatNumber"] == stored
        version += 1


def test_wrong_ibans_bics_and_vat_numbers_are_refused_with_reasons(billing_api: Api) -> None:
    admin = new_admin(billing_api)
    cases = [
        ("iban", "DE89370400440532013001", "INVALID", "check digits"),  # checksum off by one
        ("iban", "DE8937040044053201300", "INVALID", "length or format"),  # a digit missing
        ("iban", "NO93 8601 1117 9470", "INVALID", "length or format"),  # a digit too many
        ("iban", "XX89370400440532013000", "INVALID", "length or format"),
        ("iban", "", "REQUIRED", "required"),
        ("iban", "DE89" + "1" * 40, "TOO_LONG", "34"),
        ("bic", "SWEDSES", "INVALID", "8 or 11"),
        ("bic", "SWEDSESSXXXX", "TOO_LONG", "11"),
        ("vatNumber", "DE136695977", "INVALID", "VAT"),
        ("vatNumber", "5560125790", "INVALID", "country code"),
        ("vatNumber", "ZZ12345", "INVALID", "not a country code"),
    ]
    for name, value, code, words in cases:
        result = update(billing_api, admin.token, first_input(admin.password, **{name: value}))
        [error] = result["errors"]
        assert (error["field"], error["code"]) == (["input", name], code), (name, value, error)
        assert words.lower() in error["message"].lower(), (value, error["message"])


def test_registration_number_follows_the_address_country(billing_api: Api) -> None:
    admin = new_admin(billing_api)
    wrong = update(billing_api, admin.token, first_input(admin.password, registrationNumber="556012-5791"))
    assert codes(wrong) == [(["input", "registrationNumber"], "INVALID")]
    assert wrong["errors"][0]["message"] == "This is not a valid Swedish organization number."
    german = {"line1": "Unter den Linden 1", "postalCode": "10117", "city": "Berlin", "country": "DE"}
    number = "Berlin HRB 12345"
    result = update(billing_api, admin.token, first_input(admin.password, address=german, registrationNumber=number))
    assert result["errors"] == [] and result["billingProfile"]["registrationNumber"] == number
    # Checked by the stored address's country when the address is left out.
    refused = update(billing_api, admin.token, {"expectedVersion": 1, "registrationNumber": "HRB 12345"})
    assert codes(refused) == [(["input", "registrationNumber"], "INVALID")]
    assert refused["errors"][0]["message"] == "This is not a valid organization number for Germany."


def test_nasty_input_is_refused_quickly_and_unicode_is_kept(billing_api: Api) -> None:
    admin = new_admin(billing_api)
    huge = "é" * 60_000  # within the request size limit, far beyond every field's
    for name in ("legalName", "iban", "bic", "vatNumber", "paymentInstructions", "invoiceEmail", "currentPassword"):
        result = update(billing_api, admin.token, first_input(admin.password, **{name: huge}))
        assert result["billingProfile"] is None and result["errors"], name
    for days in ("30", 2**31, 1.5, None):
        body = billing_api.gql(UPDATE, {"input": first_input(admin.password, paymentTermsDays=days)}, token=admin.token)
        if days is None:  # null is a value here: REQUIRED, like any required field
            assert codes(body["data"]["updateBillingProfile"]) == [(["input", "paymentTermsDays"], "REQUIRED")]
        else:  # not an Int: refused by GraphQL before the service sees it
            assert body["errors"] and body.get("data") is None
    name = "Åsa Öberg 🚀 Conseile\u0301 AB"  # e and a combining acute accent compose to é
    result = update(billing_api, admin.token, first_input(admin.password, legalName=name, accountHolder=name))
    assert result["errors"] == []
    assert result["billingProfile"]["legalName"] == "Åsa Öberg 🚀 Conseilé AB"


# --- re-authentication and the alert mail ----------------------------------------------------------


def test_a_change_of_payee_needs_the_current_password(billing_api: Api) -> None:
    admin, _ = saved(billing_api)
    payee = (
        ("iban", DE_IBAN),
        ("bic", "DEUTDEFF"),
        ("accountHolder", "Somebody Else Ltd"),
        ("bankName", "Nordea"),
        ("paymentInstructions", "Pay to IBAN GB33 BUKB 2020 1555 5555 55 instead."),
    )
    for field, value in payee:
        missing = update(billing_api, admin.token, {"expectedVersion": 1, field: value})
        assert missing == {
            "billingProfile": None,
            "errors": [
                {
                    "field": ["input", "currentPassword"],
                    "code": "REAUTH_REQUIRED",
                    "message": "Changing where or how customers pay (bank name, account holder, IBAN, BIC or "
                    "payment instructions) needs your current password.",
                }
            ],
        }
        wrong = update(billing_api, admin.token, {"expectedVersion": 1, "currentPassword": "wrong-pass", field: value})
        assert codes(wrong) == [(["input", "currentPassword"], "INVALID_CREDENTIALS")]
    blank = update(billing_api, admin.token, {"expectedVersion": 1, "currentPassword": "", "iban": DE_IBAN})
    assert codes(blank) == [(["input", "currentPassword"], "REAUTH_REQUIRED")]
    assert read(billing_api, admin.token)["iban"] == SE_IBAN


def test_the_first_save_needs_the_password_too(billing_api: Api) -> None:
    admin = new_admin(billing_api)
    missing = update(billing_api, admin.token, first_input(admin.password, currentPassword=None))
    assert codes(missing) == [(["input", "currentPassword"], "REAUTH_REQUIRED")]
    wrong = update(billing_api, admin.token, first_input("wrong-password"))
    assert codes(wrong) == [(["input", "currentPassword"], "INVALID_CREDENTIALS")]
    assert read(billing_api, admin.token) is None


def test_wrong_passwords_count_like_failed_sign_ins(billing_api: Api) -> None:
    admin, _ = saved(billing_api)
    attempt = {"expectedVersion": 1, "iban": DE_IBAN, "currentPassword": "wrong-password"}
    results = [codes(update(billing_api, admin.token, attempt)) for _ in range(11)]
    assert results[:10] == [[(["input", "currentPassword"], "INVALID_CREDENTIALS")]] * 10
    assert results[10][0][1] == "TOO_MANY_ATTEMPTS"
    right = update(billing_api, admin.token, {**attempt, "currentPassword": admin.password})
    assert codes(right)[0][1] == "TOO_MANY_ATTEMPTS"
    billing_api.client.cookies.clear()  # a new device (no device cookie): the account lock applies to it
    login = billing_api.gql(
        "mutation L($input: LoginInput!) { login(input: $input) { errors { code } } }",
        {"input": {"email": admin.email, "password": admin.password}},
    )
    assert login["data"]["login"]["errors"] == [{"code": "TOO_MANY_ATTEMPTS"}]


def test_every_cloud_admin_is_told_who_changed_the_iban_and_when(billing_api: Api) -> None:
    admin, _ = saved(billing_api)
    colleague = billing_api.new_user(admin.account_id, UserRole.CLOUD_ADMIN)
    bystander = billing_api.new_account(role=UserRole.ACCOUNT_ADMIN)
    result = update(
        billing_api,
        admin.token,
        {"expectedVersion": 1, "currentPassword": admin.password, "iban": DE_IBAN, "bic": "deutdeff"},
    )
    assert result["errors"] == []
    changed_at = result["billingProfile"]["updatedAt"]
    for recipient, count in ((admin.email, 2), (colleague.email, 1)):  # the admin was told of the first save
        mail = billing_api.smtp.wait_for(recipient, subject=SUBJECT, count=count)
        body = mail.get_body(("plain",)).get_content()
        assert f"Alva Ekström <{admin.email}>" in body
        assert f"{changed_at[:10]} {changed_at[11:19]} UTC" in body
        assert "IBAN before: **** **** **** **** **** 7466" in body
        assert "IBAN now:    **** **** **** **** **30 00" in body
        assert "Changed: IBAN, BIC" in body and "BIC: SWEDSESS -> DEUTDEFF" in body
        assert SE_IBAN not in body and DE_IBAN not in body and "0583" not in body
    assert billing_api.smtp.to(bystander.email) == []


def test_first_save_mail_has_no_previous_iban(billing_api: Api) -> None:
    admin, _ = saved(billing_api)
    body = billing_api.smtp.wait_for(admin.email, subject=SUBJECT).get_body(("plain",)).get_content()
    assert "IBAN before: (none)" in body and "IBAN now:    **** **** **** **** **** 7466" in body


def test_changes_outside_the_payee_need_no_password_and_send_no_alert(billing_api: Api) -> None:
    admin, _ = saved(billing_api)
    billing_api.smtp.wait_for(admin.email, subject=SUBJECT)
    change = {"expectedVersion": 1, "paymentTermsDays": 0, "legalName": "Cloud7 AB", "vatNumber": None}
    result = update(billing_api, admin.token, change)
    assert result["errors"] == [] and result["billingProfile"]["paymentTermsDays"] == 0
    with pytest.raises(AssertionError):
        billing_api.smtp.wait_for(admin.email, subject=SUBJECT, count=2, timeout=0.5)


def test_new_payment_instructions_and_invoice_email_are_mailed_to_every_cloud_admin(billing_api: Api) -> None:
    admin, _ = saved(billing_api)
    colleague = billing_api.new_user(admin.account_id, UserRole.CLOUD_ADMIN)
    forged = "Pay to IBAN GB33 BUKB 2020 1555 5555 55 from now on."
    change = {"expectedVersion": 1, "currentPassword": admin.password, "paymentInstructions": forged}
    assert update(billing_api, admin.token, change)["errors"] == []
    body = billing_api.smtp.wait_for(colleague.email, subject=SUBJECT).get_body(("plain",)).get_content()
    assert "Changed: payment instructions" in body and "Payment instructions now:" in body and forged in body
    # The invoice email needs no password, but every cloud admin hears of it.
    moved = update(billing_api, admin.token, {"expectedVersion": 2, "invoiceEmail": "invoices@elsewhere.example"})
    assert moved["errors"] == []
    body = billing_api.smtp.wait_for(colleague.email, subject=SUBJECT, count=2).get_body(("plain",)).get_content()
    assert "Changed: invoice email" in body
    assert "Invoice email: Billing@cloud7.example.com -> invoices@elsewhere.example" in body


# --- versions, history and audit --------------------------------------------------------------------


def test_stale_versions_conflict_and_change_nothing(billing_api: Api) -> None:
    admin = new_admin(billing_api)
    assert codes(update(billing_api, admin.token, {"expectedVersion": 1, "legalName": "X"})) == [
        (["input", "expectedVersion"], "VERSION_CONFLICT")
    ]
    admin, first = saved(billing_api)
    assert codes(update(billing_api, admin.token, first_input(admin.password))) == [
        (["input", "expectedVersion"], "VERSION_CONFLICT")
    ]
    assert update(billing_api, admin.token, {"expectedVersion": 1, "legalName": "Two"})["errors"] == []
    stale = update(billing_api, admin.token, {"expectedVersion": 1, "legalName": "Three"})
    assert stale["errors"][0]["code"] == "VERSION_CONFLICT"
    assert read(billing_api, admin.token)["legalName"] == "Two"


def test_every_version_is_kept_and_recoverable_by_time(billing_api: Api) -> None:
    admin, first = saved(billing_api)
    second = update(
        billing_api, admin.token, {"expectedVersion": 1, "currentPassword": admin.password, "iban": DE_IBAN}
    )["billingProfile"]
    update(billing_api, admin.token, {"expectedVersion": 2, "legalName": "Third AB"})
    deps = billing_api.deps
    v1 = billing.billing_profile_version(deps, 1)
    v2 = billing.billing_profile_version(deps, 2)
    v3 = billing.billing_profile_version(deps, 3)
    assert v1 is not None and v2 is not None and v3 is not None
    assert (v1.iban, v1.legal_name, v2.iban, v2.legal_name, v3.legal_name) == (
        SE_IBAN,
        "Cloud7 Nordic AB",
        DE_IBAN,
        "Cloud7 Nordic AB",
        "Third AB",
    )
    assert v1.updated_by == v2.updated_by == admin.user_id
    assert billing.billing_profile_version(deps, 4) is None
    assert v1.updated_at is not None and v2.updated_at is not None and v3.updated_at is not None
    assert second["version"] == 2 and first["version"] == 1


def test_the_audit_event_names_the_changed_fields_only(billing_api: Api) -> None:
    admin, _ = saved(billing_api)
    update(
        billing_api,
        admin.token,
        {"expectedVersion": 1, "currentPassword": admin.password, "iban": DE_IBAN, "legalName": "Cloud7 Nordic AB"},
    )
    update(billing_api, admin.token, {"expectedVersion": 2, "invoiceEmail": None, "paymentTermsDays": 45})
    audit = AuditEventRow.__table__
    stmt = select(audit.c.action, audit.c.target_id, audit.c.fields).where(
        audit.c.actor_user_id == admin.user_id, audit.c.target_type == "BillingProfile"
    )
    with billing_api.runtime.engine.connect() as conn:
        events = sorted(conn.execute(stmt).all(), key=lambda e: e.target_id)
    assert [tuple(e) for e in events] == [
        (
            "billing_profile.create",
            "1",
            [
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
            ],
        ),
        ("billing_profile.update", "2", ["iban"]),
        ("billing_profile.update", "3", ["payment_terms_days", "invoice_email"]),
    ]


# --- races --------------------------------------------------------------------------------------------


def race(api: Api, calls: list[Callable[[Any], object]]) -> list[str]:
    """Run the calls in threads that have all read the profile before any of them writes."""
    barrier = threading.Barrier(len(calls))
    local = threading.local()
    real = api.deps.uow

    def uow(*, write: bool = True) -> Any:
        if write and not getattr(local, "waited", False):
            local.waited = True
            barrier.wait(timeout=30)
        return real(write=write)

    deps = replace(api.deps, uow=uow)

    def run(call: Callable[[Any], object]) -> str:
        try:
            call(deps)
        except DomainError as error:
            return error.code
        return "OK"

    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        return sorted(pool.map(run, calls))


def actor_of(seeded: Seeded) -> Actor:
    return Actor(seeded.user_id, seeded.account_id, UserRole.CLOUD_ADMIN)


def test_two_updates_from_the_same_version_one_wins(billing_api: Api) -> None:
    admin, _ = saved(billing_api)
    calls = [
        lambda deps, name=name: billing.update_billing_profile(
            deps, actor_of(admin), billing.BillingProfileChanges(expected_version=1, legal_name=name)
        )
        for name in ("Left AB", "Right AB")
    ]
    assert race(billing_api, calls) == ["OK", "VERSION_CONFLICT"]
    profile = read(billing_api, admin.token)
    assert profile["version"] == 2 and profile["legalName"] in ("Left AB", "Right AB")
    v1 = billing.billing_profile_version(billing_api.deps, 1)
    assert v1 is not None and v1.legal_name == "Cloud7 Nordic AB"


def test_two_racing_first_saves_one_wins(billing_api: Api) -> None:
    admins = [new_admin(billing_api), new_admin(billing_api)]

    def first_save(admin: Seeded) -> Callable[[Any], object]:
        changes = billing.BillingProfileChanges(
            expected_version=0,
            current_password=admin.password,
            legal_name=f"Provider of {admin.email}",
            address=billing.Address(line1="Gatan 1", postal_code="11157", city="Stockholm", country="SE"),
            bank_name="Swedbank",
            account_holder="Cloud7 Nordic AB",
            iban=SE_IBAN,
            bic="SWEDSESS",
            payment_terms_days=30,
        )
        return lambda deps: billing.update_billing_profile(deps, actor_of(admin), changes)

    assert race(billing_api, [first_save(a) for a in admins]) == ["OK", "VERSION_CONFLICT"]
    profile = read(billing_api, admins[0].token)
    assert profile["version"] == 1 and profile["legalName"] in {f"Provider of {a.email}" for a in admins}


def test_concurrent_http_updates_from_one_version_have_one_winner(billing_api: Api) -> None:
    admin, _ = saved(billing_api)

    def attempt(i: int) -> str:
        result = update(billing_api, admin.token, {"expectedVersion": 1, "legalName": f"Name {i}"})
        return result["errors"][0]["code"] if result["errors"] else "OK"

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        outcomes = sorted(pool.map(attempt, range(6)))
    assert outcomes == ["OK"] + ["VERSION_CONFLICT"] * 5
    assert read(billing_api, admin.token)["version"] == 2


def test_a_profile_read_again_is_remembered_until_it_changes(billing_api: Api) -> None:
    """The profile and its answer are remembered by its row (persistence.prepared, schema.memo): reads
    of an unchanged profile share them, and a change (an address line too) is seen at the next read."""
    admin, first = saved(billing_api)
    with billing_api.deps.uow(write=False) as uow:
        entity = uow.billing.get()
    with billing_api.deps.uow(write=False) as uow:
        assert uow.billing.get() is entity
    assert read(billing_api, admin.token) == read(billing_api, admin.token) == first  # the second from its plan
    address = {**first["address"], "line2": "Plan 3"}
    change = {"expectedVersion": 1, "currentPassword": admin.password, "address": address, "iban": DE_IBAN}
    assert update(billing_api, admin.token, change)["errors"] == []
    changed = read(billing_api, admin.token)
    assert changed["address"]["line2"] == "Plan 3" and changed["iban"] == DE_IBAN and changed["version"] == 2
    with billing_api.deps.uow(write=False) as uow:
        assert uow.billing.get() is not entity
