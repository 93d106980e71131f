"""Test support: a real SMTP sink, the app behind a TestClient, and data seeded through the domain."""

from __future__ import annotations

import email
import email.policy
import itertools
import random
import re
import secrets
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx2 as httpx
import pytest
from aiosmtpd.controller import Controller
from starlette.testclient import TestClient
from stdnum import luhn

import server.app
from domain.entities import AccountKind, UserRole
from domain.services import accounts
from server.app import Runtime, create_app
from server.settings import Settings

TEST_SECRET = "test-secret-key-" + "x" * 40
# How long a `tenantry serve` process may take to answer /readyz. Far above its usual second or two:
# on a loaded machine (parallel test workers, other jobs) starting uvicorn's workers took over 30 s.
SERVER_START_TIMEOUT = 120.0


class SmtpSink:
    """An in-process SMTP server (aiosmtpd) that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._cond = threading.Condition()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._cond:
            self.messages.append(message)  # type: ignore[arg-type]
            self._cond.notify_all()
        return "250 OK"

    def start(self) -> None:
        # The port was free when picked, but a parallel test worker may have taken it since: pick again.
        for _ in range(5):
            try:
                self.controller.start()
                return
            except (OSError, RuntimeError):
                self.port = free_port()
                self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        with self._cond:
            return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def wait_for(self, address: str, *, subject: str = "", count: int = 1, timeout: float = 10) -> EmailMessage:
        """The `count`-th message to `address` whose subject contains `subject`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [m for m in self.to(address) if subject.lower() in str(m["Subject"]).lower()]
                if len(found) >= count:
                    return found[count - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no mail #{count} to {address} with subject {subject!r}")
                self._cond.wait(left)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(
    url: str, proc: subprocess.Popen[bytes], log: Path, *, timeout: float = SERVER_START_TIMEOUT
) -> None:
    """Poll `url`/readyz until it answers 200. Fails the test with the server's output (`log`) as soon
    as the process exits, or when it has not answered within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            pytest.fail(f"the server for {url} exited with code {proc.returncode}; its output:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"the server for {url} was not ready after {timeout:.0f} s; its output:\n{log.read_text()}")
        time.sleep(0.2)


def code_in(message: EmailMessage) -> str:
    """The 6-digit code in a mail body."""
    body = message.get_body(("plain",))
    assert body is not None
    match = re.search(r"\b(\d{6})\b", body.get_content())
    assert match, "no 6-digit code in the mail"
    return match.group(1)


# Numbers are unique per database (an index enforces it), and a test run shares one database:
# a counter from a random start gives each call its own number, where random draws would collide.
_numbers = itertools.count(random.randrange(10**6))


def unique_orgnr() -> str:
    """A valid Swedish organization number, never handed out before in this run. Digits 3-4 are
    20-99, so it can never also read as a personal number (no month is 20 or more)."""
    n = next(_numbers)
    digits = f"55{20 + n % 80:02d}{n // 80 % 10**5:05d}"
    return f"{digits[:6]}-{digits[6:]}{luhn.calc_check_digit(digits)}"


def unique_personnummer() -> str:
    """A valid Swedish personal number (born 1950-1999), never handed out before in this run."""
    n = next(_numbers)
    born = date(1950, 1, 1) + timedelta(days=n // 1000 % 18_000)
    body = f"{born:%y%m%d}{n % 1000:03d}"
    return f"{born:%Y}{body[2:6]}-{body[6:]}{luhn.calc_check_digit(body)}"


@dataclass
class Seeded:
    account_id: UUID
    user_id: UUID
    email: str
    password: str
    token: str | None = None


def settings_for_tests(database_url: str, smtp_port: int, var_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        env="test",
        var_dir=var_dir,
        database_url=database_url,
        secret_key=TEST_SECRET,
        smtp_url=f"smtp://127.0.0.1:{smtp_port}",
        bcrypt_rounds=4,
        hash_concurrency=4,
        outbox_poll_seconds=0.05,
        access_log=False,
        allowed_origins=("https://panel.example.com",),
        # Tests share a database for a whole run: budgets they never reach, unless a test sets its own.
        rate_limit_points=10**9,
        rate_limit_anonymous_points=10**9,
    )
    values.update(overrides)
    return Settings(**values)


class Api:
    """The app through HTTP, plus shortcuts to seed data the way an operator would (the CLI's services)."""

    def __init__(self, client: TestClient, runtime: Runtime, smtp: SmtpSink) -> None:
        self.client = client
        self.runtime = runtime
        self.smtp = smtp

    @classmethod
    @contextmanager
    def start(cls, database_url: str, smtp: SmtpSink, var_dir: Path, **overrides: Any) -> Iterator[Api]:
        settings = settings_for_tests(database_url, smtp.port, var_dir, **overrides)
        runtime = Runtime.build(settings)
        app = create_app(settings, runtime=runtime)
        # A fresh client address per test keeps the per-IP sign-in limit of one test from another's.
        ip = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
        with TestClient(app, base_url="https://testserver", client=(ip, 50000)) as client:
            yield cls(client, runtime, smtp)

    @property
    def deps(self) -> Any:
        return self.runtime.deps

    def post(self, body: Any, *, token: str | None = None, headers: dict[str, str] | None = None) -> Any:
        all_headers = {"authorization": f"Bearer {token}"} if token else {}
        all_headers.update(headers or {})
        return self.client.post("/graphql", json=body, headers=all_headers)

    def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        response = self.post({"query": query, "variables": variables or {}}, token=token, headers=headers)
        assert response.status_code == 200, response.text
        return without_cost(response.json())

    def data(self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None) -> Any:
        """The `data` of a response that must have no GraphQL errors."""
        body = self.gql(query, variables, token=token)
        assert "errors" not in body, body
        return body["data"]

    def login(self, email: str, password: str) -> str:
        result = self.data(LOGIN, {"input": {"email": email, "password": password}})["login"]
        assert result["errors"] == [] and result["token"], result
        return result["token"]

    def new_account(
        self,
        kind: AccountKind = AccountKind.BUSINESS,
        role: UserRole = UserRole.ACCOUNT_ADMIN,
        *,
        contact_email: str | None = None,
    ) -> Seeded:
        tag = secrets.token_hex(4)
        account = accounts.create_account(
            self.deps,
            kind=kind,
            number=unique_orgnr() if kind is AccountKind.BUSINESS else unique_personnummer(),
            company_name=f"Company {tag} AB" if kind is AccountKind.BUSINESS else None,
            contact_person="Alva Ekström",
            contact_email=contact_email or f"contact-{tag}@example.com",
        )
        return self.new_user(account.id, role)

    def new_user(self, account_id: UUID, role: UserRole = UserRole.MEMBER, *, login: bool = True) -> Seeded:
        tag = secrets.token_hex(4)
        email_address = f"user-{tag}@example.com"
        password = f"quiet-{tag}-garden-path"
        user = accounts.create_user(
            self.deps,
            account_id=account_id,
            email=email_address,
            role=role,
            password=password,
            first_name="Alva",
            last_name="Ekström",
        )
        seeded = Seeded(account_id, user.id, email_address, password)
        if login:
            seeded.token = self.login(email_address, password)
        return seeded


def without_cost(body: dict[str, Any]) -> dict[str, Any]:
    """A response body without `extensions.cost` (checked to be there), which every answer carries
    (tests/integration/test_rate_limits.py tests it); the rest is then compared whole."""
    cost = body.get("extensions", {}).pop("cost")
    assert isinstance(cost["requested"], int) and isinstance(cost["remaining"], int), cost
    if body["extensions"] == {}:
        del body["extensions"]
    return body


LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) { token mfaRequired mfaChallenge errors { field code message } user { id email } }
}
"""


class FrozenClock:
    """The app's clock (server.app.utc_now), standing still until a test moves it."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: float | timedelta) -> None:
        self.now += by if isinstance(by, timedelta) else timedelta(seconds=by)


def freeze_clock(monkeypatch: pytest.MonkeyPatch, now: datetime | None = None) -> FrozenClock:
    """Apps built after this read `FrozenClock`'s time."""
    frozen = FrozenClock(now)
    monkeypatch.setattr(server.app, "utc_now", frozen)
    return frozen
