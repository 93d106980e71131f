"""Changing the sign-in email: updateProfile with `email`, then confirmEmailChange with the mailed code."""

from __future__ import annotations

import concurrent.futures
import re
import secrets
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from domain.entities import EmailChange, UserRole
from domain.errors import AlreadyExists
from domain.services import accounts
from persistence.database import WRITE
from persistence.tables import UserRow
from support import LOGIN, Api, Seeded, code_in

UPDATE = """
mutation Update($input: UpdateProfileInput!) {
  updateProfile(input: $input) { profile { pendingEmail version } errors { field code message } }
}
"""
CONFIRM = """
mutation Confirm($input: ConfirmEmailChangeInput!) {
  confirmEmailChange(input: $input) {
    user { id email profile { pendingEmail version } account { id } } errors { field code message }
  }
}
"""
ME = "query Me { me { email profile { pendingEmail version } } }"
SUBJECT = "Confirm your new sign-in email"

users_t = UserRow.__table__


def new_address() -> str:
    return f"new-{secrets.token_hex(4)}@example.com"


def start(api: Api, user: Seeded, email: str | None, **fields: Any) -> dict[str, Any]:
    values = {"expectedVersion": 1, "email": email, "currentPassword": user.password, **fields}
    return api.data(UPDATE, {"input": values}, token=user.token)["updateProfile"]


def confirm(api: Api, user: Seeded, code: str) -> dict[str, Any]:
    return api.data(CONFIRM, {"input": {"code": code}}, token=user.token)["confirmEmailChange"]


def me(api: Api, user: Seeded) -> dict[str, Any]:
    return api.data(ME, token=user.token)["me"]


def error(result: dict[str, Any]) -> tuple[list[str], str]:
    assert len(result["errors"]) == 1, result
    return result["errors"][0]["field"], result["errors"][0]["code"]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_email_change_waits_for_the_mailed_code_then_switches_sign_in(api: Api) -> None:
    user = api.new_account()
    address = new_address()
    started = start(api, user, address.upper().replace("EXAMPLE.COM", "Example.COM"))
    assert started == {
        "profile": {"pendingEmail": address.upper().split("@")[0] + "@example.com", "version": 2},
        "errors": [],
    }
    assert me(api, user)["email"] == user.email  # unchanged until confirmed
    mail = api.smtp.wait_for(address, subject=SUBJECT)
    code = code_in(mail)
    confirmed = confirm(api, user, code)
    new_email = address.upper().split("@")[0] + "@example.com"
    assert confirmed["errors"] == []
    assert confirmed["user"]["email"] == new_email
    assert confirmed["user"]["profile"] == {"pendingEmail": None, "version": 3}
    notice = api.smtp.wait_for(user.email, subject="Your sign-in email was changed")
    assert new_email in notice.get_body(("plain",)).get_content()
    assert code not in notice.get_body(("plain",)).get_content()
    assert api.login(address, user.password)  # case-insensitive, as any sign-in
    old = api.data(LOGIN, {"input": {"email": user.email, "password": user.password}})["login"]
    assert old["errors"][0]["code"] == "INVALID_CREDENTIALS"


def test_the_code_is_stored_only_as_a_digest(api: Api) -> None:
    user = api.new_account()
    address = new_address()
    start(api, user, address)
    code = code_in(api.smtp.wait_for(address, subject=SUBJECT))
    with api.runtime.engine.connect() as conn:
        row = conn.execute(select(users_t).where(users_t.c.id == user.user_id)).mappings().one()
    assert row["pending_email"] == address and len(row["email_change_digest"]) == 64
    assert not any(code in str(value) for value in row.values())


