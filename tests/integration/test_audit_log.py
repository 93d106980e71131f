"""The audit log through HTTP on SQLite and PostgreSQL: me.securityEvents, Account.auditLog and
Query.auditLog, their cursors, filter, access rules and statement counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from domain.entities import UserRole
from support import LOGIN, Api

from .test_billing_profile import billing_api, saved, update  # noqa: F401 (billing_api is a fixture)

EVENT = "id occurredAt action actorEmail via ipAddress userAgent subjectType subjectId changedFields reason"
SECURITY = f"""
query Security($first: Int, $after: String) {{
  me {{ securityEvents(first: $first, after: $after) {{
    edges {{ cursor node {{ {EVENT} actor {{ email }} }} }} pageInfo {{ hasNextPage endCursor }} }} }}
}}
"""
ACCOUNT_LOG = f"""
query AccountLog($first: Int, $after: String, $filter: AuditLogFilter) {{
  me {{ account {{ auditLog(first: $first, after: $after, filter: $filter) {{
    edges {{ node {{ {EVENT} actor {{ email }} }} }} pageInfo {{ hasNextPage endCursor }} }} }} }}
}}
"""
ALL_LOG = f"""
query AllLog($first: Int, $after: String, $filter: AuditLogFilter) {{
  auditLog(first: $first, after: $after, filter: $filter) {{
    edges {{ node {{ {EVENT} billingProfile {{ version iban }} }} }} pageInfo {{ hasNextPage endCursor }} }}
}}
"""
ADD_CONTACT = """
mutation Add($input: AddContactEmailInput!) { addContactEmail(input: $input) { errors { code } } }
"""


def actions(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["action"] for edge in page["edges"]]


@contextmanager
def counted(api: Api) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "mail_outbox" not in statement:  # the outbox worker polls on its own
            statements.append(statement)

    for engine in api.runtime.engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in api.runtime.engines:
            event.remove(engine, "before_cursor_execute", record)


def test_security_events_show_sign_ins_and_failures_newest_first(api: Api) -> None:
    user = api.new_account(role=UserRole.MEMBER)
    api.client.cookies.clear()
    wrong = api.data(LOGIN, {"input": {"email": user.email, "password": "not-the-password-at-all"}})["login"]
    assert wrong["errors"][0]["code"] == "INVALID_CREDENTIALS"
    token = api.login(user.email, user.password)
    page = api.data(SECURITY, {"first": 10}, token=token)["me"]["securityEvents"]
    assert actions(page) == ["session.create", "session.create_failed", "session.create"]
    newest, failed = page["edges"][0]["node"], page["edges"][1]["node"]
    assert newest["via"] == "SESSION" and newest["actor"] == {"email": user.email}
    assert newest["actorEmail"] == user.email and newest["subjectType"] == "Session"
    assert newest["userAgent"] == "testclient" and newest["ipAddress"]
    assert failed["reason"] == "WRONG_PASSWORD" and failed["actor"] is None and failed["via"] is None
    assert page["pageInfo"]["hasNextPage"] is False


def test_unknown_emails_leave_no_trace(api: Api) -> None:
    admin = api.new_account()
    api.data(LOGIN, {"input": {"email": "nobody-at-all@example.com", "password": "whatever-it-may-be"}})
    page = api.data(ALL_LOG, {"first": 100, "filter": {"actions": ["session.create_failed"]}}, token=_cloud(api))
    assert all(e["node"]["actorEmail"] != "nobody-at-all@example.com" for e in page["auditLog"]["edges"])
    assert admin.token


def test_cursor_pages_are_stable_while_new_events_arrive(api: Api) -> None:
    admin = api.new_account()
    for n in range(5):
        api.data(ADD_CONTACT, {"input": {"email": f"c{n}@example.com"}}, token=admin.token)
    first = api.data(ACCOUNT_LOG, {"first": 2, "filter": {"actions": ["contact."]}}, token=admin.token)
    page1 = first["me"]["account"]["auditLog"]
    assert actions(page1) == ["contact.add", "contact.add"] and page1["pageInfo"]["hasNextPage"]
    api.data(ADD_CONTACT, {"input": {"email": "late@example.com"}}, token=admin.token)  # arrives meanwhile
    after = page1["pageInfo"]["endCursor"]
    second = api.data(ACCOUNT_LOG, {"first": 2, "after": after, "filter": {"actions": ["contact."]}}, token=admin.token)
    page2 = second["me"]["account"]["auditLog"]
    ids1 = {e["node"]["id"] for e in page1["edges"]}
    assert len(page2["edges"]) == 2 and not ids1 & {e["node"]["id"] for e in page2["edges"]}


def test_the_filter_takes_exact_actions_prefixes_actor_and_time(api: Api) -> None:
    admin = api.new_account()
    api.data(ADD_CONTACT, {"input": {"email": "one@example.com"}}, token=admin.token)
    me = api.data("query { me { id } }", token=admin.token)["me"]["id"]
    exact = {"actions": ["contact.add"], "actorId": me}
    page = api.data(ACCOUNT_LOG, {"filter": exact}, token=admin.token)["me"]["account"]["auditLog"]
    assert actions(page) == ["contact.add"]
    prefixes = {"actions": ["session.", "account."]}
    page = api.data(ACCOUNT_LOG, {"filter": prefixes}, token=admin.token)["me"]["account"]["auditLog"]
    assert actions(page) == ["session.create", "account.create"]
    future = {"since": "2999-01-01T00:00:00+00:00"}
    page = api.data(ACCOUNT_LOG, {"filter": future}, token=admin.token)["me"]["account"]["auditLog"]
    assert page == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}


def test_account_log_is_for_account_admins_and_query_log_for_cloud_admins(api: Api) -> None:
    admin = api.new_account()
    member = api.new_user(admin.account_id)
    refused = api.gql(ACCOUNT_LOG, {}, token=member.token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    refused = api.gql(ALL_LOG, {}, token=admin.token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    page = api.data(ACCOUNT_LOG, {"first": 100}, token=admin.token)["me"]["account"]["auditLog"]
    # The member's sign-in is in the account's log; the admin may see who acted.
    member_events = [e["node"] for e in page["edges"] if e["node"]["actorEmail"] == member.email]
    assert member_events and member_events[0]["actor"] == {"email": member.email}


def test_first_is_at_most_100_and_cursors_must_be_ours(api: Api) -> None:
    admin = api.new_account()
    too_many = api.gql(ACCOUNT_LOG, {"first": 101}, token=admin.token)
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    forged = api.gql(ACCOUNT_LOG, {"after": "not-a-cursor"}, token=admin.token)
    assert forged["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_a_page_costs_the_same_statements_for_few_and_many_events(api: Api) -> None:
    admin = api.new_account()
    api.data("{ me { id } }", token=admin.token)  # a session's first call also reads its rate budget (once)
    with counted(api) as few:
        api.data(ACCOUNT_LOG, {"first": 100}, token=admin.token)
    for n in range(8):
        api.data(ADD_CONTACT, {"input": {"email": f"more{n}@example.com"}}, token=admin.token)
    with counted(api) as many:
        api.data(ACCOUNT_LOG, {"first": 100}, token=admin.token)
    # One for the session, one for the page, one for the actors: whatever the number of events.
    selects = [[s for s in run if s.lstrip().upper().startswith("SELECT")] for run in (few, many)]
    assert [len(run) for run in selects] == [3, 3], selects


def test_a_billing_profile_update_event_leads_to_that_version(billing_api: Api) -> None:  # noqa: F811
    admin, first = saved(billing_api)
    second = update(billing_api, admin.token, {"expectedVersion": first["version"], "paymentTermsDays": 45})
    assert second["errors"] == [], second
    variables = {"first": 5, "filter": {"actions": ["billing_profile."]}}
    page = billing_api.data(ALL_LOG, variables, token=admin.token)["auditLog"]
    updated, created = (e["node"] for e in page["edges"])
    assert (updated["action"], updated["changedFields"]) == ("billing_profile.update", ["payment_terms_days"])
    assert updated["billingProfile"]["version"] == int(updated["subjectId"]) == second["billingProfile"]["version"]
    assert created["billingProfile"]["version"] == first["version"]


def _cloud(api: Api) -> str:
    seeded = api.new_account(role=UserRole.CLOUD_ADMIN)
    assert seeded.token is not None
    return seeded.token
