"""Transfer requests through HTTP on SQLite and PostgreSQL: submit, cancel, resolve, list, access."""

from __future__ import annotations

import concurrent.futures
import threading
import uuid
from email.message import EmailMessage
from typing import Any

import pytest

from domain.entities import AccountKind, UserRole
from schema.ids import from_global_id, to_global_id
from support import Api, Seeded, unique_orgnr, unique_personnummer

ERRORS = "errors { field code message }"
REQUEST = """transferRequest { id status currentNumber requestedNumber newHolderName reason submittedAt
  resolvedAt resolutionNote account { id organizationNumber personalNumber } }"""
SUBMIT = (
    "mutation S($input: SubmitTransferRequestInput!) "
    f"{{ submitTransferRequest(input: $input) {{ {REQUEST} {ERRORS} }} }}"
)
CANCEL = (
    "mutation C($input: CancelTransferRequestInput!) "
    f"{{ cancelTransferRequest(input: $input) {{ {REQUEST} {ERRORS} }} }}"
)
RESOLVE = (
    "mutation R($input: ResolveTransferRequestInput!) "
    f"{{ resolveTransferRequest(input: $input) {{ {REQUEST} {ERRORS} }} }}"
)
LIST = "query L($status: TransferRequestStatus) { transferRequests(status: $status) { id status account { id } } }"
MINE = "{ me { account { id organizationNumber personalNumber transferRequests { id status } } } }"
NODE = "query N($id: ID!) { node(id: $id) { id ... on TransferRequest { status account { id } } } }"


def run(api: Api, query: str, token: str | None, **input: Any) -> dict[str, Any]:
    return next(iter(api.data(query, {"input": input}, token=token).values()))


def mail_to(api: Api, email: str, subject: str) -> EmailMessage:
    # Generous: the session database's outbox may still hold earlier tests' mail for this worker.
    return api.smtp.wait_for(email, subject=subject, timeout=30)


def codes(result: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["field"], e["code"]) for e in result["errors"]]


def submit(api: Api, admin: Seeded, number: str | None = None, **extra: Any) -> dict[str, Any]:
    fields = {"requestedNumber": unique_orgnr() if number is None else number, "newHolderName": "Nya Ägare AB", **extra}
    return run(api, SUBMIT, admin.token, **fields)


def account_of(api: Api, token: str | None) -> dict[str, Any]:
    return api.data(MINE, token=token)["me"]["account"]


def cloud_admin(api: Api) -> Seeded:
    return api.new_account(role=UserRole.CLOUD_ADMIN)


# ---------------------------------------------------------------- submitting


def test_submit_checks_and_normalizes_the_number(api: Api) -> None:
    admin = api.new_account()
    before = account_of(api, admin.token)["organizationNumber"]
    number = unique_orgnr()
    result = submit(api, admin, " " + number.replace("-", "") + " ", reason="  Sold to\r\nNya Ägare AB  ")
    assert result["errors"] == []
    request = result["transferRequest"]
    assert request["status"] == "SUBMITTED" and request["currentNumber"] == before
    assert request["requestedNumber"] == number and request["newHolderName"] == "Nya Ägare AB"
    assert request["reason"] == "Sold to\nNya Ägare AB"
    assert request["resolvedAt"] is None and request["resolutionNote"] is None
    assert request["account"]["organizationNumber"] == before  # nothing changes before approval
    assert account_of(api, admin.token)["transferRequests"] == [{"id": request["id"], "status": "SUBMITTED"}]


def test_individual_accounts_transfer_personal_numbers(api: Api) -> None:
    admin = api.new_account(AccountKind.INDIVIDUAL)
    number = unique_personnummer()
    short = number[2:].replace("-", "")  # YYMMDDNNNN
    result = submit(api, admin, short)
    # Stored and shown in the one 12-digit form, whichever form was typed.
    assert result["errors"] == [] and result["transferRequest"]["requestedNumber"] == number
    assert codes(submit(api, api.new_account(AccountKind.INDIVIDUAL), unique_orgnr())) == [
        (["input", "requestedNumber"], "INVALID")
    ]


