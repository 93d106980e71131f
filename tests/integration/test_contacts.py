"""Contact emails through HTTP on SQLite and PostgreSQL: codes by mail, roles, invariants under concurrency."""

from __future__ import annotations

import base64
import concurrent.futures
import secrets
import threading
import time
import uuid
from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import delete, insert, select, update

from domain.entities import UserRole
from domain.limits import Limit
from domain.services import contacts as contacts_service
from persistence.contacts import SqlContacts
from persistence.database import WRITE
from persistence.tables import AuditEventRow, accounts_t, contacts_t
from schema.ids import from_global_id, to_global_id, uuid_of
from support import Api, Seeded, code_in

SUBJECT = "Confirm your new address"
ERRORS = "errors { field code message }"
CONTACT = "contact { id email verified verifiedAt roles createdAt }"
ADD = f"mutation A($input: AddContactEmailInput!) {{ addContactEmail(input: $input) {{ {CONTACT} {ERRORS} }} }}"
RESEND = (
    "mutation R($input: ResendContactVerificationInput!) "
    f"{{ resendContactVerification(input: $input) {{ {CONTACT} {ERRORS} }} }}"
)
VERIFY = (
    f"mutation V($input: VerifyContactEmailInput!) {{ verifyContactEmail(input: $input) {{ {CONTACT} {ERRORS} }} }}"
)
ROLES = (
    "mutation S($input: SetContactRolesInput!) "
    f"{{ setContactRoles(input: $input) {{ contacts {{ id email verified roles }} {ERRORS} }} }}"
)
REMOVE = (
    "mutation D($input: RemoveContactEmailInput!) "
    f"{{ removeContactEmail(input: $input) {{ contacts {{ id email verified roles }} {ERRORS} }} }}"
)
LIST = "{ me { account { contacts { id email verified roles } } } }"


def address() -> str:
    return f"contact-{secrets.token_hex(5)}@example.com"


def run(api: Api, query: str, token: str | None, **input: Any) -> dict[str, Any]:
    data = api.data(query, {"input": input}, token=token)
    return next(iter(data.values()))


def mail_to(api: Api, email: str, count: int = 1) -> EmailMessage:
    # Generous: the session database's outbox may still hold earlier tests' mail for this worker.
    return api.smtp.wait_for(email, subject=SUBJECT, count=count, timeout=30)


def codes(result: dict[str, Any]) -> list[str]:
    return [e["code"] for e in result["errors"]]


def contacts_of(api: Api, token: str | None) -> list[dict[str, Any]]:
    return api.data(LIST, token=token)["me"]["account"]["contacts"]


def raw(global_id: str) -> UUID:
    parsed = from_global_id(global_id, "ContactEmail")
    assert parsed is not None
    return parsed[1]


def add(api: Api, token: str | None, email: str) -> tuple[str, str]:
    """Add a contact; return its ID and the code from the mail."""
    result = run(api, ADD, token, email=email)
    assert result["errors"] == [], result
    return result["contact"]["id"], code_in(mail_to(api, email))


def add_verified(api: Api, token: str | None, *roles: str) -> str:
    email = address()
    contact_id, code = add(api, token, email)
    assert run(api, VERIFY, token, contactId=contact_id, code=code)["errors"] == []
    if roles:
        assert run(api, ROLES, token, contactId=contact_id, roles=list(roles))["errors"] == []
    return contact_id


def first_contact(api: Api, admin: Seeded) -> str:
    return contacts_of(api, admin.token)[0]["id"]


def backdate(api: Api, contact_id: str, seconds: float, *, expiry: bool = False, window: bool = False) -> None:
    """Move the contact's code clock into the past, as if `seconds` had passed."""
    columns = ["code_sent_at"] + (["code_expires_at"] if expiry else []) + (["resend_window_start"] if window else [])
    where = contacts_t.c.id == raw(contact_id)
    with api.runtime.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        row = conn.execute(select(*(contacts_t.c[name] for name in columns)).where(where)).one()
        values = {name: value - timedelta(seconds=seconds) for name, value in zip(columns, row, strict=True)}
        conn.execute(update(contacts_t).where(where).values(**values))


# ---------------------------------------------------------------- adding and verifying