def test_email_change_needs_the_current_password(api: Api) -> None:
    user = api.new_account()
    address = new_address()
    missing = start(api, user, address, currentPassword=None)
    assert missing == {
        "profile": None,
        "errors": [
            {
                "field": ["input", "currentPassword"],
                "code": "REAUTH_REQUIRED",
                "message": "Enter your current password to change your sign-in email.",
            }
        ],
    }
    assert error(start(api, user, address, currentPassword="")) == (["input", "currentPassword"], "REAUTH_REQUIRED")
    assert error(start(api, user, address, currentPassword="not-my-password")) == (
        ["input", "currentPassword"],
        "INVALID_CREDENTIALS",
    )
    assert me(api, user)["profile"] == {"pendingEmail": None, "version": 1}
    assert api.smtp.to(address) == []


def test_wrong_passwords_count_like_sign_in_failures(api: Api) -> None:
    user = api.new_account()
    results = [error(start(api, user, new_address(), currentPassword=f"wrong-{n}"))[1] for n in range(11)]
    assert results == ["INVALID_CREDENTIALS"] * 10 + ["TOO_MANY_ATTEMPTS"]
    api.client.cookies.clear()  # a new device (no device cookie): the account lock applies to it
    login = api.data(LOGIN, {"input": {"email": user.email, "password": user.password}})["login"]
    assert login["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"


def test_a_taken_address_answers_like_a_free_one_and_its_owner_is_told(api: Api) -> None:
    user = api.new_account()
    other = api.new_user(user.account_id, UserRole.MEMBER)
    free = new_address()
    taken_answer = start(api, user, other.email)
    assert taken_answer == {"profile": {"pendingEmail": other.email, "version": 2}, "errors": []}
    free_answer = start(api, user, free, expectedVersion=2)
    assert free_answer == {"profile": {"pendingEmail": free, "version": 3}, "errors": []}
    warning = api.smtp.wait_for(other.email, subject="Someone tried to use your email address")
    body = warning.get_body(("plain",)).get_content()
    assert not re.search(r"\b\d{6}\b", body)  # no code: that change can never be confirmed
    assert code_in(api.smtp.wait_for(free, subject=SUBJECT))


def test_the_password_is_checked_before_anything_about_the_address(api: Api) -> None:
    user = api.new_account()
    other = api.new_user(user.account_id, UserRole.MEMBER)
    for address in (other.email, new_address()):
        assert error(start(api, user, address, currentPassword="wrong-password-1")) == (
            ["input", "currentPassword"],
            "INVALID_CREDENTIALS",
        )


def test_address_problems_are_user_errors(api: Api) -> None:
    user = api.new_account()
    assert error(start(api, user, None)) == (["input", "email"], "REQUIRED")
    assert error(start(api, user, "  ")) == (["input", "email"], "REQUIRED")
    assert error(start(api, user, "not an address")) == (["input", "email"], "INVALID")
    assert error(start(api, user, "a" * 300 + "@example.com")) == (["input", "email"], "TOO_LONG")
    both = start(api, user, "x@", currentPassword=None, firstName="")
    assert {(tuple(e["field"]), e["code"]) for e in both["errors"]} == {
        (("input", "email"), "INVALID"),
        (("input", "firstName"), "REQUIRED"),
    }
    assert me(api, user)["profile"] == {"pendingEmail": None, "version": 1}


def test_sending_the_current_email_is_no_change_and_needs_no_password(api: Api) -> None:
    user = api.new_account()
    same = start(api, user, f"  {user.email} ", currentPassword=None, jobTitle="Same email")
    assert same == {"profile": {"pendingEmail": None, "version": 2}, "errors": []}


def test_unicode_address_is_accepted(api: Api) -> None:
    user = api.new_account()
    address = f"märta.{secrets.token_hex(3)}@exämple.se"
    assert start(api, user, address) == {"profile": {"pendingEmail": address, "version": 2}, "errors": []}


def test_wrong_codes_void_the_code_after_five_tries(api: Api) -> None:
    user = api.new_account()
    address = new_address()
    start(api, user, address)
    code = code_in(api.smtp.wait_for(address, subject=SUBJECT))
    first = confirm(api, user, wrong(code))
    assert first == {
        "user": None,
        "errors": [
            {
                "field": ["input", "code"],
                "code": "INVALID_CODE",
                "message": "The code is wrong; 4 tries left.",
            }
        ],
    }
    for bad in ("abc", "1" * 10_000, "  12345  "):  # malformed: refused before a try is spent
        assert error(confirm(api, user, bad)) == (["input", "code"], "INVALID_CODE")
    for left in (3, 2, 1):
        assert f"{left} tr" in confirm(api, user, wrong(code))["errors"][0]["message"]
    assert "no longer works" in confirm(api, user, wrong(code))["errors"][0]["message"]
    assert error(confirm(api, user, code)) == (["input", "code"], "TOO_MANY_ATTEMPTS")
    assert me(api, user)["email"] == user.email


def test_concurrent_wrong_codes_get_five_tries_in_all(api: Api) -> None:
    user = api.new_account()
    address = new_address()
    start(api, user, address)
    code = code_in(api.smtp.wait_for(address, subject=SUBJECT))
    barrier = threading.Barrier(12)

    def attempt(n: int) -> str:
        barrier.wait()
        return error(confirm(api, user, f"{(int(code) + n + 1) % 1_000_000:06d}"))[1]

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        outcomes = list(pool.map(attempt, range(12)))
    assert sorted(outcomes) == ["INVALID_CODE"] * 5 + ["TOO_MANY_ATTEMPTS"] * 7
    assert error(confirm(api, user, code)) == (["input", "code"], "TOO_MANY_ATTEMPTS")


def test_expired_code_is_refused(api: Api) -> None:
    user = api.new_account()
    address = new_address()
    start(api, user, address)
    code = code_in(api.smtp.wait_for(address, subject=SUBJECT))
    # A write transaction (BEGIN IMMEDIATE on SQLite), as the app's own writers use: the mail worker
    # may be writing at this very moment.
    with api.runtime.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        row = conn.execute(select(users_t.c.email_change_expires_at).where(users_t.c.id == user.user_id)).one()
        assert timedelta(minutes=14) < row[0] - datetime.now(UTC) <= timedelta(minutes=15)
        past = datetime.now(UTC) - timedelta(seconds=1)
        conn.execute(update(users_t).where(users_t.c.id == user.user_id).values(email_change_expires_at=past))
    assert error(confirm(api, user, code)) == (["input", "code"], "CODE_EXPIRED")
    assert me(api, user) == {"email": user.email, "profile": {"pendingEmail": address, "version": 2}}


def test_a_new_request_voids_the_old_code(api: Api) -> None:
    user = api.new_account()
    first, second = new_address(), new_address()
    start(api, user, first)
    old_code = code_in(api.smtp.wait_for(first, subject=SUBJECT))
    assert start(api, user, second, expectedVersion=2)["profile"] == {"pendingEmail": second, "version": 3}
    new_code = code_in(api.smtp.wait_for(second, subject=SUBJECT))
    if old_code != new_code:
        assert error(confirm(api, user, old_code)) == (["input", "code"], "INVALID_CODE")
    assert confirm(api, user, new_code)["user"]["email"] == second


def test_a_code_works_once_even_when_sent_concurrently(api: Api) -> None:
    user = api.new_account()
    address = new_address()
    start(api, user, address)
    code = code_in(api.smtp.wait_for(address, subject=SUBJECT))
    barrier = threading.Barrier(4)

    def attempt(_: int) -> dict[str, Any]:
        barrier.wait()
        return confirm(api, user, code)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(attempt, range(4)))
    assert [r["errors"] for r in results].count([]) == 1
    assert {error(r)[1] for r in results if r["errors"]} == {"INVALID_CODE"}
    assert error(confirm(api, user, code)) == (["input", "code"], "INVALID_CODE")  # replayed
    api.smtp.wait_for(user.email, subject="Your sign-in email was changed")
    assert len(api.smtp.to(user.email)) == 1