def test_submit_reports_every_bad_field_at_once(api: Api) -> None:
    admin = api.new_account()
    digits = unique_orgnr().replace("-", "")
    bad_checksum = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    result = submit(api, admin, bad_checksum, newHolderName=" ", reason="r" * 2001)
    assert result["transferRequest"] is None
    assert result["errors"] == [
        {
            "field": ["input", "requestedNumber"],
            "code": "INVALID",
            "message": "This is not a valid Swedish organization number.",
        },
        {"field": ["input", "newHolderName"], "code": "REQUIRED", "message": "The new holder's name is required."},
        {"field": ["input", "reason"], "code": "TOO_LONG", "message": "The reason can be at most 2000 characters."},
    ]
    assert account_of(api, admin.token)["transferRequests"] == []


def test_submit_refuses_odd_input(api: Api) -> None:
    admin = api.new_account()
    current = account_of(api, admin.token)["organizationNumber"]
    assert codes(submit(api, admin, current.replace("-", ""))) == [(["input", "requestedNumber"], "INVALID")]
    assert codes(submit(api, admin, "")) == [(["input", "requestedNumber"], "REQUIRED")]
    assert codes(submit(api, admin, "5" * 100_000)) == [(["input", "requestedNumber"], "TOO_LONG")]
    assert codes(submit(api, admin, "556012-579O")) == [(["input", "requestedNumber"], "INVALID")]
    assert codes(submit(api, admin, newHolderName="n" * 201)) == [(["input", "newHolderName"], "TOO_LONG")]
    assert codes(submit(api, admin, newHolderName="Bo\u200bEk")) == [(["input", "newHolderName"], "INVALID")]
    assert codes(submit(api, admin, reason="why\x07")) == [(["input", "reason"], "INVALID")]
    body = api.gql(SUBMIT, {"input": {"requestedNumber": 5560125790, "newHolderName": "X"}}, token=admin.token)
    assert body.get("data") is None and body["errors"]


def test_full_width_digits_are_stored_in_ascii(api: Api) -> None:
    admin = api.new_account()
    number = unique_orgnr()
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    assert submit(api, admin, wide)["transferRequest"]["requestedNumber"] == number


def test_one_submitted_request_at_a_time(api: Api) -> None:
    admin = api.new_account()
    first = submit(api, admin)["transferRequest"]
    second = submit(api, admin)
    assert second == {
        "transferRequest": None,
        "errors": [
            {
                "field": [],
                "code": "PENDING_REQUEST_EXISTS",
                "message": "A transfer request is waiting already; cancel it or wait for its answer.",
            }
        ],
    }
    assert run(api, CANCEL, admin.token, transferRequestId=first["id"])["errors"] == []
    assert submit(api, admin)["errors"] == []


def test_concurrent_submissions_make_one_request(api: Api) -> None:
    admin = api.new_account()
    start = threading.Barrier(4)

    def attempt(_: int) -> dict[str, Any]:
        start.wait()
        return submit(api, admin)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(attempt, range(4)))
    assert sorted(c for r in results for _, c in codes(r)) == ["PENDING_REQUEST_EXISTS"] * 3
    assert len(account_of(api, admin.token)["transferRequests"]) == 1


# ---------------------------------------------------------------- cancelling


def test_cancel_only_while_submitted(api: Api) -> None:
    admin = api.new_account()
    request = submit(api, admin)["transferRequest"]
    cancelled = run(api, CANCEL, admin.token, transferRequestId=request["id"])
    assert cancelled["errors"] == []
    assert cancelled["transferRequest"]["status"] == "CANCELLED" and cancelled["transferRequest"]["resolvedAt"]
    again = run(api, CANCEL, admin.token, transferRequestId=request["id"])
    assert again["errors"] == [
        {
            "field": ["input", "transferRequestId"],
            "code": "INVALID",
            "message": "Only a submitted request can be cancelled; this one is CANCELLED.",
        }
    ]
    resolved = run(api, RESOLVE, cloud_admin(api).token, transferRequestId=request["id"], approve=True)
    assert codes(resolved) == [(["input", "transferRequestId"], "INVALID")]


