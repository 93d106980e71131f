"""The HTTP surface: health, request ids, limits, and nasty input that must never give a 500."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from graphql import get_introspection_query

from support import LOGIN, Api, SmtpSink


def test_healthz_and_readyz(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").json() == {"status": "ok"}


def test_every_response_carries_a_request_id(api: Api) -> None:
    first = api.client.get("/healthz").headers["x-request-id"]
    second = api.client.get("/healthz").headers["x-request-id"]
    assert first != second and len(first) >= 16
    assert (
        api.client.get("/healthz", headers={"x-request-id": "trace-abc-123"}).headers["x-request-id"] == "trace-abc-123"
    )
    forged = api.client.get("/healthz", headers={"x-request-id": "bad id\r\n"}).headers["x-request-id"]
    assert forged != "bad id\r\n"


def test_graphiql_is_served_to_browsers(api: Api) -> None:
    response = api.client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


def test_body_over_the_limit_is_refused_with_a_clear_error(api: Api) -> None:
    response = api.post(
        {"query": LOGIN, "variables": {"input": {"email": "a@example.com", "password": "x" * 1_000_000}}}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize(
    "raw",
    [b"{bad json", b'{"query": "{ me { id } }"\xff\xfe}', b"\xff\xfe\xfd", b"[]", b"42", b'{"query": 42}', b""],
)
def test_malformed_bodies_get_a_client_error_not_a_500(api: Api, raw: bytes) -> None:
    response = api.client.post("/graphql", content=raw, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["errors"][0]["message"]


def test_unknown_fields_and_wrong_types_are_validation_errors(api: Api) -> None:
    unknown = api.gql(
        "mutation($i: LoginInput!) { login(input: $i) { token } }",
        {"i": {"email": "a@example.com", "password": "p", "admin": True}},
    )
    assert "unknown field 'admin'" in unknown["errors"][0]["message"]
    wrong_type = api.gql(
        "mutation($i: LoginInput!) { login(input: $i) { token } }", {"i": {"email": 12, "password": ["p"]}}
    )
    assert "errors" in wrong_type and wrong_type.get("data") is None
    no_field = api.gql("{ me { passwordHash } }")
    assert "Cannot query field 'passwordHash'" in no_field["errors"][0]["message"]


def test_unicode_and_control_characters_in_credentials_are_handled(api: Api) -> None:
    for email in ("ünïcödé@exämple.com", "a\tb@example.com", "😀" * 50, "\u202e@example.com"):
        body = api.data(LOGIN, {"input": {"email": email, "password": "pässwörd 🔑"}})
        assert body["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    nul = api.post({"query": LOGIN, "variables": {"input": {"email": "a\x00b@example.com", "password": "p"}}})
    assert nul.status_code == 400 and "NUL" in nul.json()["errors"][0]["message"]


def test_deep_and_cyclic_queries_are_refused(api: Api) -> None:
    assert "errors" not in api.gql("{ me { account { customerInfo { address { line1 } } } } }")
    deep = "{ me " + "{ a " * 11 + "{ b }" + " }" * 11 + " }"
    messages = [e["message"] for e in api.gql(deep)["errors"]]
    assert any("exceeds maximum operation depth" in m for m in messages), messages
    cycle = "query { me { ...A } } fragment A on User { id ...B } fragment B on User { email ...A }"
    assert "Cannot spread fragment" in api.gql(cycle)["errors"][0]["message"]


def test_too_many_aliases_and_tokens_are_refused(api: Api) -> None:
    wide = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(100)) + " }"
    assert "aliases" in api.gql(wide)["errors"][0]["message"].lower()
    long_doc = "{ me { " + "id " * 5000 + "} }"
    assert "token" in api.gql(long_doc)["errors"][0]["message"].lower()


def test_introspection_can_be_switched_off_and_then_hides_suggestions(
    database_url: str, smtp: SmtpSink, tmp_path: Path
) -> None:
    with Api.start(database_url, smtp, tmp_path, introspection=False) as closed:
        body = closed.gql("{ __schema { types { name } } }")
        assert "introspection" in body["errors"][0]["message"].lower()
        # The standard query, answered ahead by every server that has introspection on, is not here.
        standard = closed.gql(get_introspection_query())
        assert standard["data"] is None and "introspection" in standard["errors"][0]["message"].lower()
        assert closed.gql("{ __typename }") == {"data": {"__typename": "Query"}}
        typo = closed.gql("{ mee { id } }")["errors"][0]["message"]
        assert "Did you mean" not in typo


def test_unexpected_errors_are_masked_and_logged_with_the_request_id(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from persistence.sessions import SqlSessions

    user = api.new_account()

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("database exploded: secret detail")

    # A fault injected into a read (the contacts come with the session, in its round trip), not a mock.
    monkeypatch.setattr(SqlSessions, "authenticate_with", broken)
    with caplog.at_level(logging.ERROR, logger="tenantry.graphql"):
        response = api.post({"query": "{ me { account { contacts { id } } } }"}, token=user.token)
    body = response.json()
    assert response.status_code == 200
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "secret detail" not in response.text
    assert any("unexpected error" in r.getMessage() for r in caplog.records)


def test_cors_allows_only_the_configured_origins(api: Api) -> None:
    preflight = {"access-control-request-method": "POST", "access-control-request-headers": "content-type"}
    allowed = api.client.options("/graphql", headers={"origin": "https://panel.example.com", **preflight})
    assert allowed.headers["access-control-allow-origin"] == "https://panel.example.com"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    foreign = api.client.options("/graphql", headers={"origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in foreign.headers


def test_state_changes_write_audit_events_without_secrets(api: Api) -> None:
    from sqlalchemy import select

    from persistence.tables import audit_t

    user = api.new_account()
    api.data("mutation { logout { errors { code } } }", token=user.token)
    with api.runtime.engine.connect() as conn:
        rows = conn.execute(select(audit_t).where(audit_t.c.actor_user_id == user.user_id)).mappings().all()
    actions = [r["action"] for r in rows]
    assert "session.create" in actions and "session.end" in actions
    assert all(r["ip_address"] for r in rows)
    assert user.password not in str(rows) and user.token not in str(rows)


def test_nul_and_lone_surrogates_are_refused_in_literals_and_variables(api: Api) -> None:
    literal = 'mutation { login(input: {email: "a\\u0000b@example.com", password: "x"}) { token } }'
    assert "NUL" in api.gql(literal)["errors"][0]["message"]
    surrogate_literal = 'mutation { login(input: {email: "a\\ud800@example.com", password: "x"}) { token } }'
    assert "Invalid Unicode" in api.gql(surrogate_literal)["errors"][0]["message"]  # the lexer refuses it
    raw = (
        b'{"query": "mutation($i: LoginInput!) { login(input: $i) { token } }", '
        b'"variables": {"i": {"email": "a\\ud800@example.com", "password": "x"}}}'
    )
    response = api.client.post("/graphql", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400 and "surrogate" in response.json()["errors"][0]["message"]


def test_sign_ins_hidden_in_a_fragment_still_count(api: Api) -> None:
    document = (
        'fragment F on Mutation { a: login(input: {email: "x@example.com", password: "p"}) { token } '
        'b: login(input: {email: "y@example.com", password: "p"}) { token } } mutation { ...F }'
    )
    assert api.gql(document)["errors"][0]["message"] == "A request may carry at most one sign-in mutation."
