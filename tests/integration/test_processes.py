"""Several server processes on one PostgreSQL behave as one: sessions and limits live in the database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx
import pytest

from domain.entities import AccountKind, User, UserRole
from domain.services import accounts
from server.app import Runtime
from support import LOGIN, SERVER_START_TIMEOUT, SmtpSink, settings_for_tests, wait_until_ready, without_cost

TENANTRY = str(Path(sys.executable).parent / "tenantry")
PASSWORD = "harbor-violet-spoon-12"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def two_servers(postgres_url: str, smtp: SmtpSink, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Two independent `tenantry serve` processes (each with two workers) on one database, shared by
    this module's tests (starting them takes a while)."""
    tmp_path = tmp_path_factory.mktemp("servers")
    env = {
        **os.environ,
        "TENANTRY_DATABASE_URL": postgres_url,
        "TENANTRY_VAR_DIR": str(tmp_path),
        "TENANTRY_SECRET_KEY": "k" * 48,
        "TENANTRY_BCRYPT_ROUNDS": "4",
        "TENANTRY_ACCESS_LOG": "0",
        "TENANTRY_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "TENANTRY_HASH_CONCURRENCY": "4",
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


@contextmanager
def seeded_user(
    postgres_url: str, smtp: SmtpSink, tmp_path: Path, name: str, role: UserRole
) -> Iterator[tuple[Runtime, User]]:
    """A new account and user in the servers' database, and a Runtime on it for the test's own reads."""
    from support import unique_orgnr

    runtime = Runtime.build(settings_for_tests(postgres_url, smtp.port, tmp_path, secret_key="k" * 48))
    try:
        account = accounts.create_account(
            runtime.deps,
            kind=AccountKind.BUSINESS,
            number=unique_orgnr(),
            company_name=f"{name.title()} AB",
            contact_person="Ann Berg",
            contact_email=f"{name}-contact@example.com",
        )
        user = accounts.create_user(
            runtime.deps,
            account_id=account.id,
            email=f"{name}-{account.id.hex[:8]}@example.com",
            role=role,
            password=PASSWORD,
            first_name="Ann",
            last_name="Berg",
        )
        yield runtime, user
    finally:
        runtime.close()


def new_user(postgres_url: str, smtp: SmtpSink, tmp_path: Path, name: str, role: UserRole) -> User:
    with seeded_user(postgres_url, smtp, tmp_path, name, role) as (_, user):
        return user


def sign_in(url: str, email: str) -> str:
    body = {"query": LOGIN, "variables": {"input": {"email": email, "password": PASSWORD}}}
    return str(httpx.post(f"{url}/graphql", json=body, timeout=10).json()["data"]["login"]["token"])


@pytest.mark.timeout(SERVER_START_TIMEOUT + 60)  # starting the servers may take that long on a loaded machine
def test_sessions_and_sign_in_limits_are_shared_across_processes(
    two_servers: list[str], postgres_url: str, smtp: SmtpSink, tmp_path: Path
) -> None:
    user = new_user(postgres_url, smtp, tmp_path, "shared", UserRole.MEMBER)

    def login(url: str, password: str) -> dict:
        body = {"query": LOGIN, "variables": {"input": {"email": user.email, "password": password}}}
        return httpx.post(f"{url}/graphql", json=body, timeout=10).json()["data"]["login"]

    token = login(two_servers[0], PASSWORD)["token"]
    me = httpx.post(
        f"{two_servers[1]}/graphql",
        json={"query": "{ me { email } }"},
        headers={"authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    assert without_cost(me) == {"data": {"me": {"email": user.email}}}

    codes = [login(two_servers[i % 2], "wrong-password-x")["errors"][0]["code"] for i in range(12)]
    assert codes == ["INVALID_CREDENTIALS"] * 10 + ["TOO_MANY_ATTEMPTS"] * 2
    assert login(two_servers[1], PASSWORD)["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"


@pytest.mark.timeout(SERVER_START_TIMEOUT + 60)
def test_one_idempotency_key_runs_its_change_once_across_processes(
    two_servers: list[str], postgres_url: str, smtp: SmtpSink, tmp_path: Path
) -> None:
    import concurrent.futures
    import threading

    from sqlalchemy import func, select

    from persistence.tables import contacts_t

    with seeded_user(postgres_url, smtp, tmp_path, "retry", UserRole.ACCOUNT_ADMIN) as (runtime, user):
        token = sign_in(two_servers[0], user.email)
        email = f"once-{user.account_id.hex[:8]}@example.com"
        add = {
            "query": "mutation A($input: AddContactEmailInput!) { addContactEmail(input: $input) { contact { id } } }",
            "variables": {"input": {"email": email}},
        }
        headers = {"authorization": f"Bearer {token}", "idempotency-key": "order-42"}
        ready = threading.Barrier(8)

        def send(i: int) -> httpx.Response:
            ready.wait()
            return httpx.post(f"{two_servers[i % 2]}/graphql", json=add, headers=headers, timeout=30)

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(send, range(8)))

        ran = [a for a in answers if a.status_code == 200 and "idempotent-replayed" not in a.headers]
        replayed = [a for a in answers if a.status_code == 200 and a.headers.get("idempotent-replayed") == "true"]
        busy = [a for a in answers if a.status_code == 409]
        assert len(ran) == 1 and len(ran) + len(replayed) + len(busy) == 8, [a.status_code for a in answers]
        assert all(a.content == ran[0].content for a in replayed)
        with runtime.engine.connect() as conn:
            assert conn.execute(select(func.count()).where(contacts_t.c.email == email)).scalar_one() == 1


@pytest.mark.timeout(SERVER_START_TIMEOUT + 60)
def test_rate_limit_budgets_are_shared_across_processes(
    two_servers: list[str], postgres_url: str, smtp: SmtpSink, tmp_path: Path
) -> None:
    token = sign_in(two_servers[0], new_user(postgres_url, smtp, tmp_path, "budget", UserRole.ACCOUNT_ADMIN).email)

    def call(server: int, query: str) -> httpx.Response:
        url = f"{two_servers[server]}/graphql"
        return httpx.post(url, json={"query": query}, headers={"authorization": f"Bearer {token}"}, timeout=10)

    def remaining(response: httpx.Response) -> int:
        return int(response.headers["ratelimit-remaining"])

    # 4 + 100 x (1 + 20) = 2104 of the default 5,000 points per session.
    page = "{ me { account { auditLog(first: 100) { edges { node { changedFields } } } } } }"
    for server in (0, 1):  # each process (each worker) admits what it alone knows to fit
        assert call(server, page).status_code == 200
    # Each process writes its points within 0.2 s; a worker re-reads a count older than a second.
    time.sleep(1.5)
    assert remaining(call(1, "{ me { email } }")) == 5000 - 4208 - 2
    time.sleep(0.5)
    assert remaining(call(0, "{ me { email } }")) == 5000 - 4208 - 4
    time.sleep(1.5)
    for server in (0, 1):
        refused = call(server, page)
        assert refused.status_code == 429 and remaining(refused) == 788 and int(refused.headers["retry-after"]) > 0
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
