"""Several server processes on one PostgreSQL behave as one: sessions and limits live in the database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from domain.entities import AccountKind, User, UserRole
from domain.services import accounts
from server.app import Runtime
from support import (
    LOGIN,
    SERVER_START_TIMEOUT,
    SmtpSink,
    settings_for_tests,
    unique_orgnr,
    wait_until_ready,
    without_cost,
)

TENANTRY = str(Path(sys.executable).parent / "tenantry")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def two_servers(postgres_url: str, smtp: SmtpSink, tmp_path: Path) -> Iterator[list[str]]:
    """Two independent `tenantry serve` processes (each with two workers) on one database."""
    yield from _serve_two(postgres_url, smtp, tmp_path, {})


@pytest.fixture
def two_limited_servers(postgres_url: str, smtp: SmtpSink, tmp_path: Path) -> Iterator[list[str]]:
    """The same, with a budget of 100 points per session."""
    yield from _serve_two(postgres_url, smtp, tmp_path, {"TENANTRY_RATE_LIMIT_POINTS": "100"})


def _serve_two(postgres_url: str, smtp: SmtpSink, tmp_path: Path, settings: dict[str, str]) -> Iterator[list[str]]:
    env = {
        **os.environ,
        "TENANTRY_DATABASE_URL": postgres_url,
        "TENANTRY_VAR_DIR": str(tmp_path),
        "TENANTRY_SECRET_KEY": "k" * 48,
        "TENANTRY_BCRYPT_ROUNDS": "4",
        "TENANTRY_ACCESS_LOG": "0",
        "TENANTRY_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "TENANTRY_HASH_CONCURRENCY": "4",
        **settings,
    }
    ports = [free_port(), free_port()]
    logs = [tmp_path / f"server-{p}.log" for p in ports]
    procs = []
    for port, log in zip(ports, logs, strict=True):
        with log.open("wb") as sink:
            procs.append(
                subprocess.Popen(
                    [TENANTRY, "serve", "--port", str(port), "--workers", "2"], env=env, stdout=sink, stderr=sink
                )
            )
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for url, proc, log in zip(urls, procs, logs, strict=True):
            wait_until_ready(url, proc, log)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)


@pytest.mark.timeout(SERVER_START_TIMEOUT + 60)  # starting the servers may take that long on a loaded machine
def test_sessions_and_sign_in_limits_are_shared_across_processes(
    two_servers: list[str], postgres_url: str, smtp: SmtpSink, tmp_path: Path
) -> None:
    user = _seed(postgres_url, smtp, tmp_path, "shared")

    def login(url: str, password: str) -> dict:
        body = {"query": LOGIN, "variables": {"input": {"email": user.email, "password": password}}}
        return httpx.post(f"{url}/graphql", json=body, timeout=10).json()["data"]["login"]

    token = login(two_servers[0], "harbor-violet-spoon-12")["token"]
    me = httpx.post(
        f"{two_servers[1]}/graphql",
        json={"query": "{ me { email } }"},
        headers={"authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    assert without_cost(me) == {"data": {"me": {"email": user.email}}}

    codes = [login(two_servers[i % 2], "wrong-password-x")["errors"][0]["code"] for i in range(12)]
    assert codes == ["INVALID_CREDENTIALS"] * 10 + ["TOO_MANY_ATTEMPTS"] * 2
    assert login(two_servers[1], "harbor-violet-spoon-12")["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"


@pytest.mark.timeout(SERVER_START_TIMEOUT + 60)
def test_rate_limit_budgets_are_shared_across_processes(
    two_limited_servers: list[str], postgres_url: str, smtp: SmtpSink, tmp_path: Path
) -> None:
    user = _seed(postgres_url, smtp, tmp_path, "budget")
    body = {"query": LOGIN, "variables": {"input": {"email": user.email, "password": "harbor-violet-spoon-12"}}}
    token = httpx.post(f"{two_limited_servers[0]}/graphql", json=body, timeout=10).json()["data"]["login"]["token"]

    def call(server: int, query: str) -> httpx.Response:
        url = f"{two_limited_servers[server]}/graphql"
        return httpx.post(url, json={"query": query}, headers={"authorization": f"Bearer {token}"}, timeout=10)

    def remaining(response: httpx.Response) -> int:
        return int(response.headers["ratelimit-remaining"])

    contacts = "{ me { account { contacts { email } } } }"  # 23 points
    for server in (0, 1, 0):
        assert call(server, contacts).status_code == 200
    # Each process writes its points within 0.2 s; a worker re-reads a count older than a second.
    time.sleep(1.5)
    assert remaining(call(1, "{ me { email } }")) == 100 - 69 - 2
    time.sleep(0.5)
    assert remaining(call(0, "{ me { email } }")) == 100 - 69 - 4
    time.sleep(1.5)
    assert remaining(call(1, contacts)) == 4
    time.sleep(1.5)
    for server in (0, 1):
        refused = call(server, contacts)
        assert refused.status_code == 429 and remaining(refused) == 4 and int(refused.headers["retry-after"]) > 0
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


def _seed(postgres_url: str, smtp: SmtpSink, tmp_path: Path, name: str) -> User:
    runtime = Runtime.build(settings_for_tests(postgres_url, smtp.port, tmp_path, secret_key="k" * 48))
    account = accounts.create_account(
        runtime.deps,
        kind=AccountKind.BUSINESS,
        number=unique_orgnr(),
        company_name=f"{name.title()} AB",
        contact_person="Ann Berg",
        contact_email=f"{name}@example.com",
    )
    user = accounts.create_user(
        runtime.deps,
        account_id=account.id,
        email=f"{name}-user@example.com",
        role=UserRole.MEMBER,
        password="harbor-violet-spoon-12",
        first_name="Ann",
        last_name="Berg",
    )
    runtime.close()
    return user