def test_add_mails_a_code_that_verifies_the_contact_once(api: Api) -> None:
    admin = api.new_account()
    email = address()
    added = run(api, ADD, admin.token, email=f"  {email.upper()}  ".replace("EXAMPLE.COM", "Example.COM"))
    contact = added["contact"]
    assert added["errors"] == []
    assert contact["email"] == email.upper().replace("EXAMPLE.COM", "example.com")
    assert contact["verified"] is False and contact["verifiedAt"] is None and contact["roles"] == []
    mail = mail_to(api, email)
    code = code_in(mail)
    assert "15 minutes" in mail.get_body(("plain",)).get_content()
    verified = run(api, VERIFY, admin.token, contactId=contact["id"], code=f" {code[:3]} {code[3:]} ")
    assert verified["errors"] == []
    assert verified["contact"]["verified"] is True and verified["contact"]["verifiedAt"]
    replay = run(api, VERIFY, admin.token, contactId=contact["id"], code=code)
    assert replay["contact"] is None and codes(replay) == ["INVALID"]
    assert [c["verified"] for c in contacts_of(api, admin.token)] == [True, True]


def test_add_refuses_an_address_the_account_has_in_any_case(api: Api) -> None:
    seeded_email = f"seeded-{secrets.token_hex(4)}@example.com"
    admin = api.new_account(contact_email=seeded_email)
    result = run(api, ADD, admin.token, email=seeded_email.upper())
    assert result == {
        "contact": None,
        "errors": [
            {
                "field": ["input", "email"],
                "code": "ALREADY_EXISTS",
                "message": "The account has this contact email already.",
            }
        ],
    }
    other = api.new_account()
    assert run(api, ADD, other.token, email=seeded_email)["errors"] == []  # another account may have it


def test_add_validates_the_address(api: Api) -> None:
    admin = api.new_account()
    assert codes(run(api, ADD, admin.token, email="")) == ["REQUIRED"]
    assert codes(run(api, ADD, admin.token, email="not-an-address")) == ["INVALID"]
    assert codes(run(api, ADD, admin.token, email="a@b")) == ["INVALID"]
    assert codes(run(api, ADD, admin.token, email="x" * 100_000 + "@example.com")) == ["TOO_LONG"]
    assert run(api, ADD, admin.token, email="x@example.com\n")["errors"] == []
    assert run(api, ADD, admin.token, email="ingrid@ÖRNSKÖLDSVIK.example")["contact"]["email"] == (
        "ingrid@örnsköldsvik.example"
    )
    assert len(contacts_of(api, admin.token)) == 3


def test_an_account_has_at_most_twenty_contacts(api: Api) -> None:
    admin = api.new_account()
    for _ in range(19):
        assert run(api, ADD, admin.token, email=address())["errors"] == []
    result = run(api, ADD, admin.token, email=address())
    assert result["errors"] == [
        {"field": [], "code": "INVALID", "message": "An account can have at most 20 contact emails; remove one first."}
    ]
    assert len(contacts_of(api, admin.token)) == 20


def test_wrong_codes_count_and_five_void_the_code(api: Api) -> None:
    admin = api.new_account()
    contact_id, code = add(api, admin.token, address())
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    first = run(api, VERIFY, admin.token, contactId=contact_id, code=wrong)
    assert first["errors"] == [
        {"field": ["input", "code"], "code": "INVALID_CODE", "message": "The code is wrong; 4 tries left."}
    ]
    for _ in range(4):
        assert codes(run(api, VERIFY, admin.token, contactId=contact_id, code=wrong)) == ["INVALID_CODE"]
    void = run(api, VERIFY, admin.token, contactId=contact_id, code=code)
    assert codes(void) == ["TOO_MANY_ATTEMPTS"] and void["contact"] is None
    assert contacts_of(api, admin.token)[1]["verified"] is False


def test_aliased_verifications_in_one_request_spend_one_try_each(api: Api) -> None:
    admin = api.new_account()
    contact_id, code = add(api, admin.token, address())
    wrong = f"{(int(code) + 7) % 1_000_000:06d}"
    aliases = " ".join(
        f'v{i}: verifyContactEmail(input: {{contactId: $id, code: "{wrong}"}}) {{ errors {{ code }} }}'
        for i in range(10)
    )
    data = api.data(f"mutation M($id: ID!) {{ {aliases} }}", {"id": contact_id}, token=admin.token)
    found = [r["errors"][0]["code"] for r in data.values()]
    assert found.count("INVALID_CODE") == 5 and found.count("TOO_MANY_ATTEMPTS") == 5