def test_confirm_without_a_pending_change_or_code(api: Api) -> None:
    user = api.new_account()
    assert confirm(api, user, "123456") == {
        "user": None,
        "errors": [
            {
                "field": ["input", "code"],
                "code": "INVALID_CODE",
                "message": "No change of sign-in email is waiting for a code.",
            }
        ],
    }
    assert error(confirm(api, user, "   ")) == (["input", "code"], "REQUIRED")


def test_another_users_code_does_not_work(api: Api) -> None:
    owner = api.new_account()
    intruder = api.new_account()
    address = new_address()
    start(api, owner, address)
    code = code_in(api.smtp.wait_for(address, subject=SUBJECT))
    assert error(confirm(api, intruder, code)) == (["input", "code"], "INVALID_CODE")
    start(api, intruder, new_address())
    assert error(confirm(api, intruder, code))[1] == "INVALID_CODE"
    assert confirm(api, owner, code)["user"]["email"] == address


def test_address_taken_meanwhile_is_refused_at_confirmation(api: Api) -> None:
    user = api.new_account()
    address = new_address()
    start(api, user, address)
    code = code_in(api.smtp.wait_for(address, subject=SUBJECT))
    accounts.create_user(
        api.deps,
        account_id=user.account_id,
        email=address.upper(),
        role=UserRole.MEMBER,
        password="another-quiet-garden",
        first_name="Bo",
        last_name="Ek",
    )
    assert confirm(api, user, code) == {
        "user": None,
        "errors": [
            {"field": [], "code": "ALREADY_EXISTS", "message": "Another user signs in with this email address."}
        ],
    }
    assert me(api, user)["email"] == user.email


