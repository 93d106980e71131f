"""What browsers get besides GraphQL: the GraphiQL page and its files, `/`, and security headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server import graphiql, panel
from server.app import create_app
from support import LOGIN, SmtpSink, settings_for_tests, without_cost

HTML = {"accept": "text/html,application/xhtml+xml"}
EVERYWHERE = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY"}


@contextmanager
def served(sqlite_url: str, smtp: SmtpSink, tmp_path: Path, **overrides: Any) -> Iterator[TestClient]:
    settings = settings_for_tests(sqlite_url, smtp.port, tmp_path, **overrides)
    app = create_app(settings)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client(sqlite_url: str, smtp: SmtpSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(panel, "PANEL_DIR", tmp_path / "no-panel-build")  # `/` then redirects to GraphiQL
    with served(sqlite_url, smtp, tmp_path, max_body_bytes=2048) as running:
        yield running


def test_graphiql_page_loads_only_its_own_files_under_a_strict_csp(client: TestClient) -> None:
    page = client.get("/graphql", headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert csp == graphiql.CSP and "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert re.findall(r"<script[^>]*>", page.text) == ['<script type="module" src="graphiql/graphiql.js">']
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls == ["graphiql/graphiql.css", "graphiql/graphiql.js"]
    assert 'data-endpoint="/graphql"' in page.text
    for url in urls:
        served_file = client.get("/" + url)
        assert served_file.status_code == 200 and served_file.content
    assert client.get("/graphiql/graphiql.js").headers["content-type"].startswith("text/javascript")
    assert "MIT License" in client.get("/graphiql/LICENSE").text
    assert "cdn" not in page.text.lower() and "unpkg" not in client.get("/graphiql/graphiql.js").text


def test_graphql_over_get_and_post_still_answers_next_to_the_page(client: TestClient) -> None:
    for response in (
        client.get("/graphql", params={"query": "{ __typename }"}),
        client.post("/graphql", json={"query": "{ __typename }"}),
    ):
        assert without_cost(response.json()) == {"data": {"__typename": "Query"}}


def test_without_graphiql_neither_page_nor_files_are_served(sqlite_url: str, smtp: SmtpSink, tmp_path: Path) -> None:
    with served(sqlite_url, smtp, tmp_path, graphiql=False) as client:
        page = client.get("/graphql", headers=HTML)
        assert "content-security-policy" not in page.headers and "graphiql.js" not in page.text
        assert client.get("/graphiql/graphiql.js").status_code == 404


def test_root_redirects_to_graphql(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "https://testserver/graphql"


def _responses(client: TestClient) -> dict[str, Any]:
    return {
        "health": client.get("/healthz"),
        "graphql post": client.post("/graphql", json={"query": LOGIN, "variables": {}}),
        "graphql get": client.get("/graphql", params={"query": "{ __typename }"}),
        "graphiql page": client.get("/graphql", headers=HTML),
        "graphiql file": client.get("/graphiql/graphiql.css"),
        "bad request": client.post("/graphql", content=b"{bad", headers={"content-type": "application/json"}),
        "too large": client.post("/graphql", content=b"x" * 4096, headers={"content-type": "application/json"}),
        "not found": client.get("/nowhere"),
        "method not allowed": client.put("/graphql"),
        "redirect": client.get("/", follow_redirects=False),
    }


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    responses = _responses(client)
    assert {r.status_code for r in responses.values()} >= {200, 307, 400, 404, 405, 413}
    for name, response in responses.items():
        assert {k: response.headers.get(k) for k in EVERYWHERE} == EVERYWHERE, name
        assert "strict-transport-security" not in response.headers, name  # not outside production


def test_graphql_answers_are_never_cached_and_other_responses_keep_their_caching(client: TestClient) -> None:
    for name, response in _responses(client).items():
        if name.startswith(("graphql", "graphiql page", "bad request", "too large", "method")):
            assert response.headers["cache-control"] == "no-store", name
        else:
            assert response.headers.get("cache-control") != "no-store", name


def test_an_unexpected_500_carries_the_security_headers(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(graphiql, "page", broken)
    response = client.get("/graphql", headers=HTML)
    assert response.status_code == 500
    assert {k: response.headers.get(k) for k in EVERYWHERE} == EVERYWHERE


def test_production_adds_strict_transport_security(sqlite_url: str, smtp: SmtpSink, tmp_path: Path) -> None:
    with served(sqlite_url, smtp, tmp_path, env="production") as client:
        for name, response in _responses(client).items():
            assert response.headers["strict-transport-security"] == "max-age=31536000", name
