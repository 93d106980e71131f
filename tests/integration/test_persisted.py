"""Operations by hash over HTTP (Automatic Persisted Queries), and TENANTRY_PERSISTED_ONLY for cookies."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from server import panel
from server.persisted import sha256
from support import LOGIN, Api, SmtpSink, without_cost

ORIGIN = "https://panel.example.com"
ME = "query Me { me { email } }"
LOGOUT = "mutation Logout { logout { errors { code } } }"
ELSEWHERE = "query Elsewhere { me { id email } }"  # in no manifest: what an injected script might send


def by_hash(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(text)}}


@pytest.fixture
def api_with(
    sqlite_url: str, smtp: SmtpSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Api]]:
    """The app with a panel build whose manifest holds ME, LOGIN and LOGOUT."""
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html>")
    manifest = {sha256(text): text for text in (ME, LOGIN, LOGOUT)}
    (dist / "persisted-operations.json").write_text(json.dumps(manifest))
    monkeypatch.setattr(panel, "PANEL_DIR", dist)
    with ExitStack() as stack:
        yield lambda **overrides: stack.enter_context(Api.start(sqlite_url, smtp, tmp_path / "var", **overrides))


def cookie_post(api: Api, body: dict[str, Any]) -> Any:
    return api.client.post("/graphql", json=body, headers={"origin": ORIGIN})


def test_a_manifest_hash_runs_without_its_text_over_post_and_get(api_with: Callable[..., Api]) -> None:
    api = api_with()
    user = api.new_account()
    response = api.post({"extensions": by_hash(ME)}, token=user.token)
    assert response.status_code == 200
    assert without_cost(response.json()) == {"data": {"me": {"email": user.email}}}
    got = api.client.get(
        "/graphql", params={"extensions": json.dumps(by_hash(ME))}, headers={"authorization": f"Bearer {user.token}"}
    )
    assert without_cost(got.json()) == {"data": {"me": {"email": user.email}}}


def test_an_unknown_hash_is_not_found_until_its_text_registers_it(api_with: Callable[..., Api]) -> None:
    api = api_with()
    user = api.new_account()
    query = "query Other { me { id } }"
    missed = api.post({"extensions": by_hash(query)}, token=user.token)
    assert missed.status_code == 200
    assert without_cost(missed.json()) == {
        "errors": [{"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]
    }
    registered = without_cost(api.post({"query": query, "extensions": by_hash(query)}, token=user.token).json())
    assert registered["data"]["me"]["id"]
    assert without_cost(api.post({"extensions": by_hash(query)}, token=user.token).json()) == registered
    params = {"extensions": json.dumps(by_hash(query))}
    assert without_cost(
        api.client.get("/graphql", params=params, headers={"authorization": f"Bearer {user.token}"}).json()
    ) == (registered)


def test_a_text_that_does_not_match_its_hash_is_a_bad_request(api_with: Callable[..., Api]) -> None:
    api = api_with()
    response = api.post({"query": "{ me { id } }", "extensions": by_hash(ME)})
    assert response.status_code == 400
    assert without_cost(response.json()) == {
        "errors": [
            {
                "message": "The SHA-256 of `query` does not match `extensions.persistedQuery.sha256Hash`.",
                "extensions": {"code": "PERSISTED_QUERY_HASH_MISMATCH"},
            }
        ]
    }
    wrong_version = api.post({"query": ME, "extensions": {"persistedQuery": {"version": 2, "sha256Hash": sha256(ME)}}})
    assert wrong_version.status_code == 400
    assert wrong_version.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"


def test_persisted_only_refuses_a_cookie_any_document_outside_the_manifest(api_with: Callable[..., Api]) -> None:
    api = api_with(persisted_only=True)
    user = api.new_account()
    api.client.cookies.set("__Host-tenantry_session", user.token or "")
    refused = cookie_post(api, {"query": ELSEWHERE})
    assert refused.status_code == 403
    assert without_cost(refused.json()) == {
        "errors": [
            {
                "message": "Requests signed in with the session cookie may run only the panel's own operations.",
                "extensions": {"code": "PERSISTED_QUERY_REQUIRED"},
            }
        ]
    }
    assert api.client.get("/graphql", params={"query": ELSEWHERE}).status_code == 403
    # Registered by someone else is not enough: only the manifest counts for a cookie.
    api.post({"query": ELSEWHERE, "extensions": by_hash(ELSEWHERE)}, token=user.token)
    assert cookie_post(api, {"extensions": by_hash(ELSEWHERE)}).status_code == 403
    # The manifest's documents run, by hash or as text.
    assert without_cost(cookie_post(api, {"extensions": by_hash(ME)}).json()) == {"data": {"me": {"email": user.email}}}
    assert without_cost(cookie_post(api, {"query": ME}).json()) == {"data": {"me": {"email": user.email}}}
    assert without_cost(cookie_post(api, {"extensions": by_hash(LOGOUT)}).json()) == {
        "data": {"logout": {"errors": []}}
    }


def test_persisted_only_leaves_bearer_and_anonymous_requests_alone(api_with: Callable[..., Api]) -> None:
    api = api_with(persisted_only=True)
    user = api.new_account()
    api.client.cookies.clear()  # the sign-in that seeded the user left its cookie
    assert api.data(ELSEWHERE, token=user.token)["me"]["email"] == user.email
    assert api.data(ELSEWHERE) == {"me": None}
    # Bearer wins over a cookie, as everywhere.
    api.client.cookies.set("__Host-tenantry_session", user.token or "")
    assert api.post({"query": ELSEWHERE}, token=user.token).json()["data"]["me"]["email"] == user.email


def test_the_panel_signs_in_by_hash_under_persisted_only(api_with: Callable[..., Api]) -> None:
    api = api_with(persisted_only=True)
    user = api.new_account()
    variables = {"input": {"email": user.email, "password": user.password}}
    response = cookie_post(api, {"extensions": by_hash(LOGIN), "variables": variables})
    assert response.json()["data"]["login"]["errors"] == []
    assert response.headers["set-cookie"].startswith("__Host-tenantry_session=")
    assert without_cost(cookie_post(api, {"extensions": by_hash(ME)}).json()) == {"data": {"me": {"email": user.email}}}
    assert cookie_post(api, {"query": ELSEWHERE}).status_code == 403


def test_without_persisted_only_a_cookie_may_send_any_document(api_with: Callable[..., Api]) -> None:
    api = api_with()
    user = api.new_account()
    api.client.cookies.set("__Host-tenantry_session", user.token or "")
    assert cookie_post(api, {"query": ELSEWHERE}).json()["data"]["me"]["email"] == user.email
