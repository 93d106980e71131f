"""updateCustomerInfo through HTTP on SQLite and PostgreSQL: partial, versioned, validated, admins only."""

from __future__ import annotations

import concurrent.futures
from typing import Any

from domain.entities import AccountKind, UserRole
from support import Api

UPDATE = """
mutation U($input: UpdateCustomerInfoInput!) {
  updateCustomerInfo(input: $input) {
    customerInfo { companyName contactPerson purchaseOrderNumber version updatedAt
      address { line1 line2 postalCode city region country } }
    errors { field code message }
  }
}
"""
READ = """{ me { account { customerInfo { companyName contactPerson purchaseOrderNumber version
  address { line1 line2 postalCode city region country } } } } }"""

ADDRESS = {
    "line1": "  Drottninggatan 1 ",
    "line2": None,
    "postalCode": "111 51",
    "city": "Stockholm",
    "region": "",
    "country": "se",
}


def update(api: Api, token: str | None, **fields: Any) -> dict[str, Any]:
    return api.data(UPDATE, {"input": {"expectedVersion": 1, **fields}}, token=token)["updateCustomerInfo"]


def info_of(api: Api, token: str | None) -> dict[str, Any]:
    return api.data(READ, token=token)["me"]["account"]["customerInfo"]


def codes(result: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["field"], e["code"]) for e in result["errors"]]


def test_admin_updates_every_field_normalized(api: Api) -> None:
    admin = api.new_account()
    result = update(
        api,
        admin.token,
        companyName="  Åkesson & Co AB ",
        contactPerson="Ångström Åsa",
        address=ADDRESS,
        purchaseOrderNumber=" PO-2026/17 ",
    )
    assert result["errors"] == []
    saved = result["customerInfo"]
    assert saved["companyName"] == "Åkesson & Co AB"
    assert saved["contactPerson"] == "Ångström Åsa"
    assert saved["purchaseOrderNumber"] == "PO-2026/17"
    assert saved["address"] == {
        "line1": "Drottninggatan 1",
        "line2": None,
        "postalCode": "111 51",
        "city": "Stockholm",
        "region": None,
        "country": "SE",
    }
    assert saved["version"] == 2
    read = info_of(api, admin.token)
    assert read == {k: v for k, v in saved.items() if k != "updatedAt"}


def test_partial_update_keeps_left_out_fields_and_null_clears(api: Api) -> None:
    admin = api.new_account()
    first = update(api, admin.token, address=ADDRESS, purchaseOrderNumber="PO-1")["customerInfo"]
    only_po = api.data(UPDATE, {"input": {"expectedVersion": 2, "purchaseOrderNumber": None}}, token=admin.token)
    saved = only_po["updateCustomerInfo"]["customerInfo"]
    assert saved["purchaseOrderNumber"] is None
    assert saved["address"] == first["address"] and saved["companyName"] == first["companyName"]
    assert saved["version"] == 3
    cleared = api.data(UPDATE, {"input": {"expectedVersion": 3, "address": None}}, token=admin.token)
    assert cleared["updateCustomerInfo"]["customerInfo"]["address"] is None


def test_stale_version_is_a_conflict_and_changes_nothing(api: Api) -> None:
    admin = api.new_account()
    assert update(api, admin.token, contactPerson="Bo Ek")["errors"] == []
    stale = update(api, admin.token, contactPerson="Someone Else")
    assert stale["customerInfo"] is None
    assert codes(stale) == [(["input", "expectedVersion"], "VERSION_CONFLICT")]
    assert info_of(api, admin.token)["contactPerson"] == "Bo Ek"


def test_concurrent_updates_from_one_version_let_exactly_one_win(api: Api) -> None:
    admin = api.new_account()
    names = [f"Person {i}" for i in range(6)]
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda name: update(api, admin.token, contactPerson=name), names))
    winners = [r for r in results if r["errors"] == []]
    assert len(winners) == 1
    assert all(codes(r) == [(["input", "expectedVersion"], "VERSION_CONFLICT")] for r in results if r not in winners)
    final = info_of(api, admin.token)
    assert final["version"] == 2 and final["contactPerson"] == winners[0]["customerInfo"]["contactPerson"]


def test_a_change_that_changes_nothing_keeps_the_version(api: Api) -> None:
    admin = api.new_account()
    person = info_of(api, admin.token)["contactPerson"]
    result = update(api, admin.token, contactPerson=f"  {person}  ")
    assert result["errors"] == [] and result["customerInfo"]["version"] == 1


def test_business_accounts_need_a_company_name(api: Api) -> None:
    admin = api.new_account()
    for value in (None, "   "):
        result = update(api, admin.token, companyName=value)
        assert codes(result) == [(["input", "companyName"], "REQUIRED")]
    assert codes(update(api, admin.token, companyName="x" * 201)) == [(["input", "companyName"], "TOO_LONG")]