def test_two_users_confirming_the_same_address_at_once_one_wins(api: Api) -> None:
    first = api.new_account()
    second = api.new_user(first.account_id, UserRole.MEMBER)
    address = new_address()
    shouted = address.split("@")[0].upper() + "@example.com"
    start(api, first, address)
    start(api, second, shouted)  # only a sign-in email blocks an address, not another pending change
    api.smtp.wait_for(address, subject=SUBJECT, count=2)
    by_recipient = {str(m["To"]): code_in(m) for m in api.smtp.to(address)}
    barrier = threading.Barrier(2)

    def attempt(pair: tuple[Seeded, str]) -> dict[str, Any]:
        barrier.wait()
        return confirm(api, pair[0], by_recipient[pair[1]])

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(attempt, [(first, address), (second, shouted)]))
    outcomes = sorted("won" if r["errors"] == [] else error(r)[1] for r in results)
    assert outcomes == ["ALREADY_EXISTS", "won"], results
    emails = {me(api, first)["email"], me(api, second)["email"]}
    assert len(emails & {address, shouted}) == 1


def test_the_unique_key_backs_the_check_when_a_race_slips_past_it(api: Api) -> None:
    user = api.new_account()
    taken = api.new_user(user.account_id, UserRole.MEMBER, login=False)
    change = EmailChange(taken.email.upper(), "0" * 64, datetime.now(UTC) + timedelta(minutes=1))
    with api.deps.uow() as uow:
        uow.profiles.start_email_change(user.user_id, change)
        with pytest.raises(AlreadyExists):
            uow.profiles.confirm_email_change(user.user_id, change, datetime.now(UTC))
    assert me(api, user)["email"] == user.email


def test_new_codes_are_limited_per_hour(api: Api) -> None:
    user = api.new_account()
    version = 1
    for _ in range(5):
        result = start(api, user, new_address(), expectedVersion=version)
        assert result["errors"] == []
        version = result["profile"]["version"]
    assert error(start(api, user, new_address(), expectedVersion=version)) == ([], "TOO_MANY_ATTEMPTS")


def test_confirm_needs_a_session(api: Api) -> None:
    body = api.gql(CONFIRM, {"input": {"code": "123456"}})
    assert body["data"] is None and body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    body = api.gql(CONFIRM, {"input": {"code": 123456}}, token=api.new_account().token)
    assert body.get("data") is None and body["errors"]
