"""What an operator reads: one access line per request with what it did and for whom, mail lines
that carry the request id of the change that queued them, and messages that say what to fix."""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from persistence.tables import outbox_t
from server.logs import JsonFormatter, RequestIdFilter
from support import LOGIN, Api, SmtpSink, without_cost

ME = "query Me { me { id email } }"
ADD = "mutation Add($input: AddContactEmailInput!) { addContactEmail(input: $input) { errors { code } } }"
LOGOUT = "mutation { logout { errors { code } } }"


@pytest.fixture
def logged(database_url: str, smtp: SmtpSink, tmp_path: Path) -> Iterator[Api]:
    with Api.start(database_url, smtp, tmp_path, access_log=True) as running:
        yield running


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.handler.addFilter(RequestIdFilter())  # as the configured handler does
    with caplog.at_level(logging.INFO, logger="tenantry"):
        yield caplog


def access_fields(records: list[logging.LogRecord], request_id: str) -> dict:
    lines = [r for r in records if r.name == "tenantry.access" and r.request_id == request_id]  # type: ignore[attr-defined]
    assert len(lines) == 1, [r.getMessage() for r in records]
    return dict(lines[0].fields)  # type: ignore[attr-defined]


def test_access_line_names_the_operation_the_user_the_client_and_the_error_codes(
    logged: Api, logs: pytest.LogCaptureFixture
) -> None:
    user = logged.new_account()
    me = logged.post({"query": ME, "operationName": "Me"}, token=user.token)
    fields = access_fields(logs.records, me.headers["x-request-id"])
    assert fields.pop("duration_ms") >= 0
    assert fields.pop("client_ip").startswith("10.")  # the test client's address (see Api.start)
    assert fields == {
        "method": "POST",
        "path": "/graphql",
        "status": 200,
        "operation_type": "query",
        "operation_name": "Me",
        "user": me.json()["data"]["me"]["id"],
        "error_codes": [],
    }

    logged.client.cookies.clear()  # the sign-in above left its cookie in the client
    wrong = logged.post({"query": LOGIN, "variables": {"input": {"email": user.email, "password": "nope-nope-nope"}}})
    fields = access_fields(logs.records, wrong.headers["x-request-id"])
    assert (fields["operation_type"], fields["operation_name"]) == ("mutation", "Login")
    assert fields["user"] is None and fields["error_codes"] == ["INVALID_CREDENTIALS"]

    anonymous = logged.post({"query": ADD, "variables": {"input": {"email": "x@example.com"}}})
    fields = access_fields(logs.records, anonymous.headers["x-request-id"])
    assert fields["error_codes"] == ["UNAUTHENTICATED"] and fields["operation_name"] == "Add"

    broken = logged.client.post("/graphql", content=b"[1]", headers={"content-type": "application/json"})
    assert access_fields(logs.records, broken.headers["x-request-id"])["error_codes"] == ["BAD_REQUEST"]

    text = "\n".join(r.getMessage() + json.dumps(getattr(r, "fields", {})) for r in logs.records)
    assert user.email not in text and user.password not in text and user.token not in text


def test_the_text_access_line_reads_as_one_sentence(logged: Api, logs: pytest.LogCaptureFixture) -> None:
    user = logged.new_account()
    response = logged.post({"query": LOGOUT}, token=user.token)
    rid = response.headers["x-request-id"]
    line = next(r for r in logs.records if r.name == "tenantry.access" and r.request_id == rid)  # type: ignore[attr-defined]
    method_path_status, rest = line.getMessage().split(" 200 ")
    assert method_path_status == "POST /graphql"
    assert f"mutation - user={line.fields['user']} ip={line.fields['client_ip']}" in rest  # type: ignore[attr-defined]


def test_json_lines_are_one_object_each_with_the_request_id_and_fields() -> None:
    record = logging.LogRecord("tenantry.access", logging.INFO, __file__, 1, "POST /graphql 200", None, None)
    record.request_id = "abc12345"
    record.fields = {"status": 200, "error_codes": ["UNAUTHENTICATED"]}
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry.pop("time").endswith("+00:00")
    assert entry == {
        "level": "INFO",
        "logger": "tenantry.access",
        "request_id": "abc12345",
        "message": "POST /graphql 200",
        "status": 200,
        "error_codes": ["UNAUTHENTICATED"],
    }


def test_mail_lines_carry_the_request_id_of_the_change_that_queued_them(
    api: Api, logs: pytest.LogCaptureFixture
) -> None:
    admin = api.new_account()
    email = f"traced-{secrets.token_hex(4)}@example.com"
    rid = f"trace-{secrets.token_hex(6)}"
    response = api.post(
        {"query": ADD, "variables": {"input": {"email": email}}}, token=admin.token, headers={"x-request-id": rid}
    )
    assert without_cost(response.json()) == {"data": {"addContactEmail": {"errors": []}}}
    api.smtp.wait_for(email)
    with api.runtime.engine.connect() as conn:
        query = select(outbox_t.c.id, outbox_t.c.request_id).where(outbox_t.c.recipient == email)
        mail_id, stored = conn.execute(query).one()
    assert stored == rid
    # This mail's line: the worker may also deliver others (the sign-up's, or one an earlier test's
    # server queued in the shared database and stopped before sending).
    line = f"mail {mail_id} delivered"

    def delivered() -> list[logging.LogRecord]:
        return [r for r in logs.records if r.name == "tenantry.mail" and r.getMessage().startswith(line)]

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not delivered():
        time.sleep(0.02)
    assert [r.request_id for r in delivered()] == [rid]  # type: ignore[attr-defined]


def test_in_development_a_refused_cookie_change_names_the_origin_and_the_setting(
    database_url: str, smtp: SmtpSink, tmp_path: Path
) -> None:
    origins = ("http://127.0.0.1:8000", "http://localhost:8000")
    with Api.start(database_url, smtp, tmp_path, env="development", allowed_origins=origins) as dev:
        user = dev.new_account()
        assert user.token is not None
        dev.client.cookies.set("__Host-tenantry_session", user.token)
        body = dev.client.post("/graphql", json={"query": LOGOUT}, headers={"origin": "http://localhost:5173"}).json()
        assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
        assert body["errors"][0]["message"] == (
            "Changes made with the session cookie must be JSON POSTs from an allowed origin. This request came "
            "from Origin 'http://localhost:5173', which is not in TENANTRY_ALLOWED_ORIGINS "
            "(now: http://127.0.0.1:8000, http://localhost:8000). Add it there, comma-separated, and restart."
        )
        allowed = dev.client.post("/graphql", json={"query": LOGOUT}, headers={"origin": "http://localhost:8000"})
        assert without_cost(allowed.json()) == {"data": {"logout": {"errors": []}}}


def test_outside_development_the_refusal_does_not_list_the_allowed_origins(api: Api) -> None:
    user = api.new_account()
    assert user.token is not None
    api.client.cookies.set("__Host-tenantry_session", user.token)
    body = api.client.post("/graphql", json={"query": LOGOUT}, headers={"origin": "https://evil.example"}).json()
    assert body["errors"][0]["message"] == (
        "Changes made with the session cookie must be JSON POSTs from an allowed origin."
    )