def test_other_accounts_request_answers_like_a_made_up_id(api: Api) -> None:
    admin = api.new_account()
    victim = api.new_account()
    foreign = submit(api, victim)["transferRequest"]["id"]
    made_up = to_global_id("TransferRequest", uuid.uuid4())
    parsed = from_global_id(foreign)
    assert parsed is not None
    wrong_type = to_global_id("ContactEmail", parsed[1])
    answers = [run(api, CANCEL, admin.token, transferRequestId=i) for i in (foreign, made_up, "nope", wrong_type)]
    assert all(a == answers[0] for a in answers)
    assert answers[0] == {
        "transferRequest": None,
        "errors": [
            {"field": ["input", "transferRequestId"], "code": "NOT_FOUND", "message": "No such transfer request."}
        ],
    }
    assert api.data(NODE, {"id": foreign}, token=admin.token) == {"node": None}
    assert account_of(api, victim.token)["transferRequests"][0]["status"] == "SUBMITTED"


# ---------------------------------------------------------------- resolving


def test_approval_applies_the_number_and_mails_the_admins(api: Api) -> None:
    admin = api.new_account()
    second_admin = api.new_user(admin.account_id, UserRole.ACCOUNT_ADMIN)
    member = api.new_user(admin.account_id, UserRole.MEMBER)
    number = unique_orgnr()
    request = submit(api, admin, number)["transferRequest"]
    operator = cloud_admin(api)
    result = run(api, RESOLVE, operator.token, transferRequestId=request["id"], approve=True, note="Checked\nOK")
    assert result["errors"] == []
    resolved = result["transferRequest"]
    assert resolved["status"] == "APPROVED" and resolved["resolutionNote"] == "Checked\nOK" and resolved["resolvedAt"]
    assert resolved["account"]["organizationNumber"] == number
    assert account_of(api, member.token)["organizationNumber"] == number
    for user in (admin, second_admin):
        mail = mail_to(api, user.email, "Your transfer request was approved")
        body = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
        assert "Note from the provider:\nChecked\nOK" in body and number not in body
    assert api.smtp.to(member.email) == []


def test_rejection_keeps_the_number_and_stores_the_note(api: Api) -> None:
    admin = api.new_account()
    before = account_of(api, admin.token)["organizationNumber"]
    request = submit(api, admin)["transferRequest"]
    result = run(api, RESOLVE, cloud_admin(api).token, transferRequestId=request["id"], approve=False, note=" Missing ")
    assert result["errors"] == [] and result["transferRequest"]["status"] == "REJECTED"
    assert result["transferRequest"]["resolutionNote"] == "Missing"
    assert account_of(api, admin.token)["organizationNumber"] == before
    assert "Missing" in mail_to(api, admin.email, "rejected").get_body(("plain",)).get_content()


def test_resolve_refuses_what_it_cannot_resolve(api: Api) -> None:
    admin = api.new_account()
    operator = cloud_admin(api)
    request = submit(api, admin)["transferRequest"]
    made_up = to_global_id("TransferRequest", uuid.uuid4())
    assert codes(run(api, RESOLVE, operator.token, transferRequestId=made_up, approve=True)) == [
        (["input", "transferRequestId"], "NOT_FOUND")
    ]
    too_long = run(api, RESOLVE, operator.token, transferRequestId=request["id"], approve=True, note="n" * 2001)
    assert codes(too_long) == [(["input", "note"], "TOO_LONG")]
    assert run(api, RESOLVE, operator.token, transferRequestId=request["id"], approve=False)["errors"] == []
    twice = run(api, RESOLVE, operator.token, transferRequestId=request["id"], approve=True)
    assert twice["errors"] == [
        {
            "field": ["input", "transferRequestId"],
            "code": "INVALID",
            "message": "Only a submitted request can be resolved; this one is REJECTED.",
        }
    ]


def test_approval_refuses_a_number_another_account_took_meanwhile(api: Api) -> None:
    admin = api.new_account()
    other = api.new_account()
    taken = account_of(api, other.token)["organizationNumber"]
    request = submit(api, admin, taken)["transferRequest"]
    result = run(api, RESOLVE, cloud_admin(api).token, transferRequestId=request["id"], approve=True)
    assert codes(result) == [([], "INVALID")]
    assert account_of(api, admin.token)["transferRequests"][0]["status"] == "SUBMITTED"


