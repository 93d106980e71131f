"""Browser tests: the app served by uvicorn on a free loopback port (temporary SQLite file), and
Debian's headless Chromium driven by Playwright, with every non-loopback request refused.

`live_server` and `page` are meant for any browser test: seed data through `live_server.deps`,
open `live_server.url + "/..."` in `page`; a request that tries to leave the machine fails the test.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn

from persistence.database import make_engine
from persistence.migrate import upgrade
from server.app import Runtime, create_app
from support import SmtpSink, free_port, settings_for_tests

REQUIRE_BROWSER = os.environ.get("TENANTRY_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests may run as root in a container
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def chromium_path() -> str:
    """Debian's chromium, or skip (fail when TENANTRY_REQUIRE_BROWSER=1) with the reason."""
    path = os.environ.get("TENANTRY_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    problem = None
    if not Path(path).exists():
        problem = f"Chromium is not installed at {path} (`apt-get install chromium`; `make test` does it as root)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            problem = "the Python package playwright is not installed (`make install`)"
    if problem:
        if REQUIRE_BROWSER:
            pytest.fail(f"{problem}, and TENANTRY_REQUIRE_BROWSER=1 requires it")
        pytest.skip(problem)
    return path


@dataclass
class LiveServer:
    url: str
    runtime: Runtime

    @property
    def deps(self) -> Any:
        return self.runtime.deps


@pytest.fixture(scope="module")
def live_server(smtp: SmtpSink, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The whole app under uvicorn in a thread, on 127.0.0.1 and a free port, with GraphiQL on."""
    with serve(smtp, tmp_path_factory.mktemp("live"), "127.0.0.1") as running:
        yield running


@contextmanager
def serve(smtp: SmtpSink, var_dir: Path, host_name: str, **overrides: Any) -> Iterator[LiveServer]:
    """Serve the app on loopback; the browser opens it as http://<host_name>:<port> (localhost is
    a secure context with a valid WebAuthn RP ID, 127.0.0.1 is no RP ID)."""
    database_url = f"sqlite:///{var_dir / 'tenantry.db'}"
    engine = make_engine(database_url)
    upgrade(engine)
    engine.dispose()
    port = free_port()
    url = f"http://{host_name}:{port}"
    settings = settings_for_tests(
        database_url, smtp.port, var_dir, allowed_origins=(url,), graphiql=True, introspection=True, **overrides
    )
    runtime = Runtime.build(settings)
    config = uvicorn.Config(
        create_app(settings, runtime=runtime), host="127.0.0.1", port=port, log_config=None, ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield LiveServer(url, runtime)
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module: while Playwright's sync API is open, its event loop counts as
    running in this thread, and later tests calling asyncio.run() would fail."""
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Offline:
    """What the page tried to fetch from elsewhere (refused), and the console's CSP complaints."""

    refused: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)


@pytest.fixture
def offline() -> Offline:
    return Offline()


@pytest.fixture
def page(browser: Any, offline: Offline) -> Iterator[Any]:
    """A fresh browser context (own cookies and localStorage) whose non-loopback requests are
    aborted and recorded; the test fails if any was attempted or the page broke its CSP."""
    context = browser.new_context(service_workers="block")

    def guard(route: Any) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host in LOOPBACK:
            route.continue_()
        else:
            offline.refused.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    page = context.new_page()
    page.on("console", lambda m: _note_csp(offline, m.text))
    yield page
    context.close()
    assert offline.refused == [], f"the page tried to leave the machine: {offline.refused}"
    assert offline.csp_violations == [], f"the page broke its Content-Security-Policy: {offline.csp_violations}"


def _note_csp(offline: Offline, text: str) -> None:
    if "Content Security Policy" in text:
        offline.csp_violations.append(text)
