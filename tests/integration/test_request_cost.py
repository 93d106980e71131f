"""What a read costs the database: one transaction for the session and everything the document
reads with it, and a constant number of statements however many contacts there are."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, text

from server.logs import current_request_id
from support import Api

from .test_billing_profile import billing_api, saved  # noqa: F401 (billing_api is a fixture)

# The README's single-page-app document.
SPA = """{ me { email role profile { firstName lastName version } account { kind organizationNumber
  contacts { email roles verified } } sessions { id current lastSeenAt } } }"""
BILLING = "query Billing { billingProfile { legalName iban version } }"


@dataclass
class Cost:
    transactions: int = 0
    statements: list[str] = field(default_factory=list)


@contextmanager
def cost_of(api: Api) -> Iterator[Cost]:
    """What requests cost (the mail worker and other background tasks serve no request: not counted)."""
    _wait_for_the_outbox(api)
    cost = Cost()

    def begin(*_: Any) -> None:
        if current_request_id() is not None:
            cost.transactions += 1

    def statement(conn: Any, cursor: Any, sql: str, *_: Any) -> None:
        if current_request_id() is not None and sql.split()[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            cost.statements.append(sql)

    event.listen(api.runtime.engine, "begin", begin)
    event.listen(api.runtime.engine, "before_cursor_execute", statement)
    try:
        yield cost
    finally:
        event.remove(api.runtime.engine, "begin", begin)
        event.remove(api.runtime.engine, "before_cursor_execute", statement)


def test_the_spa_document_costs_one_transaction_and_three_statements_whatever_the_contacts(api: Api) -> None:
    seeded = api.new_account()
    for n in range(5):
        api.data(
            "mutation($i: AddContactEmailInput!) { addContactEmail(input: $i) { errors { code } } }",
            {"i": {"email": f"c{n}@example.com"}},
            token=seeded.token,
        )
    with cost_of(api) as cost:
        me = api.data(SPA, token=seeded.token)["me"]
    assert len(me["account"]["contacts"]) == 6 and len(me["sessions"]) == 1
    # The session with its user and account, the contacts, the sessions: one read transaction.
    assert cost.transactions == 1
    assert len(cost.statements) == 3


def test_a_document_without_contacts_or_sessions_reads_only_the_session(api: Api) -> None:
    seeded = api.new_account()
    api.data("{ me { id } }", token=seeded.token)  # the session's rate-limit budget is read once, first
    with cost_of(api) as cost:
        assert api.data("{ me { email } }", token=seeded.token)["me"]["email"] == seeded.email
    assert (cost.transactions, len(cost.statements)) == (1, 1)


def test_billing_profile_is_read_with_the_session(billing_api: Api) -> None:  # noqa: F811
    admin, profile = saved(billing_api)
    with cost_of(billing_api) as cost:
        found = billing_api.data(BILLING, token=admin.token)["billingProfile"]
    assert found == {"legalName": profile["legalName"], "iban": profile["iban"], "version": 1}
    assert (cost.transactions, len(cost.statements)) == (1, 2)


def test_a_mutation_reads_nothing_ahead_so_its_answer_shows_the_change(api: Api) -> None:
    seeded = api.new_account()
    result = api.data(
        "mutation($i: AddContactEmailInput!) { addContactEmail(input: $i) { errors { code } } me: __typename }",
        {"i": {"email": "new@example.com"}},
        token=seeded.token,
    )
    assert result["addContactEmail"]["errors"] == []
    contacts = api.data("{ me { account { contacts { email } } } }", token=seeded.token)["me"]["account"]["contacts"]
    assert "new@example.com" in [c["email"] for c in contacts]


def _wait_for_the_outbox(api: Api) -> None:
    """Mail is delivered under the request id that queued it: let the worker finish first."""
    deadline = time.monotonic() + 10
    with api.runtime.engine.connect() as conn:
        while conn.execute(text("SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL")).scalar_one():
            assert time.monotonic() < deadline, "the outbox did not drain"
            conn.rollback()
            time.sleep(0.02)
