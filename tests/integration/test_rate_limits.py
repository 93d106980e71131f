"""Rate limits over HTTP: every answer reports the budget; over it, 429 and nothing runs."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from support import Api, SmtpSink

POINTS, ANONYMOUS = 60, 100
ME = "{ me { email } }"  # 2 points
CONTACTS = "query Contacts { me { account { contacts { email } } } }"  # 3 + 20
ADD = """
mutation Add($input: AddContactEmailInput!) {
  addContactEmail(input: $input) { contact { id email verified createdAt roles } errors { field code message } }
}
"""  # 1 + (1 + 4 + 3) + (1 + 1 x 6) = 16


@pytest.fixture
def limited(database_url: str, smtp: SmtpSink, tmp_path: Path) -> Iterator[Api]:
    with Api.start(
        database_url, smtp, tmp_path, rate_limit_points=POINTS, rate_limit_anonymous_points=ANONYMOUS
    ) as running:
        yield running


def budget(response: httpx.Response) -> tuple[int, int, int]:
    """(limit, remaining, reset) from the headers, checked to agree with extensions.cost."""
    headers = response.headers
    limit, remaining, reset = (int(headers[f"ratelimit-{n}"]) for n in ("limit", "remaining", "reset"))
    assert 0 < reset <= 3600
    assert response.json()["extensions"]["cost"]["remaining"] == remaining
    return limit, remaining, reset


def requested(response: httpx.Response) -> int:
    return int(response.json()["extensions"]["cost"]["requested"])


def post(api: Api, query: str, token: str | None, **variables: Any) -> httpx.Response:
    return api.post({"query": query, "variables": variables}, token=token)


def test_every_answer_reports_the_budget_and_spends_the_operation_cost(limited: Api) -> None:
    user = limited.new_account()
    first = post(limited, ME, user.token)
    assert first.status_code == 200 and first.json()["data"] == {"me": {"email": user.email}}
    assert budget(first)[:2] == (POINTS, POINTS - 2) and requested(first) == 2
    assert "retry-after" not in first.headers
    contacts = post(limited, CONTACTS, user.token)
    assert budget(contacts)[1] == POINTS - 2 - 23 and requested(contacts) == 23

    # Answers refused before execution are free, and say so too.
    invalid = post(limited, "{ me { nope } }", user.token)
    assert invalid.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert budget(invalid)[1] == POINTS - 25 and requested(invalid) == 0
    unparsable = post(limited, "{ me { ", user.token)
    assert budget(unparsable)[1] == POINTS - 25 and requested(unparsable) == 0
    bad_json = limited.client.post(
        "/graphql",
        content=b"[1]",
        headers={"content-type": "application/json", "authorization": f"Bearer {user.token}"},
    )
    assert bad_json.status_code == 400 and bad_json.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert budget(bad_json)[1] == POINTS - 25 and requested(bad_json) == 0
    get_mutation = limited.client.get(
        "/graphql", params={"query": ADD}, headers={"authorization": f"Bearer {user.token}"}
    )
    assert get_mutation.status_code in (400, 405) and budget(get_mutation)[1] == POINTS - 25


def test_over_budget_the_answer_is_429_and_the_mutation_does_not_run(limited: Api) -> None:
    admin = limited.new_account()
    assert budget(post(limited, CONTACTS, admin.token))[1] == POINTS - 23
    assert budget(post(limited, CONTACTS, admin.token))[1] == POINTS - 46
    email = f"refused-{random.randrange(10**9)}@example.com"
    refused = post(limited, ADD, admin.token, input={"email": email})
    assert refused.status_code == 429
    limit, remaining, reset = budget(refused)
    assert (limit, remaining) == (POINTS, POINTS - 46)
    assert refused.headers["retry-after"] == str(reset)
    body = refused.json()
    assert body["data"] is None and requested(refused) == 16
    assert body["errors"] == [
        {
            "message": f"This operation costs 16 points and 14 are left; the budget of {POINTS} is whole again in "
            f"{reset} s.",
            "extensions": {"code": "RATE_LIMITED", "retryAfterSeconds": reset},
        }
    ]
    # Nothing was changed, and a cheaper operation still fits.
    other_session = limited.login(admin.email, admin.password)  # a budget of its own
    emails = [c["email"] for c in limited.data(CONTACTS, token=other_session)["me"]["account"]["contacts"]]
    assert email not in emails
    assert budget(post(limited, ME, admin.token))[1] == POINTS - 48
    whole = post(limited, ME, other_session)
    assert budget(whole)[1] == POINTS - 23 - 2


def test_a_document_costing_more_than_the_whole_budget_is_refused(limited: Api) -> None:
    user = limited.new_account()
    page = "{ auditLog(first: 100) { edges { node { id changedFields } } } }"
    refused = post(limited, page, user.token)
    assert refused.status_code == 429
    assert "more than the whole budget" in refused.json()["errors"][0]["message"]
    assert budget(refused)[1] == POINTS  # nothing spent


def test_anonymous_callers_spend_per_address_and_an_ipv6_64_is_one_address(limited: Api) -> None:
    prefix = f"2001:db8:{random.randrange(1, 0xFFFF):x}"

    def anonymous(ip: str) -> TestClient:
        return TestClient(limited.client.app, base_url="https://testserver", client=(ip, 50000))

    one, same_64, other_64 = (anonymous(ip) for ip in (f"{prefix}:1::1", f"{prefix}:1:ffff::2", f"{prefix}:2::1"))
    assert budget(one.post("/graphql", json={"query": CONTACTS}))[:2] == (ANONYMOUS, ANONYMOUS - 23)
    assert budget(same_64.post("/graphql", json={"query": CONTACTS}))[:2] == (ANONYMOUS, ANONYMOUS - 46)
    assert budget(other_64.post("/graphql", json={"query": CONTACTS}))[:2] == (ANONYMOUS, ANONYMOUS - 23)
    for _ in range(2):
        assert one.post("/graphql", json={"query": CONTACTS}).status_code == 200
    assert same_64.post("/graphql", json={"query": CONTACTS}).status_code == 429  # 8 left of 100


def test_a_cookie_sent_from_elsewhere_spends_a_budget_of_its_own(limited: Api) -> None:
    user = limited.new_account()
    limited.client.cookies.set("__Host-tenantry_session", user.token or "")
    elsewhere = limited.client.get("/graphql", params={"query": CONTACTS})  # a link on another site, say
    assert elsewhere.json()["data"]["me"] is not None and budget(elsewhere)[1] == POINTS - 23
    panel = limited.client.post("/graphql", json={"query": ME}, headers={"origin": "https://panel.example.com"})
    assert budget(panel)[1] == POINTS - 2
    assert budget(post(limited, ME, user.token))[1] == POINTS - 4  # the bearer token is the same session


def test_a_flush_writes_many_counters_in_one_statement_and_adds_to_what_is_there(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flush of a busy process: 30 counters (some already counted) in one statement each time,
    from a statement compiled once (compiling one of as many rows as counters held the GIL for
    3-10 ms every fifth of a second, the p99 of every other request under a flood)."""
    from datetime import UTC, datetime

    from sqlalchemy import event
    from sqlalchemy.sql.compiler import SQLCompiler

    # This quarter hour (housekeeping deletes counters of windows long gone) and keys of its own.
    now = datetime.now(UTC)
    start = now.replace(minute=now.minute // 15 * 15, second=0, microsecond=0)
    tag = secrets.token_hex(4)
    counts = [("test:flush", f"{tag}-{n}", start, n + 1) for n in range(30)]
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if sql.lstrip().upper().startswith("INSERT INTO ATTEMPT_COUNTERS"):
            statements.append(sql)

    event.listen(api.runtime.engine, "before_cursor_execute", record)
    try:
        with api.deps.uow() as uow:
            first = uow.attempts.hit_many(counts[:10])
            uow.commit()
        compiled: list[object] = []
        made = SQLCompiler.__init__

        def compiling(self: SQLCompiler, *args: Any, **kwargs: Any) -> None:
            made(self, *args, **kwargs)
            if str(self).startswith("INSERT INTO attempt_counters"):  # not housekeeping's, say
                compiled.append(self)

        with monkeypatch.context() as watching, api.deps.uow() as uow:
            watching.setattr(SQLCompiler, "__init__", compiling)
            second = uow.attempts.hit_many(counts)
            uow.commit()
    finally:
        event.remove(api.runtime.engine, "before_cursor_execute", record)
    assert compiled == []  # 30 counters after 10: nothing compiled again
    assert len(statements) == 2, [s[:60] + " ... " + s[-40:] for s in statements]
    assert first == {(s, k, w): by for s, k, w, by in counts[:10]}
    assert second == {(s, k, w): by * (2 if n < 10 else 1) for n, (s, k, w, by) in enumerate(counts)}