def test_concurrent_wrong_codes_get_five_tries_in_all(api: Api) -> None:
    admin = api.new_account()
    contact_id, code = add(api, admin.token, address())
    wrong = f"{(int(code) + 3) % 1_000_000:06d}"
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: run(api, VERIFY, admin.token, contactId=contact_id, code=wrong), range(16)))
    found = [codes(r)[0] for r in results]
    assert found.count("INVALID_CODE") == 5 and found.count("TOO_MANY_ATTEMPTS") == 11


def test_a_right_code_sent_concurrently_verifies_once(api: Api) -> None:
    admin = api.new_account()
    contact_id, code = add(api, admin.token, address())
    start = threading.Barrier(4)

    def verify(_: int) -> dict[str, Any]:
        start.wait()
        return run(api, VERIFY, admin.token, contactId=contact_id, code=code)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(verify, range(4)))
    assert sum(r["errors"] == [] for r in results) == 1
    assert {c for r in results for c in codes(r)} <= {"INVALID_CODE", "INVALID"}


def test_an_account_sends_a_bounded_number_of_codes(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contacts_service, "ACCOUNT_MAIL_LIMIT", Limit("contact:mail", 2, timedelta(hours=1)))
    admin = api.new_account()
    for _ in range(2):
        assert run(api, ADD, admin.token, email=address())["errors"] == []
    refused = run(api, ADD, admin.token, email=address())
    assert refused["errors"] == [
        {
            "field": [],
            "code": "TOO_MANY_ATTEMPTS",
            "message": "This account has sent too many verification codes this hour; try again later.",
        }
    ]
    assert len(contacts_of(api, admin.token)) == 3


def test_expired_code_is_refused(api: Api) -> None:
    admin = api.new_account()
    contact_id, code = add(api, admin.token, address())
    backdate(api, contact_id, 15 * 60, expiry=True)
    expired = run(api, VERIFY, admin.token, contactId=contact_id, code=code)
    assert expired["errors"] == [
        {"field": ["input", "code"], "code": "CODE_EXPIRED", "message": "The code has expired; ask for a new code."}
    ]


def test_code_input_is_checked_before_any_try_is_spent(api: Api) -> None:
    admin = api.new_account()
    contact_id, code = add(api, admin.token, address())
    assert codes(run(api, VERIFY, admin.token, contactId=contact_id, code="")) == ["REQUIRED"]
    for bad in ("12345", "1234567", "abcdef", "１２３４５６", "9" * 100_000):
        assert codes(run(api, VERIFY, admin.token, contactId=contact_id, code=bad)) == ["INVALID_CODE"]
    assert run(api, VERIFY, admin.token, contactId=contact_id, code=code)["errors"] == []


# ---------------------------------------------------------------- resending


def test_resend_voids_the_old_code_and_waits_a_minute(api: Api) -> None:
    admin = api.new_account()
    email = address()
    contact_id, old = add(api, admin.token, email)
    too_soon = run(api, RESEND, admin.token, contactId=contact_id)
    assert codes(too_soon) == ["TOO_MANY_ATTEMPTS"] and "seconds" in too_soon["errors"][0]["message"]
    backdate(api, contact_id, 61)
    resent = run(api, RESEND, admin.token, contactId=contact_id)
    assert resent["errors"] == [] and resent["contact"]["verified"] is False
    new = code_in(mail_to(api, email, count=2))
    if new != old:
        assert codes(run(api, VERIFY, admin.token, contactId=contact_id, code=old)) == ["INVALID_CODE"]
    assert run(api, VERIFY, admin.token, contactId=contact_id, code=new)["contact"]["verified"] is True
    assert codes(run(api, RESEND, admin.token, contactId=contact_id)) == ["INVALID"]


