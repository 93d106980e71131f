"""Passkeys and named authenticators through HTTP, on SQLite and PostgreSQL, with a software passkey."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from softkey import SoftPasskey

from support import Api, Seeded, SmtpSink

ORIGIN = "https://panel.example.com"
START_REG = """mutation S($input: StartPasskeyRegistrationInput!) { startPasskeyRegistration(input: $input) {
  options registrationId errors { field code message } } }"""
FINISH_REG = """mutation F($input: FinishPasskeyRegistrationInput!) { finishPasskeyRegistration(input: $input) {
  authenticator { id kind name synced lastUsedAt } mfa { enabled recoveryCodesRemaining }
  recoveryCodes errors { field code message } } }"""
LOGIN = """mutation L($input: LoginInput!) { login(input: $input) {
  token mfaRequired mfaChallenge mfaMethods passkeyOptions errors { code } } }"""
MFA_PASSKEY = """mutation M($input: CompleteMfaLoginWithPasskeyInput!) { completeMfaLoginWithPasskey(input: $input) {
  token user { email } errors { field code } } }"""
START_LOGIN = "mutation { startPasskeyLogin { options challengeId errors { code } } }"
COMPLETE_LOGIN = """mutation C($input: CompletePasskeyLoginInput!) { completePasskeyLogin(input: $input) {
  token deviceToken user { email mfa { enabled } } errors { field code } } }"""
ME = """query { me { mfa { enabled recoveryCodesRemaining
  authenticators { id kind name createdAt lastUsedAt synced } } } }"""
RENAME = """mutation R($input: RenameAuthenticatorInput!) { renameAuthenticator(input: $input) {
  authenticator { name } errors { field code } } }"""
REMOVE = """mutation D($input: RemoveAuthenticatorInput!) { removeAuthenticator(input: $input) {
  mfa { enabled recoveryCodesRemaining authenticators { name } } errors { field code } } }"""
START_TOTP = """mutation T($input: StartMfaEnrollmentInput) { startMfaEnrollment(input: $input) {
  enrollment { otpauthUri } errors { field code } } }"""
CONFIRM_TOTP = """mutation C($input: ConfirmMfaEnrollmentInput!) { confirmMfaEnrollment(input: $input) {
  mfa { enabled } recoveryCodes errors { code } } }"""
NODE = "query N($id: ID!) { node(id: $id) { ... on Authenticator { name kind } } }"


@pytest.fixture
def api(database_url: str, smtp: SmtpSink, tmp_path: Path) -> Iterator[Api]:
    with Api.start(database_url, smtp, tmp_path, webauthn_rp_id="panel.example.com") as running:
        yield running


def register(api: Api, user: Seeded, key: SoftPasskey, name: str = "YubiKey 5C", token: str | None = None) -> Any:
    started = api.data(START_REG, {"input": {"name": name}}, token=token or user.token)["startPasskeyRegistration"]
    assert started["errors"] == [], started
    answer = {"registrationId": started["registrationId"], "credential": key.create(started["options"])}
    return api.data(FINISH_REG, {"input": answer}, token=token or user.token)["finishPasskeyRegistration"]


def passwordless(api: Api, key: SoftPasskey, **bend: Any) -> Any:
    started = api.data(START_LOGIN)["startPasskeyLogin"]
    assert json.loads(started["options"]).get("allowCredentials", []) == []
    answer = {"challengeId": started["challengeId"], "credential": key.get(started["options"], **bend)}
    return api.data(COMPLETE_LOGIN, {"input": answer})["completePasskeyLogin"]


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


def test_a_passkey_is_registered_and_listed(api: Api) -> None:
    user, key = api.new_account(), SoftPasskey(origin=ORIGIN, synced=True)
    done = register(api, user, key)
    assert done["errors"] == [] and len(done["recoveryCodes"]) == 10
    assert done["authenticator"]["kind"] == "PASSKEY" and done["authenticator"]["synced"] is True
    assert done["mfa"] == {"enabled": True, "recoveryCodesRemaining": 10}
    me = api.data(ME, token=user.token)["me"]["mfa"]
    assert [(a["kind"], a["name"], a["synced"]) for a in me["authenticators"]] == [("PASSKEY", "YubiKey 5C", True)]
    node = api.data(NODE, {"id": me["authenticators"][0]["id"]}, token=user.token)["node"]
    assert node == {"name": "YubiKey 5C", "kind": "PASSKEY"}
    api.smtp.wait_for(user.email, subject="Two-step sign-in is on")


def test_registration_from_another_origin_fails(api: Api) -> None:
    user = api.new_account()
    done = register(api, user, SoftPasskey(origin="https://evil.example"))
    assert done["errors"] == [
        {"field": ["input", "credential"], "code": "WEBAUTHN_FAILED", "message": done["errors"][0]["message"]}
    ]
    assert api.data(ME, token=user.token)["me"]["mfa"]["authenticators"] == []


def test_a_passkey_answers_the_second_step(api: Api) -> None:
    user, key = api.new_account(), SoftPasskey(origin=ORIGIN)
    register(api, user, key)
    step = api.data(LOGIN, {"input": {"email": user.email, "password": user.password}})["login"]
    assert step["mfaRequired"] is True and step["mfaMethods"] == ["PASSKEY"] and step["token"] is None
    answer = {"mfaChallenge": step["mfaChallenge"], "credential": key.get(step["passkeyOptions"])}
    done = api.data(MFA_PASSKEY, {"input": answer})["completeMfaLoginWithPasskey"]
    assert done["errors"] == [] and done["token"] and done["user"] == {"email": user.email}
    again = api.data(MFA_PASSKEY, {"input": answer})["completeMfaLoginWithPasskey"]
    assert codes(again) == ["CODE_EXPIRED"] and again["token"] is None


def test_passwordless_sign_in_and_its_failures(api: Api) -> None:
    user, key = api.new_account(), SoftPasskey(origin=ORIGIN)
    register(api, user, key)
    done = passwordless(api, key)
    # The test client signed in with the password before: a known device, so no new device token.
    assert done["errors"] == [] and done["token"] and done["deviceToken"] is None
    assert done["user"] == {"email": user.email, "mfa": {"enabled": True}}
    last_used = api.data(ME, token=done["token"])["me"]["mfa"]["authenticators"][0]["lastUsedAt"]
    assert last_used is not None
    assert codes(passwordless(api, key, origin="https://evil.example")) == ["WEBAUTHN_FAILED"]
    assert codes(passwordless(api, key, rp_id="example.com")) == ["WEBAUTHN_FAILED"]
    started = api.data(START_LOGIN)["startPasskeyLogin"]
    answer = {"challengeId": started["challengeId"], "credential": key.get(started["options"])}
    assert api.data(COMPLETE_LOGIN, {"input": answer})["completePasskeyLogin"]["token"]
    replayed = api.data(COMPLETE_LOGIN, {"input": answer})["completePasskeyLogin"]
    assert replayed["errors"] == [{"field": ["input", "challengeId"], "code": "CODE_EXPIRED"}]


def test_a_cloned_passkey_is_refused_and_its_owner_mailed(api: Api) -> None:
    user, key = api.new_account(), SoftPasskey(origin=ORIGIN)
    register(api, user, key)
    assert passwordless(api, key, count=7)["token"]
    assert codes(passwordless(api, key, count=7)) == ["WEBAUTHN_FAILED"]
    mail = api.smtp.wait_for(user.email, subject="A copy of your passkey may exist")
    assert '"YubiKey 5C"' in mail.get_content()


def test_authenticators_are_renamed_and_removed_with_the_password(api: Api) -> None:
    user, key = api.new_account(), SoftPasskey(origin=ORIGIN)
    register(api, user, key)
    # The session that turned MFA on passed it: it may add an authenticator app too.
    enrollment = api.data(START_TOTP, {"input": {"name": "Pixel 8"}}, token=user.token)["startMfaEnrollment"]
    app = pyotp.parse_uri(enrollment["enrollment"]["otpauthUri"])
    added = api.data(CONFIRM_TOTP, {"input": {"code": app.now()}}, token=user.token)["confirmMfaEnrollment"]
    assert added == {"mfa": {"enabled": True}, "recoveryCodes": None, "errors": []}
    listed = api.data(ME, token=user.token)["me"]["mfa"]["authenticators"]
    assert [(a["kind"], a["name"]) for a in listed] == [("PASSKEY", "YubiKey 5C"), ("TOTP", "Pixel 8")]
    passkey_id, app_id = listed[0]["id"], listed[1]["id"]

    renamed = api.data(RENAME, {"input": {"authenticatorId": app_id, "name": "Work phone"}}, token=user.token)
    assert renamed["renameAuthenticator"] == {"authenticator": {"name": "Work phone"}, "errors": []}
    taken = api.data(RENAME, {"input": {"authenticatorId": app_id, "name": "yubikey 5c"}}, token=user.token)
    assert taken["renameAuthenticator"]["errors"] == [{"field": ["input", "name"], "code": "ALREADY_EXISTS"}]
    other = api.new_account()
    foreign = api.data(RENAME, {"input": {"authenticatorId": app_id, "name": "Mine"}}, token=other.token)
    assert foreign["renameAuthenticator"]["errors"] == [{"field": ["input", "authenticatorId"], "code": "NOT_FOUND"}]

    def remove(authenticator_id: str, password: str) -> Any:
        variables = {"input": {"authenticatorId": authenticator_id, "currentPassword": password}}
        return api.data(REMOVE, variables, token=user.token)["removeAuthenticator"]

    wrong = remove(app_id, "wrong password")["errors"]
    assert wrong == [{"field": ["input", "currentPassword"], "code": "INVALID_CREDENTIALS"}]
    assert remove(app_id, user.password) == {
        "mfa": {"enabled": True, "recoveryCodesRemaining": 10, "authenticators": [{"name": "YubiKey 5C"}]},
        "errors": [],
    }
    api.smtp.wait_for(user.email, subject="A second factor was removed from your account")
    assert remove(passkey_id, user.password) == {
        "mfa": {"enabled": False, "recoveryCodesRemaining": 0, "authenticators": []},
        "errors": [],
    }
    api.smtp.wait_for(user.email, subject="Two-step sign-in is off")


def test_adding_a_factor_while_mfa_is_on_needs_a_session_that_passed_it(api: Api) -> None:
    user = api.new_account()
    password_only = api.login(user.email, user.password)
    register(api, user, SoftPasskey(origin=ORIGIN))
    refused = api.data(START_REG, {"input": {"name": "Second"}}, token=password_only)["startPasskeyRegistration"]
    assert codes(refused) == ["REAUTH_REQUIRED"] and refused["options"] is None
    refused_app = api.data(START_TOTP, {"input": None}, token=password_only)["startMfaEnrollment"]
    assert codes(refused_app) == ["REAUTH_REQUIRED"]
