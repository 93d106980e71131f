"""`make run` / `tenantry serve` as a developer uses it: any port works from the browser, and the log
is what an operator can read (here as JSON lines)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest

from support import SERVER_START_TIMEOUT, wait_until_ready, without_cost

ROOT = Path(__file__).resolve().parents[2]
TENANTRY = str(Path(sys.executable).parent / "tenantry")
LOGIN = "mutation Login($i: LoginInput!) { login(input: $i) { token errors { code } user { id } } }"
LOGOUT = "mutation Logout { logout { errors { code } } }"
ANDERS = {"email": "anders.berg@acme.example.com", "password": "amber-meadow-compass-17"}


@dataclass
class Served:
    url: str
    port: int
    log: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """`tenantry serve --port <not 8000>` in development, with JSON logs and one misspelt variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENANTRY_")}
    env.update(
        TENANTRY_VAR_DIR=str(tmp_path),
        TENANTRY_BCRYPT_ROUNDS="4",
        TENANTRY_LOG_FORMAT="json",
        TENANTRY_SMPT_URL="smtp://mail.example.com",
    )
    demo = subprocess.run([TENANTRY, "demo"], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert demo.returncode == 0, demo.stderr
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as sink:
        proc = subprocess.Popen([TENANTRY, "serve", "--port", str(port)], env=env, stdout=sink, stderr=sink, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, proc, log)
        yield Served(url, port, log)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def post(served: Served, query: str, origin: str, token: str | None = None, **variables: object) -> dict:
    headers = {"origin": origin, "content-type": "application/json"}
    if token:  # as the browser would send the __Host- cookie (httpx keeps Secure cookies off plain http)
        headers["cookie"] = f"__Host-tenantry_session={token}"
    response = httpx.post(f"{served.url}/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return without_cost(response.json())


@pytest.mark.timeout(SERVER_START_TIMEOUT + 90)  # `tenantry demo`, then a server start, on a loaded machine
def test_any_port_accepts_cookie_changes_from_its_own_origins_and_logs_json(served: Served) -> None:
    for origin in (f"http://localhost:{served.port}", f"http://127.0.0.1:{served.port}"):
        login = post(served, LOGIN, origin, i=ANDERS)["data"]["login"]
        assert login["errors"] == [] and login["token"]
        assert post(served, LOGOUT, origin, token=login["token"]) == {"data": {"logout": {"errors": []}}}

    token = post(served, LOGIN, f"http://localhost:{served.port}", i=ANDERS)["data"]["login"]["token"]
    refused = post(served, LOGOUT, "http://localhost:5173", token=token)["errors"][0]
    assert refused["extensions"] == {"code": "FORBIDDEN"}
    assert "'http://localhost:5173'" in refused["message"] and "TENANTRY_ALLOWED_ORIGINS" in refused["message"]

    time.sleep(0.3)  # the access line is written as the response ends
    entries = [json.loads(line) for line in served.log.read_text().splitlines() if line.strip()]
    messages = [e["message"] for e in entries]
    assert f"GraphQL API and GraphiQL: http://127.0.0.1:{served.port}/graphql" in messages
    warning = next(e for e in entries if "TENANTRY_SMPT_URL" in e["message"])
    assert warning["level"] == "WARNING" and "did you mean TENANTRY_SMTP_URL?" in warning["message"]
    access = [e for e in entries if e["logger"] == "tenantry.access"]
    logins = [e for e in access if e["operation_name"] == "Login"]
    assert len(logins) == 3 and all(e["user"] and e["client_ip"] == "127.0.0.1" for e in logins)
    forbidden = access[-1]
    assert (forbidden["operation_type"], forbidden["operation_name"]) == ("mutation", "Logout")
    assert forbidden["error_codes"] == ["FORBIDDEN"] and forbidden["user"] == logins[-1]["user"]
    assert len(forbidden["request_id"]) == 32 and forbidden["duration_ms"] > 0
    assert ANDERS["email"] not in served.log.read_text() and ANDERS["password"] not in served.log.read_text()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_takes_a_port_and_installs_no_test_tools() -> None:
    def planned(*args: str) -> str:
        # -n prints the commands without running them; -B plans every step as on a fresh checkout.
        done = subprocess.run(["make", "-n", "-B", *args], capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run = planned("run", "PORT=5555")
    assert "tenantry serve --host 127.0.0.1 --port 5555" in run
    assert "[test]" not in run and "pip install" in run
    assert "'.[test]'" in planned("test")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_test_checks_lint_format_and_types_then_runs_the_suite_in_parallel() -> None:
    done = subprocess.run(["make", "-n", "-B", "test"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    tools = [line for line in done.stdout.splitlines() if line.startswith(".venv/bin/") and " -m pip " not in line]
    assert tools[:3] == [".venv/bin/ruff check .", ".venv/bin/ruff format --check .", ".venv/bin/mypy"]
    assert len(tools) == 4 and tools[3].startswith(".venv/bin/python -m pytest -n ")