def test_resend_gives_back_the_tries_of_a_void_code(api: Api) -> None:
    admin = api.new_account()
    email = address()
    contact_id, code = add(api, admin.token, email)
    for _ in range(5):
        run(api, VERIFY, admin.token, contactId=contact_id, code="000000" if code != "000000" else "111111")
    assert codes(run(api, VERIFY, admin.token, contactId=contact_id, code=code)) == ["TOO_MANY_ATTEMPTS"]
    backdate(api, contact_id, 61)
    assert run(api, RESEND, admin.token, contactId=contact_id)["errors"] == []
    new = code_in(mail_to(api, email, count=2))
    assert run(api, VERIFY, admin.token, contactId=contact_id, code=new)["errors"] == []


def test_five_resends_an_hour_then_the_wait_is_in_minutes(api: Api) -> None:
    admin = api.new_account()
    contact_id, _ = add(api, admin.token, address())
    for _ in range(5):
        backdate(api, contact_id, 61)
        assert run(api, RESEND, admin.token, contactId=contact_id)["errors"] == []
    backdate(api, contact_id, 61)
    refused = run(api, RESEND, admin.token, contactId=contact_id)
    assert codes(refused) == ["TOO_MANY_ATTEMPTS"] and "minutes" in refused["errors"][0]["message"]
    backdate(api, contact_id, 3600, window=True)
    assert run(api, RESEND, admin.token, contactId=contact_id)["errors"] == []


# ---------------------------------------------------------------- roles and removal


def test_roles_need_a_verified_contact_and_replace_the_old_set(api: Api) -> None:
    admin = api.new_account()
    pending, _ = add(api, admin.token, address())
    refused = run(api, ROLES, admin.token, contactId=pending, roles=["TECH"])
    assert refused["errors"] == [
        {
            "field": ["input", "contactId"],
            "code": "NOT_VERIFIED",
            "message": "Verify this contact email before giving it roles.",
        }
    ]
    second = add_verified(api, admin.token, "DPO", "TECH", "DPO")
    listed = {c["id"]: c["roles"] for c in contacts_of(api, admin.token)}
    assert listed[second] == ["TECH", "DPO"] and listed[pending] == []
    result = run(api, ROLES, admin.token, contactId=second, roles=["BILLING"])
    assert result["errors"] == []
    assert [c["roles"] for c in result["contacts"]] == [["BILLING", "TECH", "DPO"], [], ["BILLING"]]


def test_taking_the_last_holders_role_is_role_uncovered(api: Api) -> None:
    admin = api.new_account()
    first = first_contact(api, admin)
    add_verified(api, admin.token)
    result = run(api, ROLES, admin.token, contactId=first, roles=["TECH"])
    assert result == {
        "contacts": None,
        "errors": [
            {
                "field": ["input", "roles"],
                "code": "ROLE_UNCOVERED",
                "message": "The BILLING and DPO roles would have no verified contact; "
                "give them to another verified contact first.",
            }
        ],
    }
    assert contacts_of(api, admin.token)[0]["roles"] == ["BILLING", "TECH", "DPO"]


def test_the_only_verified_contact_keeps_every_role_and_cannot_go(api: Api) -> None:
    admin = api.new_account()
    only = first_contact(api, admin)
    assert codes(run(api, ROLES, admin.token, contactId=only, roles=[])) == ["ROLE_UNCOVERED"]
    pending, _ = add(api, admin.token, address())
    last = run(api, REMOVE, admin.token, contactId=only)
    assert last["errors"] == [
        {
            "field": ["input", "contactId"],
            "code": "LAST_CONTACT",
            "message": "The account must keep at least one verified contact email.",
        }
    ]
    removed = run(api, REMOVE, admin.token, contactId=pending)
    assert removed["errors"] == [] and [c["id"] for c in removed["contacts"]] == [only]


def test_the_verified_contact_left_alone_takes_every_role(api: Api) -> None:
    """The provider's rule: with two verified contacts A (BILLING) and B (TECH, DPO), removing A
    leaves B, the only one, holding every role, in the same transaction."""
    admin = api.new_account()
    a = first_contact(api, admin)
    b = add_verified(api, admin.token, "TECH", "DPO")
    assert run(api, ROLES, admin.token, contactId=a, roles=["BILLING"])["errors"] == []
    pending, _ = add(api, admin.token, address())  # unverified contacts don't count
    removed = run(api, REMOVE, admin.token, contactId=a)
    assert removed["errors"] == []
    by_id = {c["id"]: c for c in removed["contacts"]}
    assert by_id[b]["roles"] == ["BILLING", "TECH", "DPO"] and by_id[pending]["roles"] == []
    assert contacts_of(api, admin.token) == removed["contacts"]
    audit = AuditEventRow.__table__
    with api.runtime.engine.connect() as conn:
        rows = conn.execute(
            select(audit.c.action, audit.c.actor_user_id, audit.c.fields).where(
                audit.c.target_id == str(uuid_of(b, "ContactEmail")), audit.c.action == "contact.set_roles"
            )
        ).all()
    assert [tuple(r) for r in rows if r.actor_user_id is None] == [("contact.set_roles", None, ["roles"])]  # system


