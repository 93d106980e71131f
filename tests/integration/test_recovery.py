# ruff: noqa: F811 (the api and clock fixtures come from test_mfa: the app runs on a clock the test moves)
"""New-device alerts, "This wasn't me" and password recovery through HTTP on SQLite and PostgreSQL,
with mail read from the in-process SMTP server."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

from domain.entities import UserRole
from support import LOGIN, Api, FrozenClock

from .test_mfa import COMPLETE, api, clock, enroll  # noqa: F401 (api and clock are fixtures)

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
DEVICE_COOKIE = "__Host-tenantry_device"
REQUEST = "mutation R($input: RequestPasswordResetInput!) { requestPasswordReset(input: $input) { errors { code } } }"
RESET = "mutation R($input: ResetPasswordInput!) { resetPassword(input: $input) { errors { field code message } } }"
REPORT = """mutation R($input: ReportUnrecognizedActivityInput!) {
  reportUnrecognizedActivity(input: $input) { errors { field code } } }"""
ME = "query { me { email } }"
EVENTS = """query { me {
  securityEvents(first: 100) { edges { node { action reason } } }
  account { auditLog(first: 100) { edges { node { action reason actorEmail } } } } } }"""
NEW_PASSWORD = "copper-meadow-lantern-77"


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def link_token(message: EmailMessage) -> str:
    found = re.search(r"This wasn't me: (\S+)/report-activity#token=([\w-]+)", body(message))
    assert found, body(message)
    assert found.group(1) == "http://127.0.0.1:8000"
    return found.group(2)


def reset_code(message: EmailMessage) -> str:
    found = re.search(r"\b([2-9A-Z]{5}-[2-9A-Z]{5})\b", body(message))
    assert found, body(message)
    return found.group(1)


def login_as(api: Api, email: str, password: str, agent: str, device: str | None = None) -> dict[str, Any]:
    headers = {"user-agent": agent, **({"x-device-token": device} if device else {})}
    result = api.gql(LOGIN, {"input": {"email": email, "password": password}}, headers=headers)
    assert "errors" not in result, result
    return dict(result["data"]["login"])


def test_the_whole_story_alert_report_reset_and_mfa(api: Api, clock: FrozenClock) -> None:
    # 1. device A: the first sign-in (and turning MFA on) sends no alert
    enrolled = enroll(api, clock)
    user = enrolled.user
    other_admin = api.new_user(user.account_id, UserRole.ACCOUNT_ADMIN, login=False)
    device_a = api.client.cookies.get(DEVICE_COOKIE)
    assert (
        device_a
        and not api.smtp.to(user.email)
        or all("New sign-in" not in str(m["Subject"]) for m in api.smtp.to(user.email))
    )
    # 2. device B (another browser, no device token) signs in with password and MFA: an alert
    api.client.cookies.clear()
    step = login_as(api, user.email, user.password, CHROME)
    signed_in = api.gql(
        COMPLETE,
        {"input": {"mfaChallenge": step["mfaChallenge"], "code": enrolled.code(clock)}},
        headers={"user-agent": CHROME},
    )["data"]["completeMfaLogin"]
    assert signed_in["errors"] == [] and signed_in["token"]
    alert = api.smtp.wait_for(user.email, subject="New sign-in")
    assert "Chrome 120 on Windows 10" in body(alert) and "UTC" in body(alert)
    # 3. the alert's link ends every session and refuses the password, even on the known device A
    reported = api.data(REPORT, {"input": {"token": link_token(alert)}})["reportUnrecognizedActivity"]
    assert reported == {"errors": []}
    api.client.cookies.clear()
    assert api.data(ME, token=signed_in["token"])["me"] is None
    assert api.data(ME, token=user.token)["me"] is None
    refused = login_as(api, user.email, user.password, "testclient", device_a)
    assert [e["code"] for e in refused["errors"]] == ["PASSWORD_RESET_REQUIRED"]
    api.smtp.wait_for(user.email, subject="locked until you reset")
    api.smtp.wait_for(other_admin.email, subject="reported activity")
    again = api.data(REPORT, {"input": {"token": link_token(alert)}})["reportUnrecognizedActivity"]
    assert again == {"errors": [{"field": ["input", "token"], "code": "INVALID_CODE"}]}
    # 4. a reset with the mailed code
    assert api.data(REQUEST, {"input": {"email": user.email}})["requestPasswordReset"] == {"errors": []}
    code = reset_code(api.smtp.wait_for(user.email, subject="password reset code"))
    variables = {"input": {"email": user.email, "code": code.lower(), "newPassword": NEW_PASSWORD}}
    assert api.data(RESET, variables)["resetPassword"] == {"errors": []}
    assert "This wasn't me" in body(api.smtp.wait_for(user.email, subject="password was reset"))
    # 5. signing in again still asks for the second factor
    clock.advance(30)
    step = login_as(api, user.email, NEW_PASSWORD, "testclient", device_a)
    assert step["mfaRequired"] is True
    done = api.data(COMPLETE, {"input": {"mfaChallenge": step["mfaChallenge"], "code": enrolled.code(clock)}})
    token = done["completeMfaLogin"]["token"]
    assert token
    # 6. every step is in the user's security log and in the account's audit log
    seen = api.data(EVENTS, token=token)["me"]
    mine = [(e["node"]["action"], e["node"]["reason"]) for e in seen["securityEvents"]["edges"]]
    story = [
        ("mfa.login", None),
        ("security.activity_reported", None),
        ("session.create_failed", "PASSWORD_RESET_REQUIRED"),
        ("password.reset_request", None),
        ("password.reset", None),
    ]
    for event in story:
        assert event in mine, (event, mine)
    logged = [(e["node"]["action"], e["node"]["reason"]) for e in seen["account"]["auditLog"]["edges"]]
    assert all(event in logged for event in story)


def test_reset_requests_answer_the_same_for_unknown_emails(api: Api) -> None:
    answer = api.data(REQUEST, {"input": {"email": "nobody-here@example.com"}})["requestPasswordReset"]
    assert answer == {"errors": []}
    assert api.smtp.to("nobody-here@example.com") == []
    variables = {"input": {"email": "nobody-here@example.com", "code": "ABCDE-FGHJK", "newPassword": NEW_PASSWORD}}
    unknown = api.data(RESET, variables)["resetPassword"]["errors"]
    user = api.new_account()
    api.data(REQUEST, {"input": {"email": user.email}})
    api.smtp.wait_for(user.email, subject="password reset code")
    known = api.data(RESET, {"input": {**variables["input"], "email": user.email}})["resetPassword"]["errors"]
    assert unknown == known == [{"field": ["input", "code"], "code": "INVALID_CODE", "message": unknown[0]["message"]}]


def test_a_reset_applies_the_password_rules_and_a_new_code_voids_the_old(api: Api) -> None:
    user = api.new_account()
    api.data(REQUEST, {"input": {"email": user.email}})
    first = reset_code(api.smtp.wait_for(user.email, subject="password reset code"))
    api.data(REQUEST, {"input": {"email": user.email}})
    second = reset_code(api.smtp.wait_for(user.email, subject="password reset code", count=2))
    weak = api.data(RESET, {"input": {"email": user.email, "code": second, "newPassword": "short"}})
    assert [e["code"] for e in weak["resetPassword"]["errors"]] == ["WEAK_PASSWORD"]
    same = api.data(RESET, {"input": {"email": user.email, "code": second, "newPassword": user.password}})
    assert [e["code"] for e in same["resetPassword"]["errors"]] == ["PASSWORD_REUSED"]
    old = api.data(RESET, {"input": {"email": user.email, "code": first, "newPassword": NEW_PASSWORD}})
    assert [e["code"] for e in old["resetPassword"]["errors"]] == ["INVALID_CODE"]
    ok = api.data(RESET, {"input": {"email": user.email, "code": second, "newPassword": NEW_PASSWORD}})
    assert ok["resetPassword"] == {"errors": []}
    assert api.data(ME, token=user.token)["me"] is None


def test_security_mails_carry_the_report_link(api: Api) -> None:
    user = api.new_account()
    change = """mutation C($input: ChangePasswordInput!) { changePassword(input: $input) { errors { code } } }"""
    api.data(change, {"input": {"currentPassword": user.password, "newPassword": NEW_PASSWORD}}, token=user.token)
    notice = api.smtp.wait_for(user.email, subject="password was changed")
    assert link_token(notice)
