"""Two-step sign-in through HTTP on SQLite and PostgreSQL, as a person with an authenticator app.

The app runs on a clock the test moves, so "the current 30-second step" is never a race against
the wall clock: codes come from pyotp for the secret read back out of the QR code.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from qrcodes import decode_qr_data_uri
from sqlalchemy import event, select

from domain.errors import DomainError
from domain.services import mfa
from persistence.tables import authenticators_t as auth_t
from persistence.tables import mfa_recovery_codes_t as recovery_t
from persistence.tables import mfa_secrets_t as secrets_t
from support import LOGIN, Api, FrozenClock, Seeded, SmtpSink, freeze_clock

START = """mutation { startMfaEnrollment {
  enrollment { secret otpauthUri qrCodeDataUri expiresAt } errors { field code message } } }"""
CONFIRM = """mutation C($input: ConfirmMfaEnrollmentInput!) { confirmMfaEnrollment(input: $input) {
  mfa { enabled enabledAt recoveryCodesRemaining } recoveryCodes errors { field code message } } }"""
COMPLETE = """mutation M($input: CompleteMfaLoginInput!) { completeMfaLogin(input: $input) {
  token mfaRequired mfaChallenge user { email mfa { enabled recoveryCodesRemaining } }
  errors { field code message } } }"""
DISABLE = """mutation D($input: DisableMfaInput!) { disableMfa(input: $input) {
  mfa { enabled enabledAt recoveryCodesRemaining } errors { field code message } } }"""
REGENERATE = """mutation R($input: RegenerateRecoveryCodesInput!) { regenerateRecoveryCodes(input: $input) {
  recoveryCodes errors { field code message } } }"""
ME_MFA = "query { me { email mfa { enabled enabledAt recoveryCodesRemaining } } }"
LOGOUT = "mutation { logout { errors { code } } }"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """Frozen 10 s into a 30-second TOTP step until the test moves it."""
    start = int(datetime.now(UTC).timestamp()) // 30 * 30 + 10
    return freeze_clock(monkeypatch, datetime.fromtimestamp(start, UTC))


@pytest.fixture
def api(database_url: str, smtp: SmtpSink, tmp_path: Path, clock: FrozenClock) -> Iterator[Api]:
    with Api.start(database_url, smtp, tmp_path) as running:
        yield running


@dataclass
class Enrolled:
    user: Seeded
    totp: pyotp.TOTP
    recovery_codes: list[str]

    def code(self, clock: FrozenClock, offset_seconds: float = 0) -> str:
        return self.totp.at(clock.now + timedelta(seconds=offset_seconds))


def errors_of(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


def enroll(api: Api, clock: FrozenClock, user: Seeded | None = None) -> Enrolled:
    """MFA on for a new (or the given) user, the way a person does it; then the next step begins."""
    user = user or api.new_account()
    enrollment = api.data(START, token=user.token)["startMfaEnrollment"]["enrollment"]
    app = pyotp.parse_uri(decode_qr_data_uri(enrollment["qrCodeDataUri"]))
    confirmed = api.data(CONFIRM, {"input": {"code": app.at(clock.now)}}, token=user.token)["confirmMfaEnrollment"]
    assert confirmed["errors"] == [], confirmed
    clock.advance(30)
    return Enrolled(user, app, confirmed["recoveryCodes"])


def challenge(api: Api, user: Seeded) -> str:
    result = api.data(LOGIN, {"input": {"email": user.email, "password": user.password}})["login"]
    assert result["mfaRequired"] is True and result["mfaChallenge"], result
    return result["mfaChallenge"]


def complete(api: Api, mfa_challenge: str, code: str) -> dict[str, Any]:
    return api.data(COMPLETE, {"input": {"mfaChallenge": mfa_challenge, "code": code}})["completeMfaLogin"]


def test_enrolment_and_sign_in_end_to_end(api: Api, clock: FrozenClock) -> None:
    user = api.new_account()
    enrollment = api.data(START, token=user.token)["startMfaEnrollment"]
    assert enrollment["errors"] == []
    found = enrollment["enrollment"]
    uri = decode_qr_data_uri(found["qrCodeDataUri"])
    assert uri == found["otpauthUri"]
    assert uri.startswith(f"otpauth://totp/Tenantry:{user.email.replace('@', '%40')}?")
    app = pyotp.parse_uri(uri)
    assert (app.secret, app.issuer, app.name, app.digits, app.interval) == (
        found["secret"],
        "Tenantry",
        user.email,
        6,
        30,
    )
    assert app.digest().name == "sha1" and len(app.byte_secret()) == 20
    assert datetime.fromisoformat(found["expiresAt"]) == clock.now + timedelta(minutes=10)

    confirmed = api.data(CONFIRM, {"input": {"code": app.at(clock.now)}}, token=user.token)["confirmMfaEnrollment"]
    assert confirmed["errors"] == []
    assert confirmed["mfa"] == {"enabled": True, "enabledAt": clock.now.isoformat(), "recoveryCodesRemaining": 10}
    codes = confirmed["recoveryCodes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(len(c.replace("-", "")) * 5 >= 64 for c in codes)
    api.smtp.wait_for(user.email, subject="Two-step sign-in is on")
    assert api.data(ME_MFA, token=user.token)["me"]["mfa"]["recoveryCodesRemaining"] == 10
    assert api.data(LOGOUT, token=user.token)["logout"]["errors"] == []

    response = api.post({"query": LOGIN, "variables": {"input": {"email": user.email, "password": user.password}}})
    step_one = response.json()["data"]["login"]
    assert step_one["token"] is None and step_one["user"] is None and step_one["errors"] == []
    assert step_one["mfaRequired"] is True and len(step_one["mfaChallenge"]) >= 43
    assert "set-cookie" not in response.headers
    # The code that confirmed the set-up cannot sign in: its step is recorded.
    assert errors_of(complete(api, step_one["mfaChallenge"], app.at(clock.now))) == ["INVALID_CODE"]
    clock.advance(30)
    response = api.post(
        {
            "query": COMPLETE,
            "variables": {"input": {"mfaChallenge": step_one["mfaChallenge"], "code": app.at(clock.now)}},
        }
    )
    signed_in = response.json()["data"]["completeMfaLogin"]
    assert response.headers["set-cookie"].startswith("__Host-tenantry_session=")
    assert signed_in["errors"] == [] and signed_in["mfaRequired"] is False and signed_in["mfaChallenge"] is None
    assert signed_in["user"] == {"email": user.email, "mfa": {"enabled": True, "recoveryCodesRemaining": 10}}
    assert api.data(ME_MFA, token=signed_in["token"])["me"]["email"] == user.email


def test_wrong_password_of_an_mfa_user_gets_no_challenge(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    result = api.data(LOGIN, {"input": {"email": enrolled.user.email, "password": "wrong-password-1"}})["login"]
    assert result["mfaRequired"] is False and result["mfaChallenge"] is None
    assert errors_of(result) == ["INVALID_CREDENTIALS"]


def test_replayed_and_earlier_codes_are_refused(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    code = enrolled.code(clock)
    assert complete(api, challenge(api, enrolled.user), code)["token"]
    replay = complete(api, challenge(api, enrolled.user), code)
    assert replay["token"] is None
    assert replay["errors"] == [{"field": ["input", "code"], "code": "INVALID_CODE", "message": mfa.WRONG_CODE}]
    # One step on, the code of the step before is inside the window but older than the one used.
    clock.advance(30)
    assert errors_of(complete(api, challenge(api, enrolled.user), enrolled.code(clock, -30))) == ["INVALID_CODE"]
    assert complete(api, challenge(api, enrolled.user), enrolled.code(clock))["token"]


def test_clock_skew_of_one_step_is_accepted_and_two_steps_refused(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    clock.advance(30)  # so that the step before is not the one that confirmed the set-up
    for skew in (-60, 60):
        assert errors_of(complete(api, challenge(api, enrolled.user), enrolled.code(clock, skew))) == ["INVALID_CODE"]
    assert complete(api, challenge(api, enrolled.user), enrolled.code(clock, -30))["token"]
    assert complete(api, challenge(api, enrolled.user), enrolled.code(clock, 30))["token"]


def test_two_concurrent_uses_of_one_code_let_exactly_one_in(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    for _ in range(3):
        challenges = [challenge(api, enrolled.user) for _ in range(2)]
        code = enrolled.code(clock)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            results = list(pool.map(complete, [api, api], challenges, [code, code]))
        assert sorted(bool(r["token"]) for r in results) == [False, True]
        assert [errors_of(r) for r in results if not r["token"]] == [["INVALID_CODE"]]
        clock.advance(30)


def test_many_simultaneous_uses_of_one_code_in_the_service_let_exactly_one_in(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    challenges = [challenge(api, enrolled.user) for _ in range(6)]
    code = enrolled.code(clock)
    outcomes = _race(api, [(c, code) for c in challenges])
    assert sorted(outcomes) == ["INVALID_CODE"] * 5 + ["SIGNED_IN"]


def test_recovery_code_signs_in_once_in_any_format(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    first, second = enrolled.recovery_codes[:2]
    typed = first.replace("-", "").upper()
    signed_in = complete(api, challenge(api, enrolled.user), typed)
    assert signed_in["errors"] == [] and signed_in["token"]
    assert signed_in["user"]["mfa"]["recoveryCodesRemaining"] == 9
    mail = api.smtp.wait_for(enrolled.user.email, subject="A recovery code was used")
    assert "9 recovery codes remain" in mail.get_body(("plain",)).get_content()
    assert errors_of(complete(api, challenge(api, enrolled.user), first)) == ["INVALID_CODE"]
    spaced = " ".join(second.split("-")).title()
    assert complete(api, challenge(api, enrolled.user), spaced)["user"]["mfa"]["recoveryCodesRemaining"] == 8


def test_a_challenge_is_void_after_five_wrong_codes(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    mfa_challenge = challenge(api, enrolled.user)
    wrong = f"{(int(enrolled.code(clock)) + 1) % 1_000_000:06d}"
    assert [errors_of(complete(api, mfa_challenge, wrong)) for _ in range(5)] == [["INVALID_CODE"]] * 5
    refused = complete(api, mfa_challenge, enrolled.code(clock))
    assert refused["errors"] == [
        {"field": [], "code": "TOO_MANY_ATTEMPTS", "message": "Too many wrong codes; sign in with your password again."}
    ]
    assert complete(api, challenge(api, enrolled.user), enrolled.code(clock))["token"]


def test_ten_wrong_codes_per_user_across_challenges_then_refused(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    wrong = f"{(int(enrolled.code(clock)) + 1) % 1_000_000:06d}"
    codes = []
    for _ in range(3):
        mfa_challenge = challenge(api, enrolled.user)
        codes += [errors_of(complete(api, mfa_challenge, wrong))[0] for _ in range(4)]
    assert codes == ["INVALID_CODE"] * 10 + ["TOO_MANY_ATTEMPTS"] * 2
    refused = complete(api, challenge(api, enrolled.user), enrolled.code(clock))
    assert errors_of(refused) == ["TOO_MANY_ATTEMPTS"] and "minute" in refused["errors"][0]["message"]


def test_concurrent_wrong_codes_spend_one_attempt_each(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    wrong = f"{(int(enrolled.code(clock)) + 1) % 1_000_000:06d}"
    one = challenge(api, enrolled.user)
    assert sorted(_race(api, [(one, wrong)] * 12)) == ["INVALID_CODE"] * 5 + ["TOO_MANY_ATTEMPTS"] * 7
    # Five more challenges of five tries each: only five of these 25 wrong codes are checked.
    others = [challenge(api, enrolled.user) for _ in range(5)]
    outcomes = _race(api, [(c, wrong) for c in others for _ in range(5)])
    assert sorted(outcomes) == ["INVALID_CODE"] * 5 + ["TOO_MANY_ATTEMPTS"] * 20


def test_aliased_second_steps_in_one_request_are_refused_before_any_check(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    mfa_challenge = challenge(api, enrolled.user)
    aliases = " ".join(
        f'a{i}: completeMfaLogin(input: {{mfaChallenge: $c, code: "{i:06d}"}}) {{ token }}' for i in range(10)
    )
    body = api.gql(f"mutation M($c: String!) {{ {aliases} }}", {"c": mfa_challenge})
    assert body.get("data") is None
    assert body["errors"][0]["message"] == "A request may carry at most one sign-in mutation."
    mixed = api.gql(
        "mutation M($c: String!, $e: String!, $p: String!) { a: login(input: {email: $e, password: $p}) { token } "
        'b: completeMfaLogin(input: {mfaChallenge: $c, code: "000000"}) { token } }',
        {"c": mfa_challenge, "e": enrolled.user.email, "p": enrolled.user.password},
    )
    assert mixed.get("data") is None and mixed["errors"]
    # Nothing was tried: the challenge still has all five attempts.
    wrong = f"{(int(enrolled.code(clock)) + 1) % 1_000_000:06d}"
    assert [errors_of(complete(api, mfa_challenge, wrong)) for _ in range(4)] == [["INVALID_CODE"]] * 4
    assert complete(api, mfa_challenge, enrolled.code(clock))["token"]


def test_challenges_expire_are_single_use_and_bound_to_their_user(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    other = enroll(api, clock)
    expired = challenge(api, enrolled.user)
    clock.advance(5 * 60)
    code_expired = {
        "field": ["input", "mfaChallenge"],
        "code": "CODE_EXPIRED",
        "message": "This sign-in has expired; sign in with your password again.",
    }
    assert complete(api, expired, enrolled.code(clock))["errors"] == [code_expired]
    used = challenge(api, enrolled.user)
    assert complete(api, used, enrolled.code(clock))["token"]
    clock.advance(30)
    assert complete(api, used, enrolled.code(clock))["errors"] == [code_expired]
    assert complete(api, "made-up-challenge", enrolled.code(clock))["errors"] == [code_expired]
    assert complete(api, "c" * 100_000, enrolled.code(clock))["errors"] == [code_expired]
    # Another user's current code does not answer this user's challenge.
    assert errors_of(complete(api, challenge(api, enrolled.user), other.code(clock))) == ["INVALID_CODE"]


def test_second_step_input_problems(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    mfa_challenge = challenge(api, enrolled.user)
    assert complete(api, "", "")["errors"] == [
        {"field": ["input", "mfaChallenge"], "code": "REQUIRED", "message": "Sign in with your password first."},
        {
            "field": ["input", "code"],
            "code": "REQUIRED",
            "message": "Enter a code from your authenticator app or a recovery code.",
        },
    ]
    for nasty in (
        "12345",
        "1234567",
        "abcdef",
        "١٢٣٤٥٦",
        "0" * 100_000,
        "'; DROP TABLE users; --",
        "１２３４５６",
        "🔑" * 6,
    ):
        assert errors_of(complete(api, mfa_challenge, nasty)) == ["INVALID_CODE"], nasty
    # Malformed codes are refused before anything is compared, so they spend no attempt.
    assert complete(api, mfa_challenge, " ".join([enrolled.code(clock)[:3], enrolled.code(clock)[3:]]))["token"]
    wrong_type = api.gql(COMPLETE, {"input": {"mfaChallenge": 123, "code": ["1"]}})
    assert wrong_type.get("data") is None and wrong_type["errors"]


def test_start_again_replaces_the_pending_secret(api: Api, clock: FrozenClock) -> None:
    user = api.new_account()
    first = pyotp.parse_uri(api.data(START, token=user.token)["startMfaEnrollment"]["enrollment"]["otpauthUri"])
    second = pyotp.parse_uri(api.data(START, token=user.token)["startMfaEnrollment"]["enrollment"]["otpauthUri"])
    assert first.secret != second.secret
    stale = api.data(CONFIRM, {"input": {"code": first.at(clock.now)}}, token=user.token)["confirmMfaEnrollment"]
    assert errors_of(stale) == ["INVALID_CODE"] and stale["mfa"] is None and stale["recoveryCodes"] is None
    fresh = api.data(CONFIRM, {"input": {"code": second.at(clock.now)}}, token=user.token)["confirmMfaEnrollment"]
    assert fresh["mfa"]["enabled"] is True
    # The session that turned MFA on passed it, so it may start adding a second app.
    again = api.data(START, token=user.token)["startMfaEnrollment"]
    assert again["errors"] == [] and again["enrollment"]["secret"] not in (first.secret, second.secret)
    # The confirmed secret is no longer pending: its code does not confirm the new one.
    confirm_again = api.data(CONFIRM, {"input": {"code": second.at(clock.now)}}, token=user.token)
    assert errors_of(confirm_again["confirmMfaEnrollment"]) == ["INVALID_CODE"]


def test_confirm_enrolment_errors(api: Api, clock: FrozenClock) -> None:
    user = api.new_account()

    def confirm(code: str) -> list[str]:
        return errors_of(api.data(CONFIRM, {"input": {"code": code}}, token=user.token)["confirmMfaEnrollment"])

    assert confirm("123456") == ["CODE_EXPIRED"]
    assert (
        confirm("") == ["REQUIRED"]
        and confirm("12 34") == ["INVALID_CODE"]
        and confirm("x" * 10_000) == ["INVALID_CODE"]
    )
    app = pyotp.parse_uri(api.data(START, token=user.token)["startMfaEnrollment"]["enrollment"]["otpauthUri"])
    clock.advance(10 * 60)
    assert confirm(app.at(clock.now)) == ["CODE_EXPIRED"]
    app = pyotp.parse_uri(api.data(START, token=user.token)["startMfaEnrollment"]["enrollment"]["otpauthUri"])
    wrong = f"{(int(app.at(clock.now)) + 1) % 1_000_000:06d}"
    assert [confirm(wrong) for _ in range(5)] == [["INVALID_CODE"]] * 5
    assert confirm(app.at(clock.now)) == ["TOO_MANY_ATTEMPTS"]
    with api.runtime.engine.connect() as conn:
        row = conn.execute(select(secrets_t).where(secrets_t.c.user_id == user.user_id)).mappings().one()
    assert row["pending_sealed"] is None
    assert api.data(ME_MFA, token=user.token)["me"]["mfa"] == {
        "enabled": False,
        "enabledAt": None,
        "recoveryCodesRemaining": 0,
    }


def test_mfa_mutations_need_a_session(api: Api, clock: FrozenClock) -> None:
    for query, variables in (
        (START, {}),
        (CONFIRM, {"input": {"code": "123456"}}),
        (DISABLE, {"input": {"password": "x", "code": "123456"}}),
        (REGENERATE, {"input": {"code": "123456"}}),
    ):
        body = api.gql(query, variables)
        assert body["data"] is None and body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


def test_secrets_and_recovery_codes_are_stored_sealed(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    with api.runtime.engine.connect() as conn:
        secret = conn.execute(select(auth_t).where(auth_t.c.user_id == enrolled.user.user_id)).mappings().one()
        digests = conn.execute(select(recovery_t.c.digest).where(recovery_t.c.user_id == enrolled.user.user_id))
        stored = {d for (d,) in digests}
    assert enrolled.totp.secret not in secret["sealed"] and secret["last_step"] is not None
    canonical = {c.replace("-", "").upper() for c in enrolled.recovery_codes}
    assert len(stored) == 10 and not stored & canonical and all(len(d) == 64 for d in stored)


def test_disable_mfa_needs_password_and_code(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    token = enrolled.user.token

    def disable(password: str, code: str) -> dict[str, Any]:
        return api.data(DISABLE, {"input": {"password": password, "code": code}}, token=token)["disableMfa"]

    assert [e["field"] for e in disable("", "")["errors"]] == [["input", "password"], ["input", "code"]]
    assert errors_of(disable(enrolled.user.password, "abc")) == ["INVALID_CODE"]
    assert errors_of(disable("wrong-password-1", enrolled.code(clock))) == ["INVALID_CREDENTIALS"]
    wrong = f"{(int(enrolled.code(clock)) + 1) % 1_000_000:06d}"
    assert errors_of(disable(enrolled.user.password, wrong)) == ["INVALID_CODE"]
    assert errors_of(disable(enrolled.user.password, enrolled.recovery_codes[0] + "x")) == ["INVALID_CODE"]
    done = disable(enrolled.user.password, enrolled.recovery_codes[0])
    assert done == {"mfa": {"enabled": False, "enabledAt": None, "recoveryCodesRemaining": 0}, "errors": []}
    api.smtp.wait_for(enrolled.user.email, subject="Two-step sign-in is off")
    assert errors_of(disable(enrolled.user.password, enrolled.code(clock))) == ["MFA_NOT_ENABLED"]
    with api.runtime.engine.connect() as conn:
        assert conn.execute(select(secrets_t).where(secrets_t.c.user_id == enrolled.user.user_id)).first() is None
        assert conn.execute(select(recovery_t).where(recovery_t.c.user_id == enrolled.user.user_id)).first() is None
    assert api.login(enrolled.user.email, enrolled.user.password)
    # Turned on again, it takes a new secret: the old app's codes no longer work.
    again = enroll(api, clock, enrolled.user)
    assert again.totp.secret != enrolled.totp.secret
    assert errors_of(complete(api, challenge(api, enrolled.user), enrolled.code(clock))) == ["INVALID_CODE"]


def test_regenerate_recovery_codes_needs_a_current_app_code(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    token = enrolled.user.token

    def regenerate(code: str) -> dict[str, Any]:
        return api.data(REGENERATE, {"input": {"code": code}}, token=token)["regenerateRecoveryCodes"]

    assert errors_of(regenerate(enrolled.recovery_codes[0])) == ["INVALID_CODE"]
    assert errors_of(regenerate("")) == ["REQUIRED"]
    assert errors_of(regenerate(f"{(int(enrolled.code(clock)) + 1) % 1_000_000:06d}")) == ["INVALID_CODE"]
    fresh = regenerate(enrolled.code(clock))
    assert fresh["errors"] == [] and len(set(fresh["recoveryCodes"])) == 10
    assert not set(fresh["recoveryCodes"]) & set(enrolled.recovery_codes)
    api.smtp.wait_for(enrolled.user.email, subject="New recovery codes")
    assert errors_of(regenerate(enrolled.code(clock))) == ["INVALID_CODE"]  # that step is used
    assert errors_of(complete(api, challenge(api, enrolled.user), enrolled.recovery_codes[1])) == ["INVALID_CODE"]
    assert complete(api, challenge(api, enrolled.user), fresh["recoveryCodes"][0])["token"]
    off = api.new_account()
    assert errors_of(
        api.data(REGENERATE, {"input": {"code": "123456"}}, token=off.token)["regenerateRecoveryCodes"]
    ) == ["MFA_NOT_ENABLED"]


def test_recovery_codes_remaining_costs_one_statement_per_request(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "mfa_recovery_codes" in statement:
            statements.append(statement)

    for engine in api.runtime.engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        query = "query { a: me { mfa { recoveryCodesRemaining } } b: me { mfa { recoveryCodesRemaining } } }"
        assert api.data(query, token=enrolled.user.token) == {
            "a": {"mfa": {"recoveryCodesRemaining": 10}},
            "b": {"mfa": {"recoveryCodesRemaining": 10}},
        }
    finally:
        for engine in api.runtime.engines:
            event.remove(engine, "before_cursor_execute", record)
    assert len(statements) == 1


def _race(api: Api, attempts: list[tuple[str, str]]) -> list[str]:
    """Call the second step from one thread per attempt, all released at once against the real database."""
    start = threading.Barrier(len(attempts))

    def attempt(args: tuple[str, str]) -> str:
        start.wait()
        try:
            mfa.complete_login(api.deps, challenge=args[0], code=args[1], ip=None, user_agent=None)
        except DomainError as error:
            return error.code
        return "SIGNED_IN"

    with concurrent.futures.ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(attempt, attempts))


CHANGE_PASSWORD = """mutation P($input: ChangePasswordInput!) {
  changePassword(input: $input) { revokedSessions errors { code } } }"""


def test_a_pending_second_step_dies_with_a_password_change(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    pending = challenge(api, enrolled.user)  # someone who knew the old password got this far
    new_password = "a-fresh-passphrase-" + enrolled.user.password
    change = {"input": {"currentPassword": enrolled.user.password, "newPassword": new_password}}
    assert api.data(CHANGE_PASSWORD, change, token=enrolled.user.token)["changePassword"]["errors"] == []
    clock.advance(30)
    assert errors_of(complete(api, pending, enrolled.code(clock))) == ["CODE_EXPIRED"]


def test_a_pending_second_step_dies_when_mfa_is_turned_off(api: Api, clock: FrozenClock) -> None:
    enrolled = enroll(api, clock)
    pending = challenge(api, enrolled.user)
    off = {"input": {"password": enrolled.user.password, "code": enrolled.recovery_codes[0]}}
    assert api.data(DISABLE, off, token=enrolled.user.token)["disableMfa"]["errors"] == []
    assert errors_of(complete(api, pending, enrolled.recovery_codes[1])) == ["CODE_EXPIRED"]