def test_removal_still_refuses_to_uncover_a_role_among_several_verified_contacts(api: Api) -> None:
    admin = api.new_account()
    holder = first_contact(api, admin)
    add_verified(api, admin.token)
    add_verified(api, admin.token)
    refused = run(api, REMOVE, admin.token, contactId=holder)
    assert codes(refused) == ["ROLE_UNCOVERED"] and "BILLING, " not in refused["errors"][0]["message"]


def test_two_concurrent_removals_of_the_last_two_billing_holders_leave_one(api: Api) -> None:
    admin = api.new_account()
    first = first_contact(api, admin)
    second = add_verified(api, admin.token, "BILLING")
    add_verified(api, admin.token, "TECH", "DPO")
    add_verified(api, admin.token)  # with four, two verified contacts remain: no role is handed over
    for _ in range(3):  # a few rounds, each with the two requests released together
        start = threading.Barrier(2)

        def remove(contact_id: str, start: threading.Barrier = start) -> dict[str, Any]:
            start.wait()
            return run(api, REMOVE, admin.token, contactId=contact_id)

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            results = list(pool.map(remove, [first, second]))
        outcomes = sorted(codes(r)[0] if r["errors"] else "OK" for r in results)
        assert outcomes == ["OK", "ROLE_UNCOVERED"], results
        remaining = contacts_of(api, admin.token)
        assert sum("BILLING" in c["roles"] for c in remaining) == 1
        first = next(c["id"] for c in remaining if "BILLING" in c["roles"])
        second = add_verified(api, admin.token, "BILLING")