def test_concurrent_resolutions_resolve_once(api: Api) -> None:
    admin = api.new_account()
    request = submit(api, admin)["transferRequest"]
    operator = cloud_admin(api)
    start = threading.Barrier(2)

    def resolve(approve: bool) -> dict[str, Any]:
        start.wait()
        return run(api, RESOLVE, operator.token, transferRequestId=request["id"], approve=approve)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(resolve, [True, False]))
    assert sorted(c for r in results for _, c in codes(r)) == ["INVALID"]
    winner = next(r for r in results if not r["errors"])["transferRequest"]
    mine = account_of(api, admin.token)
    assert mine["transferRequests"][0]["status"] == winner["status"]
    assert (mine["organizationNumber"] == request["requestedNumber"]) == (winner["status"] == "APPROVED")


# ---------------------------------------------------------------- reading and access


def test_cloud_admin_lists_every_account_oldest_first(api: Api) -> None:
    first, second = api.new_account(), api.new_account(AccountKind.INDIVIDUAL)
    one = submit(api, first)["transferRequest"]["id"]
    two = submit(api, second, unique_personnummer())["transferRequest"]["id"]
    operator = cloud_admin(api)
    run(api, RESOLVE, operator.token, transferRequestId=one, approve=False)
    listed = api.data(LIST, token=operator.token)["transferRequests"]
    ours = [r for r in listed if r["id"] in (one, two)]
    assert [(r["id"], r["status"]) for r in ours] == [(one, "REJECTED"), (two, "SUBMITTED")]
    submitted = api.data(LIST, {"status": "SUBMITTED"}, token=operator.token)["transferRequests"]
    assert two in [r["id"] for r in submitted] and one not in [r["id"] for r in submitted]
    assert {r["status"] for r in submitted} == {"SUBMITTED"}
    node = api.data(NODE, {"id": one}, token=operator.token)["node"]
    assert node["status"] == "REJECTED" and node["account"]["id"] == to_global_id("Account", first.account_id)


def test_only_cloud_admins_list_or_resolve(api: Api) -> None:
    admin = api.new_account()
    member = api.new_user(admin.account_id, UserRole.MEMBER)
    request = submit(api, admin)["transferRequest"]["id"]
    for token in (admin.token, member.token):
        assert api.gql(LIST, token=token)["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
        body = api.gql(RESOLVE, {"input": {"transferRequestId": request, "approve": True}}, token=token)
        assert body["data"] is None and body["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    api.client.cookies.clear()  # sign-ins above left a session cookie in the client
    assert api.gql(LIST)["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


def test_members_read_their_accounts_requests_but_cannot_change_them(api: Api) -> None:
    admin = api.new_account()
    member = api.new_user(admin.account_id, UserRole.MEMBER)
    request = submit(api, admin)["transferRequest"]["id"]
    assert account_of(api, member.token)["transferRequests"] == [{"id": request, "status": "SUBMITTED"}]
    assert api.data(NODE, {"id": request}, token=member.token)["node"]["status"] == "SUBMITTED"
    for query, input in (
        (SUBMIT, {"requestedNumber": unique_orgnr(), "newHolderName": "X"}),
        (CANCEL, {"transferRequestId": request}),
    ):
        body = api.gql(query, {"input": input}, token=member.token)
        assert body["data"] is None and body["errors"][0]["extensions"] == {"code": "FORBIDDEN"}


def test_two_accounts_never_end_up_with_the_same_number(api: Api) -> None:
    """The database backs the service's check: a number taken by a racing write is refused, not a 500."""
    from domain.errors import AlreadyExists, Invalid
    from domain.services import accounts
    from support import unique_orgnr

    number = unique_orgnr()
    spec = dict(kind=AccountKind.BUSINESS, company_name="Twin AB", contact_person="Ann Berg")
    accounts.create_account(api.deps, number=number, contact_email="twin-a@example.com", **spec)
    with pytest.raises(AlreadyExists):
        accounts.create_account(api.deps, number=number, contact_email="twin-b@example.com", **spec)
    other = api.new_account()
    with api.deps.uow() as uow, pytest.raises(Invalid):
        uow.accounts.set_number(other.account_id, "BUSINESS", number)


def test_the_current_personal_number_typed_in_its_short_form_is_still_the_current_one(api: Api) -> None:
    admin = api.new_account(AccountKind.INDIVIDUAL)
    current = api.data("{ me { account { personalNumber } } }", token=admin.token)["me"]["account"]["personalNumber"]
    short = current[2:].replace("-", "")
    assert codes(submit(api, admin, short)) == [(["input", "requestedNumber"], "INVALID")]
