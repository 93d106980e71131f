"""What a read costs the database: one transaction for the session and everything the document
reads with it, and a constant number of statements however many contacts there are."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, event, update

from persistence.tables import contacts_t
from server.logs import current_request_id
from support import Api

from .test_billing_profile import billing_api, saved  # noqa: F401 (billing_api is a fixture)

# The README's single-page-app document.
SPA = """{ me { email role profile { firstName lastName version } account { kind organizationNumber
  contacts { email roles verified } } sessions { id current lastSeenAt } } }"""
BILLING = "query Billing { billingProfile { legalName iban version } }"


@dataclass
class Cost:
    """What the requests sent with `request_id` cost. Work for other requests (the mail worker
    delivers under the id of the request that queued the mail) is not counted."""

    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    transactions: int = 0
    statements: list[str] = field(default_factory=list)

    def read(self, api: Api, query: str, token: str | None) -> Any:
        body = api.gql(query, token=token, headers={"x-request-id": self.request_id})
        assert "errors" not in body, body
        return body["data"]


@contextmanager
def cost_of(api: Api) -> Iterator[Cost]:
    cost = Cost()

    def begin(*_: Any) -> None:
        if current_request_id() == cost.request_id:
            cost.transactions += 1

    def statement(conn: Any, cursor: Any, sql: str, *_: Any) -> None:
        ours = current_request_id() == cost.request_id
        if ours and sql.split()[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            cost.statements.append(sql)

    for engine in api.runtime.engines:
        event.listen(engine, "begin", begin)
        event.listen(engine, "before_cursor_execute", statement)
    try:
        yield cost
    finally:
        for engine in api.runtime.engines:
            event.remove(engine, "begin", begin)
            event.remove(engine, "before_cursor_execute", statement)


def test_the_spa_document_costs_one_transaction_and_constant_statements_whatever_the_contacts(api: Api) -> None:
    seeded = api.new_account()
    for n in range(5):
        api.data(
            "mutation($i: AddContactEmailInput!) { addContactEmail(input: $i) { errors { code } } }",
            {"i": {"email": f"c{n}@example.com"}},
            token=seeded.token,
        )
    with cost_of(api) as cost:
        me = cost.read(api, SPA, seeded.token)["me"]
    assert len(me["account"]["contacts"]) == 6 and len(me["sessions"]) == 1
    # The session with its user and account, the contacts, the sessions: one read transaction, three
    # statements on SQLite, one on PostgreSQL (persistence.sessions, `authenticate_with`: one round trip).
    assert cost.transactions == 1
    assert len(cost.statements) == (3 if api.runtime.settings.is_sqlite else 1)


def test_unchanged_contacts_are_not_read_again_and_any_change_shows_at_once(api: Api) -> None:
    seeded = api.new_account()
    read = api.data(SPA, token=seeded.token)["me"]["account"]["contacts"]
    with cost_of(api) as cost:
        assert cost.read(api, SPA, seeded.token)["me"]["account"]["contacts"] == read
    # SQLite: the account's contacts stamp, read with the session, names contacts read before
    # (`SqlContacts._at_stamp`); PostgreSQL reads them with the session in any case.
    assert (cost.transactions, len(cost.statements)) == (1, 2 if api.runtime.settings.is_sqlite else 1)
    # A change from outside this process (another worker, an operator's SQL) changes the stamp in its
    # own transaction (triggers, migration 0012), so the next read shows it.
    other = create_engine(api.runtime.settings.database_url)
    try:
        with other.begin() as conn:
            conn.execute(update(contacts_t).where(contacts_t.c.account_id == seeded.account_id).values(dpo=False))
    finally:
        other.dispose()
    with cost_of(api) as cost:
        changed = cost.read(api, SPA, seeded.token)["me"]["account"]["contacts"]
    assert changed == [{**read[0], "roles": ["BILLING", "TECH"]}]
    assert len(cost.statements) == (3 if api.runtime.settings.is_sqlite else 1)


def test_a_document_without_contacts_or_sessions_reads_only_the_session(api: Api) -> None:
    seeded = api.new_account()
    api.data("{ me { id } }", token=seeded.token)  # the session's rate-limit budget is read once, first
    with cost_of(api) as cost:
        assert cost.read(api, "{ me { email } }", seeded.token)["me"]["email"] == seeded.email
    assert (cost.transactions, len(cost.statements)) == (1, 1)


def test_billing_profile_is_read_with_the_session(billing_api: Api) -> None:  # noqa: F811
    admin, profile = saved(billing_api)
    with cost_of(billing_api) as cost:
        found = cost.read(billing_api, BILLING, admin.token)["billingProfile"]
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


def test_an_api_token_reads_what_the_document_needs_with_the_token(api: Api) -> None:
    from .test_api_tokens import secret_for

    seeded = api.new_account()
    secret = secret_for(api, seeded, ["PROFILE_READ", "ACCOUNT_READ"])
    api.data("{ me { id } }", token=secret)  # the token's first use: its budget read, its use noted
    with cost_of(api) as cost:
        me = cost.read(api, SPA, secret)["me"]
    assert len(me["account"]["contacts"]) == 1
    # The token with its owner and account, the contacts, the sessions: one read transaction.
    assert (cost.transactions, len(cost.statements)) == (1, 3)
    with cost_of(api) as cost:
        assert cost.read(api, SPA, secret)["me"] == me
    # Then the contacts read at the account's contacts stamp (read with the token) serve again.
    assert (cost.transactions, len(cost.statements)) == (1, 2)
    wrong = secret[:-1] + ("x" if secret[-1] != "x" else "y")  # its checksum no longer matches
    with cost_of(api) as cost:
        assert cost.read(api, "{ me { email } }", wrong) == {"me": None}
    assert not any("api_tokens" in s for s in cost.statements)  # refused before any look-up