def test_removals_are_serialized_by_the_account_lock(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each request reads the contacts and then dawdles: without the lock both would pass the check."""
    admin = api.new_account()
    first = first_contact(api, admin)
    second = add_verified(api, admin.token, "BILLING")
    add_verified(api, admin.token, "TECH", "DPO")
    add_verified(api, admin.token)  # with four, two verified contacts remain: no role is handed over
    original = SqlContacts.for_account

    def slow_for_account(self: SqlContacts, account_id: UUID) -> list[Any]:
        found = original(self, account_id)
        time.sleep(0.4)
        return found

    monkeypatch.setattr(SqlContacts, "for_account", slow_for_account)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda c: run(api, REMOVE, admin.token, contactId=c), [first, second]))
    assert sorted(codes(r)[0] if r["errors"] else "OK" for r in results) == ["OK", "ROLE_UNCOVERED"]
    monkeypatch.undo()
    assert sum("BILLING" in c["roles"] for c in contacts_of(api, admin.token)) == 1


# ---------------------------------------------------------------- access and foreign IDs


def test_other_accounts_contact_answers_like_a_made_up_id(api: Api) -> None:
    admin = api.new_account()
    victim = api.new_account()
    foreign = first_contact(api, victim)
    made_up = to_global_id("ContactEmail", uuid.uuid4())
    garbage = base64.urlsafe_b64encode(b"ContactEmail:nope").decode()
    wrong_type = to_global_id("Session", raw(foreign))
    for query, extra in ((RESEND, {}), (VERIFY, {"code": "123456"}), (ROLES, {"roles": []}), (REMOVE, {})):
        answers = [run(api, query, admin.token, contactId=i, **extra) for i in (foreign, made_up, garbage, wrong_type)]
        assert all(a == answers[0] for a in answers), answers
        assert codes(answers[0]) == ["NOT_FOUND"] and answers[0]["errors"][0]["field"] == ["input", "contactId"]
    assert len(contacts_of(api, victim.token)) == 1
    assert api.data("query N($id: ID!) { node(id: $id) { id } }", {"id": foreign}, token=admin.token) == {"node": None}


def test_member_reads_contacts_but_every_change_is_forbidden(api: Api) -> None:
    admin = api.new_account()
    member = api.new_user(admin.account_id, UserRole.MEMBER)
    contact_id = first_contact(api, admin)
    assert [c["id"] for c in contacts_of(api, member.token)] == [contact_id]
    node = api.data("query N($id: ID!) { node(id: $id) { id } }", {"id": contact_id}, token=member.token)
    assert node == {"node": {"id": contact_id}}
    for query, input in (
        (ADD, {"email": address()}),
        (RESEND, {"contactId": contact_id}),
        (VERIFY, {"contactId": contact_id, "code": "123456"}),
        (ROLES, {"contactId": contact_id, "roles": []}),
        (REMOVE, {"contactId": contact_id}),
    ):
        body = api.gql(query, {"input": input}, token=member.token)
        assert body["data"] is None and body["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
        api.client.cookies.clear()  # sign-ins above left a session cookie in the client
        assert api.gql(query, {"input": input})["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


def test_wrong_role_values_are_graphql_errors(api: Api) -> None:
    admin = api.new_account()
    body = api.gql(ROLES, {"input": {"contactId": first_contact(api, admin), "roles": ["OWNER"]}}, token=admin.token)
    assert body.get("data") is None and body["errors"]


def test_an_account_cannot_guess_codes_past_its_hourly_cap_by_adding_fresh_contacts(api: Api) -> None:
    admin = api.new_account()
    cap = contacts_service.ACCOUNT_CODE_LIMIT.count
    outcomes: list[str] = []
    for _ in range(cap // 5 + 1):
        contact_id = run(api, ADD, admin.token, email=address())["contact"]["id"]
        for _ in range(5):
            outcomes += codes(run(api, VERIFY, admin.token, contactId=contact_id, code="000000"))
    assert outcomes[:cap].count("TOO_MANY_ATTEMPTS") == 0
    assert outcomes[cap:] and set(outcomes[cap:]) == {"TOO_MANY_ATTEMPTS"}


# ---------------------------------------------------------------- the contacts stamp


def test_every_change_to_an_accounts_contacts_changes_its_stamp_and_nothing_else_does(api: Api) -> None:
    """Triggers (migration 0012) keep `accounts.contacts_stamp`, by which readers reuse contacts they
    read before (persistence.contacts, `SqlContacts._at_stamp`): any change a reader would show changes it, in the
    same transaction, whoever makes it; a code's bookkeeping does not."""
    admin = api.new_account()
    other = api.new_account()
    stamp = accounts_t.c.contacts_stamp

    def stamps() -> tuple[int, int]:
        with api.runtime.engine.connect() as conn:
            found = dict(
                conn.execute(
                    select(accounts_t.c.id, stamp).where(accounts_t.c.id.in_([admin.account_id, other.account_id]))
                ).all()
            )
        return found[admin.account_id], found[other.account_id]

    def change(statement: Any) -> tuple[int, int]:
        before = stamps()
        with api.runtime.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            conn.execute(statement)
        after = stamps()
        return int(after[0] != before[0]), int(after[1] != before[1])

    ours = contacts_t.c.account_id == admin.account_id
    new_id = uuid.uuid4()
    added = {
        "id": new_id,
        "account_id": admin.account_id,
        "email": "new@example.com",
        "email_key": "new@example.com",
        "billing": False,
        "tech": False,
        "dpo": False,
        "created_at": api.deps.clock(),
    }
    assert change(insert(contacts_t).values(**added)) == (1, 0)
    assert change(update(contacts_t).where(contacts_t.c.id == new_id).values(code_attempts=3)) == (0, 0)
    assert change(update(contacts_t).where(contacts_t.c.id == new_id).values(tech=True)) == (1, 0)
    assert change(update(contacts_t).where(ours).values(verified_at=api.deps.clock())) == (1, 0)
    assert change(update(contacts_t).where(contacts_t.c.id == new_id).values(account_id=other.account_id)) == (1, 1)
    renamed = uuid.uuid4()
    assert change(update(contacts_t).where(contacts_t.c.id == new_id).values(id=renamed)) == (0, 1)
    assert change(delete(contacts_t).where(contacts_t.c.id == renamed)) == (0, 1)
