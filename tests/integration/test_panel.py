"""The built panel at `/` and at its client routes, beside the API, with a CSP that allows only 'self'."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from server import panel
from support import Api, SmtpSink, without_cost

INDEX = '<!doctype html><script type="module" src="/assets/index-abc.js"></script>'


@pytest.fixture
def built(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "index-abc.js").write_text("console.log('panel')")
    (dist / "routes.json").write_text(json.dumps(["/", "/sign-in", "/profile", "/contacts"]))
    (dist / "persisted-operations.json").write_text("{}")
    return dist


@pytest.fixture
def api_with(
    sqlite_url: str, smtp: SmtpSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[Path], Api]]:
    """The app, built while PANEL_DIR points at the given folder."""
    with ExitStack() as stack:

        def start(dist: Path) -> Api:
            monkeypatch.setattr(panel, "PANEL_DIR", dist)
            return stack.enter_context(Api.start(sqlite_url, smtp, tmp_path / "var"))

        yield start


def test_panel_is_served_at_root_and_at_its_client_routes(api_with: Callable[[Path], Api], built: Path) -> None:
    api = api_with(built)
    for path in ("/", "/profile", "/contacts", "/sign-in"):
        response = api.client.get(path)
        assert response.status_code == 200, path
        assert response.text == INDEX
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert response.headers["content-security-policy"].startswith("default-src 'self'; img-src 'self' data:;")
        assert "unsafe" not in response.headers["content-security-policy"]
    asset = api.client.get("/assets/index-abc.js")
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]


def test_panel_leaves_the_api_and_unknown_paths_alone(api_with: Callable[[Path], Api], built: Path) -> None:
    api = api_with(built)
    assert without_cost(api.client.post("/graphql", json={"query": "{ me { id } }"}).json()) == {"data": {"me": None}}
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/no-such-page").status_code == 404
    assert api.client.get("/persisted-operations.json").status_code == 404


def test_without_a_build_there_are_no_panel_routes(tmp_path: Path) -> None:
    assert panel.panel_routes(tmp_path / "missing") == []