def test_individual_accounts_have_no_company_name(api: Api) -> None:
    admin = api.new_account(AccountKind.INDIVIDUAL)
    refused = update(api, admin.token, companyName="Holm AB")
    assert refused["errors"] == [
        {"field": ["input", "companyName"], "code": "INVALID", "message": "Individual accounts have no company name."}
    ]
    allowed = update(api, admin.token, companyName=None, contactPerson="Ingrid Holm")
    assert allowed["errors"] == [] and allowed["customerInfo"]["companyName"] is None


def test_contact_person_is_one_to_a_hundred_plain_characters(api: Api) -> None:
    admin = api.new_account()
    assert codes(update(api, admin.token, contactPerson="")) == [(["input", "contactPerson"], "REQUIRED")]
    assert codes(update(api, admin.token, contactPerson=None)) == [(["input", "contactPerson"], "REQUIRED")]
    assert codes(update(api, admin.token, contactPerson="a" * 101)) == [(["input", "contactPerson"], "TOO_LONG")]
    assert codes(update(api, admin.token, contactPerson="a" * 100_000)) == [(["input", "contactPerson"], "TOO_LONG")]
    assert codes(update(api, admin.token, contactPerson="Bo\u202eEk")) == [(["input", "contactPerson"], "INVALID")]
    assert codes(update(api, admin.token, contactPerson="Bo\nEk")) == [(["input", "contactPerson"], "INVALID")]
    # "e" + combining acute is NFC-composed to one character, so 100 of them fit.
    assert update(api, admin.token, contactPerson="e\u0301" * 100)["customerInfo"]["contactPerson"] == "é" * 100


def test_every_bad_address_part_is_reported_at_once(api: Api) -> None:
    admin = api.new_account()
    bad = {"line1": " ", "postalCode": "ABC", "city": "", "country": "SE", "region": "r" * 101}
    result = update(api, admin.token, address=bad, purchaseOrderNumber="p" * 65)
    assert result["customerInfo"] is None
    assert sorted(codes(result)) == sorted(
        [
            (["input", "address", "line1"], "REQUIRED"),
            (["input", "address", "city"], "REQUIRED"),
            (["input", "address", "region"], "TOO_LONG"),
            (["input", "address", "postalCode"], "INVALID"),
            (["input", "purchaseOrderNumber"], "TOO_LONG"),
        ]
    )
    assert info_of(api, admin.token)["address"] is None


def test_address_country_must_be_an_assigned_code_and_postal_code_fit_it(api: Api) -> None:
    admin = api.new_account()
    for country in ("UK", "XX", "Sweden", "", "S€"):
        result = update(api, admin.token, address={**ADDRESS, "country": country})
        assert [c for f, c in codes(result) if f == ["input", "address", "country"]], (country, result)
    wrong_zip = update(api, admin.token, address={**ADDRESS, "country": "GB", "postalCode": "11151"})
    assert codes(wrong_zip) == [(["input", "address", "postalCode"], "INVALID")]
    assert "United Kingdom" in wrong_zip["errors"][0]["message"]
    ok = update(api, admin.token, address={**ADDRESS, "country": "GB", "postalCode": "sw1a 1aa"})
    assert ok["customerInfo"]["address"]["postalCode"] == "SW1A 1AA"


def test_purchase_order_number_is_printable(api: Api) -> None:
    admin = api.new_account()
    assert codes(update(api, admin.token, purchaseOrderNumber="PO\t1")) == [
        (["input", "purchaseOrderNumber"], "INVALID")
    ]
    assert update(api, admin.token, purchaseOrderNumber="p" * 64)["errors"] == []


def test_member_is_forbidden_but_reads(api: Api) -> None:
    admin = api.new_account()
    member = api.new_user(admin.account_id, UserRole.MEMBER)
    body = api.gql(UPDATE, {"input": {"expectedVersion": 1, "contactPerson": "Mallory"}}, token=member.token)
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    assert info_of(api, member.token)["contactPerson"] == "Alva Ekström"


def test_signed_out_callers_are_unauthenticated(api: Api) -> None:
    body = api.gql(UPDATE, {"input": {"expectedVersion": 1}})
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


def test_wrong_types_are_graphql_errors(api: Api) -> None:
    admin = api.new_account()
    body = api.gql(UPDATE, {"input": {"expectedVersion": "one"}}, token=admin.token)
    assert "data" not in body or body["data"] is None
    body = api.gql(UPDATE, {"input": {"expectedVersion": 1, "address": {"line1": "x"}}}, token=admin.token)
    assert body["errors"] and body.get("data") is None
