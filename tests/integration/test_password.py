"""changePassword through HTTP on SQLite and PostgreSQL: policy, re-authentication, sessions, notice."""

from __future__ import annotations

import concurrent.futures
import threading
from typing import Any

from domain.entities import UserRole
from domain.services import accounts
from support import LOGIN, Api, Seeded

CHANGE = """
mutation Change($input: ChangePasswordInput!) {
  changePassword(input: $input) { revokedSessions errors { field code message } }
}
"""
ME = "query Me { me { email sessions { current } } }"
NEW = "saffron-lantern-harbour-9"


def change(api: Api, user: Seeded, new: str, current: str | None = None, token: str | None = None) -> dict[str, Any]:
    variables = {"input": {"currentPassword": user.password if current is None else current, "newPassword": new}}
    return api.data(CHANGE, variables, token=token or user.token)["changePassword"]


def login(api: Api, email: str, password: str) -> dict[str, Any]:
    return api.data(LOGIN, {"input": {"email": email, "password": password}})["login"]


def only_error(result: dict[str, Any]) -> tuple[list[str], str, str]:
    assert result["revokedSessions"] == 0 and len(result["errors"]) == 1, result
    found = result["errors"][0]
    return found["field"], found["code"], found["message"]


def test_change_password_ends_other_sessions_and_keeps_this_one(api: Api) -> None:
    user = api.new_account()
    others = [api.login(user.email, user.password) for _ in range(2)]
    assert change(api, user, NEW) == {"revokedSessions": 2, "errors": []}
    assert api.data(ME, token=user.token)["me"] == {"email": user.email, "sessions": [{"current": True}]}
    for token in others:
        assert api.data(ME, token=token) == {"me": None}
    assert login(api, user.email, user.password)["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert login(api, user.email, NEW)["token"]
    notice = api.smtp.wait_for(user.email, subject="Your password was changed")
    body = notice.get_body(("plain",)).get_content()
    assert "2 other sessions were signed out" in body and NEW not in body and user.password not in body


def test_change_password_with_no_other_session_revokes_none(api: Api) -> None:
    user = api.new_account()
    assert change(api, user, NEW) == {"revokedSessions": 0, "errors": []}
    assert api.data(ME, token=user.token)["me"]["email"] == user.email


def test_wrong_current_password_is_refused_and_counts_like_sign_in(api: Api) -> None:
    user = api.new_account()
    assert only_error(change(api, user, NEW, current="not-my-password")) == (
        ["input", "currentPassword"],
        "INVALID_CREDENTIALS",
        "The password is wrong.",
    )
    outcomes = [only_error(change(api, user, NEW, current=f"wrong-{n}"))[1] for n in range(10)]
    assert outcomes == ["INVALID_CREDENTIALS"] * 9 + ["TOO_MANY_ATTEMPTS"]
    api.client.cookies.clear()  # a new device (no device cookie): the account lock applies to it
    assert login(api, user.email, user.password)["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
    assert only_error(change(api, user, NEW))[1] == "TOO_MANY_ATTEMPTS"


def test_weak_passwords_are_refused_with_the_rule_that_failed(api: Api) -> None:
    user = api.new_account()
    local_part = user.email.split("@")[0]
    cases = {
        "short-pw-11": "Your password must be at least 12 characters.",
        "Qwerty123456": "This is one of the most commonly used passwords; choose one that is harder to guess.",
        f"xx{local_part.upper()}xx": "Your password must not contain the part of your email address before the @.",
        "my name is ALVA, hi": "Your password must not contain your first name.",
        "long live EKSTRÖM!": "Your password must not contain your last name.",
        "e\u0301" * 11: "Your password must be at least 12 characters.",  # 11 after NFKC
    }
    for new, message in cases.items():
        assert only_error(change(api, user, new)) == (["input", "newPassword"], "WEAK_PASSWORD", message), new
    assert login(api, user.email, user.password)["token"]


def test_weak_new_password_spends_no_sign_in_attempt(api: Api) -> None:
    user = api.new_account()
    for _ in range(12):
        assert only_error(change(api, user, "short", current="wrong-password"))[1] == "WEAK_PASSWORD"
    assert login(api, user.email, user.password)["token"]


def test_reusing_the_current_password_is_refused(api: Api) -> None:
    user = api.new_account()
    assert only_error(change(api, user, user.password)) == (
        ["input", "newPassword"],
        "PASSWORD_REUSED",
        "Your new password must differ from your current password.",
    )
    assert only_error(change(api, user, user.password, current=user.password + "x"))[1] == "INVALID_CREDENTIALS"


def test_missing_and_overlong_passwords(api: Api) -> None:
    user = api.new_account()
    both = change(api, user, "", current="")
    assert both == {
        "revokedSessions": 0,
        "errors": [
            {"field": ["input", "currentPassword"], "code": "REQUIRED", "message": "Enter your current password."},
            {"field": ["input", "newPassword"], "code": "REQUIRED", "message": "Choose a new password."},
        ],
    }
    assert only_error(change(api, user, "p" * 257)) == (
        ["input", "newPassword"],
        "INVALID",
        "Your password can be at most 256 characters.",
    )
    assert only_error(change(api, user, "p" * 100_000))[1] == "INVALID"
    assert only_error(change(api, user, NEW, current="c" * 100_000))[:2] == (["input", "currentPassword"], "INVALID")
    body = api.gql(
        CHANGE, {"input": {"currentPassword": user.password, "newPassword": 12345678901234}}, token=user.token
    )
    assert body.get("data") is None and body["errors"]
    assert login(api, user.email, user.password)["token"]


def test_unicode_passwords_of_every_kind_work(api: Api) -> None:
    user = api.new_account()
    emoji = "🔑🦊🌲" * 66 + "!!"  # 200 characters, 794 bytes
    assert change(api, user, emoji)["errors"] == []
    assert login(api, user.email, emoji)["token"]
    combining = "Ångström-" + "e\u0301" * 95 + "-Zoë"  # NFKC makes the decomposed and composed forms one
    assert change(api, user, combining, current=emoji)["errors"] == []
    composed = "Ångström-" + "é" * 95 + "-Zoë"
    assert login(api, user.email, composed)["token"]
    assert login(api, user.email, emoji)["errors"][0]["code"] == "INVALID_CREDENTIALS"
    exactly_256 = "ü" * 256
    assert change(api, user, exactly_256, current=composed)["errors"] == []
    assert login(api, user.email, exactly_256[:-1] + "u")["errors"][0]["code"] == "INVALID_CREDENTIALS"


def test_member_changes_only_their_own_password(api: Api) -> None:
    admin = api.new_account()
    member = api.new_user(admin.account_id, UserRole.MEMBER)
    assert change(api, member, NEW) == {"revokedSessions": 0, "errors": []}
    assert login(api, member.email, NEW)["token"]
    assert login(api, admin.email, admin.password)["token"]
    assert api.data(ME, token=admin.token)["me"]["email"] == admin.email


def test_concurrent_changes_from_the_same_password_exactly_one_wins(api: Api) -> None:
    user = api.new_account()
    barrier = threading.Barrier(2)

    def race(new: str) -> dict[str, Any]:
        barrier.wait()
        return change(api, user, new)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(race, [NEW, NEW + "-b"]))
    winners = [r for r in results if r["errors"] == []]
    assert len(winners) == 1, results
    loser = next(r for r in results if r["errors"])
    assert loser["errors"][0]["code"] in ("INVALID_CREDENTIALS", "TOO_MANY_ATTEMPTS")
    winner_password = NEW if results[0] is winners[0] else NEW + "-b"
    assert login(api, user.email, winner_password)["token"]


def test_change_password_needs_a_session(api: Api) -> None:
    body = api.gql(CHANGE, {"input": {"currentPassword": "x", "newPassword": NEW}})
    assert body["data"] is None and body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


def test_a_user_created_with_a_long_password_can_change_it(api: Api) -> None:
    seeded = api.new_account()
    user = accounts.create_user(
        api.deps,
        account_id=seeded.account_id,
        email="long-" + seeded.email,
        role=UserRole.MEMBER,
        password="å" * 200,
        first_name="Bo",
        last_name="Ek",
    )
    token = api.login(user.email, "å" * 200)
    holder = Seeded(seeded.account_id, user.id, user.email, "å" * 200, token)
    assert change(api, holder, "ø" * 200) == {"revokedSessions": 0, "errors": []}
