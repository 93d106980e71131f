"""Idempotency-Key on mutations, through HTTP on SQLite and PostgreSQL: replays, conflicts,
concurrent requests, expiry and what is stored."""

from __future__ import annotations

import concurrent.futures
import secrets
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import func, select

from domain.idempotency import LEASE
from domain.services import contacts as contacts_service
from persistence import idempotency as keys
from persistence import maintenance
from persistence.tables import contacts_t, idempotency_keys_t, sessions_t
from server import idempotency as http_idempotency
from support import LOGIN, Api, FrozenClock, SmtpSink, freeze_clock, without_cost

ADD = (
    "mutation A($input: AddContactEmailInput!) "
    "{ addContactEmail(input: $input) { contact { email verified } errors { field code message } } }"
)
LIST = "{ me { account { contacts { email } } } }"
ME = "{ me { email } }"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return freeze_clock(monkeypatch)


@pytest.fixture
def api(database_url: str, smtp: SmtpSink, tmp_path: Path, clock: FrozenClock) -> Iterator[Api]:
    with Api.start(database_url, smtp, tmp_path) as running:
        yield running


def new_key() -> str:
    return f"retry-{secrets.token_hex(8)}"


def add(api: Api, token: str | None, email: str, key: str | None, query: str = ADD) -> httpx.Response:
    headers = {"idempotency-key": key} if key is not None else {}
    response: httpx.Response = api.post(
        {"query": query, "variables": {"input": {"email": email}}}, token=token, headers=headers
    )
    return response


def address() -> str:
    return f"retry-{secrets.token_hex(5)}@example.com"


def contact_rows(api: Api, email: str) -> int:
    with api.runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(contacts_t.c.email == email)).scalar_one())


def test_a_retried_change_gets_the_first_response_byte_for_byte_and_runs_once(api: Api) -> None:
    user = api.new_account()
    email, key = address(), new_key()

    first = add(api, user.token, email, key)
    second = add(api, user.token, email, key)

    assert first.status_code == 200
    assert first.json()["data"]["addContactEmail"] == {"contact": {"email": email, "verified": False}, "errors": []}
    assert "idempotent-replayed" not in first.headers
    assert second.content == first.content
    assert second.status_code == first.status_code
    assert second.headers["content-type"] == first.headers["content-type"] == "application/json"
    assert second.headers["idempotent-replayed"] == "true"
    assert contact_rows(api, email) == 1
    api.smtp.wait_for(email, subject="Confirm your new address")
    time.sleep(0.3)  # the outbox worker polls every 0.05 s: a second mail would be here by now
    assert len(api.smtp.to(email)) == 1
    # Without the key the same request runs again, and the rules answer it.
    again = add(api, user.token, email, None).json()["data"]["addContactEmail"]
    assert again["contact"] is None and again["errors"][0]["code"] == "ALREADY_EXISTS"


def test_the_same_key_for_another_request_is_refused_with_422(api: Api) -> None:
    user = api.new_account()
    key = new_key()
    assert add(api, user.token, address(), key).status_code == 200

    other_variables = add(api, user.token, address(), key)
    other_document = add(api, user.token, address(), key, query=ADD.replace("verified }", "verified email }"))
    other_operation = api.post(
        {"query": ADD, "operationName": "A", "variables": {"input": {"email": address()}}},
        token=user.token,
        headers={"idempotency-key": key},
    )

    for refused in (other_variables, other_document, other_operation):
        assert refused.status_code == 422
        assert without_cost(refused.json()) == {
            "errors": [
                {
                    "message": "This Idempotency-Key was used for a different request (document, operation or "
                    "variables); use a new key.",
                    "extensions": {"code": "IDEMPOTENCY_KEY_REUSED"},
                }
            ]
        }
    assert len(api.data(LIST, token=user.token)["me"]["account"]["contacts"]) == 2  # 1 seeded + 1 added


def test_keys_of_different_credentials_are_independent(api: Api) -> None:
    first = api.new_account()
    second = api.new_account()
    other_session = api.login(first.email, first.password)
    key = new_key()

    answers = [add(api, token, address(), key) for token in (first.token, second.token, other_session)]

    for answer in answers:
        assert answer.status_code == 200 and "idempotent-replayed" not in answer.headers
        assert answer.json()["data"]["addContactEmail"]["errors"] == []
    assert len(api.data(LIST, token=first.token)["me"]["account"]["contacts"]) == 3  # 1 seeded + 2 added


def test_queries_ignore_the_key(api: Api) -> None:
    user = api.new_account()
    key = new_key()
    first = api.post({"query": ME}, token=user.token, headers={"idempotency-key": key})
    second = api.post({"query": ME}, token=user.token, headers={"idempotency-key": key})
    assert first.status_code == second.status_code == 200
    assert "idempotent-replayed" not in second.headers
    assert without_cost(second.json()) == {"data": {"me": {"email": user.email}}}
    # And the same key is still free for a change.
    assert "idempotent-replayed" not in add(api, user.token, address(), key).headers


@pytest.mark.parametrize(
    "raw",
    [b"", b"x" * 256, b"tab\there", b"del\x7f", "caf\u00e9".encode(), b"nul\x00"],
    ids=["empty", "too-long", "tab", "del", "non-ascii", "nul"],
)
def test_malformed_keys_are_refused_with_400(api: Api, raw: bytes) -> None:
    user = api.new_account()
    email = address()
    response = api.client.post(
        "/graphql",
        json={"query": ADD, "variables": {"input": {"email": email}}},
        headers=[("authorization", f"Bearer {user.token}"), ("idempotency-key", raw)],  # type: ignore[arg-type]
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_REQUEST"}
    assert error["message"].startswith("An Idempotency-Key ")
    assert contact_rows(api, email) == 0


def test_longest_key_is_accepted_and_two_keys_are_refused(api: Api) -> None:
    user = api.new_account()
    longest = "".join(chr(32 + i % 95) for i in range(255))
    assert add(api, user.token, address(), longest).status_code == 200
    both = api.client.post(
        "/graphql",
        json={"query": ADD, "variables": {"input": {"email": address()}}},
        headers=[("authorization", f"Bearer {user.token}"), ("idempotency-key", "a"), ("idempotency-key", "b")],
    )
    assert both.status_code == 400
    assert both.json()["errors"][0]["message"] == "Send one Idempotency-Key header, not several."


def test_a_request_that_never_ran_leaves_the_key_free(api: Api) -> None:
    user = api.new_account()
    key, email = new_key(), address()
    invalid = add(api, user.token, email, key, query=ADD.replace("verified }", "verified nonsense }"))
    assert invalid.status_code == 200 and invalid.json()["data"] is None  # a validation error: nothing ran
    fixed = add(api, user.token, email, key)
    assert fixed.status_code == 200 and "idempotent-replayed" not in fixed.headers
    assert contact_rows(api, email) == 1


def slow_add_contact(monkeypatch: pytest.MonkeyPatch, seconds: float) -> threading.Event:
    """Make addContactEmail take `seconds`; the event is set once the first one has started."""
    started = threading.Event()
    original = contacts_service.add_contact

    def slow(*args: Any, **kwargs: Any) -> Any:
        started.set()
        time.sleep(seconds)
        return original(*args, **kwargs)

    monkeypatch.setattr(contacts_service, "add_contact", slow)
    return started


def race(api: Api, token: str | None, email: str, key: str, started: threading.Event) -> list[httpx.Response]:
    """Two requests with one key, the second sent while the first runs."""
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(add, api, token, email, key)
        assert started.wait(10)
        second = pool.submit(add, api, token, email, key)
        return [first.result(), second.result()]


def test_a_concurrent_retry_waits_for_the_first_response(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    user = api.new_account()
    email, key = address(), new_key()
    started = slow_add_contact(monkeypatch, 0.5)

    first, second = race(api, user.token, email, key, started)

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    assert contact_rows(api, email) == 1


def test_a_concurrent_retry_that_waits_too_long_gets_409(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    user = api.new_account()
    email, key = address(), new_key()
    started = slow_add_contact(monkeypatch, 1.0)
    monkeypatch.setattr(http_idempotency, "WAIT_SECONDS", 0.1)

    first, second = race(api, user.token, email, key, started)

    assert first.status_code == 200 and "idempotent-replayed" not in first.headers
    assert second.status_code == 409
    assert second.headers["retry-after"] == "1"
    assert second.json()["errors"][0]["extensions"] == {"code": "IDEMPOTENCY_KEY_IN_USE"}
    assert contact_rows(api, email) == 1
    replayed = add(api, user.token, email, key)
    assert replayed.content == first.content and replayed.headers["idempotent-replayed"] == "true"


def login(api: Api, email: str, password: str, key: str) -> httpx.Response:
    variables = {"input": {"email": email, "password": password}}
    api.client.cookies.clear()  # anonymous: no session cookie from an earlier sign-in
    response: httpx.Response = api.post({"query": LOGIN, "variables": variables}, headers={"idempotency-key": key})
    return response


def session_count(api: Api, user_id: Any) -> int:
    with api.runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(sessions_t.c.user_id == user_id)).scalar_one())


def test_an_anonymous_sign_in_replays_its_answer_without_a_second_session_or_cookie(api: Api) -> None:
    user = api.new_account()
    key = new_key()
    sessions_before = session_count(api, user.user_id)

    first = login(api, user.email, user.password, key)
    second = login(api, user.email, user.password, key)

    assert first.json()["data"]["login"]["token"]
    assert "__Host-tenantry_session" in first.headers["set-cookie"]
    assert second.content == first.content and second.headers["idempotent-replayed"] == "true"
    assert "set-cookie" not in second.headers
    assert session_count(api, user.user_id) == sessions_before + 1
    # The key is the client address's: the same key signed in (with a session) is another key.
    signed_in = add(api, first.json()["data"]["login"]["token"], address(), key)
    assert signed_in.status_code == 200 and "idempotent-replayed" not in signed_in.headers


def test_keys_expire_after_24_hours_and_housekeeping_deletes_them(api: Api, clock: FrozenClock) -> None:
    user = api.new_account()
    key = new_key()
    first = login(api, user.email, user.password, key)

    clock.advance(timedelta(hours=23, minutes=59))
    assert login(api, user.email, user.password, key).content == first.content
    clock.advance(timedelta(minutes=1))
    later = login(api, user.email, user.password, key)
    assert "idempotent-replayed" not in later.headers
    assert later.json()["data"]["login"]["token"] != first.json()["data"]["login"]["token"]

    with api.runtime.engine.connect() as conn:
        held = conn.execute(select(func.count()).select_from(idempotency_keys_t)).scalar_one()
    maintenance.sweep(api.runtime.engine, clock.now + timedelta(hours=24), timedelta(hours=1))
    with api.runtime.engine.connect() as conn:
        assert held >= 1
        assert conn.execute(select(func.count()).select_from(idempotency_keys_t)).scalar_one() == 0


def test_keys_and_responses_are_not_stored_in_the_clear(api: Api) -> None:
    user = api.new_account()
    key, email = new_key(), address()
    signed_in = login(api, user.email, user.password, key).json()["data"]["login"]["token"]
    add(api, user.token, email, key)

    with api.runtime.engine.connect() as conn:
        rows = conn.execute(select(idempotency_keys_t)).all()
    stored = "\n".join(str(value) for row in rows for value in row)
    assert rows
    for secret in (key, email, signed_in, user.password, user.email, "addContactEmail", "login"):
        assert secret not in stored


def test_a_claim_left_by_a_dead_process_frees_up_after_its_lease(api: Api) -> None:
    engine = api.runtime.engine
    now = datetime.now(UTC)
    credential, digest = f"client:{secrets.token_hex(4)}", secrets.token_hex(32)

    held = keys.claim(engine, credential, digest, "f1", now)
    assert held.verdict.value == "run" and held.held_until == now + LEASE
    assert keys.claim(engine, credential, digest, "f1", now + timedelta(seconds=1)).verdict.value == "in use"
    assert keys.claim(engine, credential, digest, "f2", now + timedelta(seconds=1)).verdict.value == "reused"
    taken = keys.claim(engine, credential, digest, "f1", now + LEASE + timedelta(seconds=1))
    assert taken.verdict.value == "run"
    # The first holder, come back to life, can neither store its response nor free the new claim.
    assert held.held_until is not None and taken.held_until is not None
    keys.store(engine, credential, digest, held.held_until, "stale")
    keys.release(engine, credential, digest, held.held_until)
    assert keys.claim(engine, credential, digest, "f1", now + LEASE + timedelta(seconds=2)).verdict.value == "in use"
    keys.store(engine, credential, digest, taken.held_until, "sealed")
    replay = keys.claim(engine, credential, digest, "f1", now + LEASE + timedelta(seconds=3))
    assert (replay.verdict.value, replay.sealed) == ("replay", "sealed")
    keys.release(engine, credential, digest, taken.held_until)  # a stored response is never released
    assert keys.claim(engine, credential, digest, "f1", now + LEASE + timedelta(seconds=4)).sealed == "sealed"


def test_a_key_that_cannot_be_claimed_while_the_database_is_down_runs_nothing_and_asks_for_a_retry(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from persistence import idempotency as keys

    user = api.new_account()
    email, key = address(), new_key()

    def down(*_: object) -> None:
        raise RuntimeError("database down")

    with monkeypatch.context() as patched:
        patched.setattr(keys, "claim", down)
        refused = add(api, user.token, email, key)
    assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
    assert refused.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert contact_rows(api, email) == 0
    assert add(api, user.token, email, key).status_code == 200  # the retry runs
    assert contact_rows(api, email) == 1
