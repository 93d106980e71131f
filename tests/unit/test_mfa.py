"""TOTP, QR codes and recovery codes, and the MFA services over the shared fake unit of work."""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pyotp
import pytest
from cryptography.exceptions import InvalidTag
from qrcodes import decode_qr_data_uri, svg_of

from domain import totp
from domain.entities import Actor, Authenticator
from domain.errors import (
    CodeExpired,
    InvalidCode,
    InvalidCredentials,
    MfaNotEnabled,
    ReauthRequired,
    Required,
    TooManyAttempts,
    ValidationFailed,
)
from domain.services import mfa, sessions, signin

from .world import PASSWORD, World

START = datetime(2026, 11, 24, 9, 0, 10, tzinfo=UTC)  # 10 s into a step
# RFC 6238, appendix B: the SHA1 secret "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


# ---------------------------------------------------------------- pure TOTP, QR, recovery codes


def test_codes_match_the_rfc_6238_test_vectors() -> None:
    assert totp.code_at(RFC_SECRET, datetime.fromtimestamp(59, UTC)) == "287082"
    assert totp.code_at(RFC_SECRET, datetime.fromtimestamp(1111111109, UTC)) == "081804"
    assert totp.code_at(RFC_SECRET, datetime.fromtimestamp(2000000000, UTC)) == "279037"


def test_totp_refuses_naive_datetimes_and_reads_any_zone_as_the_same_instant() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        totp.code_at(RFC_SECRET, datetime(2026, 1, 1, 12, 0))
    stockholm = START.astimezone(timezone(timedelta(hours=1)))
    assert totp.code_at(RFC_SECRET, stockholm) == totp.code_at(RFC_SECRET, START)


def test_new_secret_has_160_random_bits_in_base32() -> None:
    secrets_ = {totp.new_secret() for _ in range(50)}
    assert len(secrets_) == 50
    for secret in secrets_:
        assert re.fullmatch(r"[A-Z2-7]{32}", secret) and len(base64.b32decode(secret)) == 20


def test_matching_step_accepts_one_step_either_side_only() -> None:
    secret = totp.new_secret()
    now_step = int(START.timestamp()) // 30
    for offset in (-1, 0, 1):
        code = totp.code_at(secret, START, offset)
        assert totp.matching_step(secret, code, START) == now_step + offset
    for offset in (-2, 2):
        code = totp.code_at(secret, START, offset)
        if all(code != totp.code_at(secret, START, o) for o in (-1, 0, 1)):
            assert totp.matching_step(secret, code, START) is None


def test_matching_step_never_returns_a_step_already_used() -> None:
    secret = totp.new_secret()
    now_step = int(START.timestamp()) // 30
    assert totp.matching_step(secret, totp.code_at(secret, START), START, after=now_step) is None
    assert totp.matching_step(secret, totp.code_at(secret, START, -1), START, after=now_step - 1) is None
    assert totp.matching_step(secret, totp.code_at(secret, START, 1), START, after=now_step) == now_step + 1


def test_provisioning_uri_is_what_google_authenticator_reads() -> None:
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", issuer="Tenantry", account_name="ann@example.com")
    assert uri == "otpauth://totp/Tenantry:ann%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Tenantry"
    parsed = pyotp.parse_uri(uri)
    assert (parsed.issuer, parsed.name, parsed.digits, parsed.interval) == ("Tenantry", "ann@example.com", 6, 30)


def test_qr_code_is_an_svg_data_uri_that_reads_back_to_its_content() -> None:
    uri = totp.provisioning_uri(totp.new_secret(), issuer="Tenantry Cloud: Nord", account_name="åsa.öberg@example.com")
    data_uri = totp.qr_svg_data_uri(uri)
    assert data_uri.startswith("data:image/svg+xml;base64,")
    assert svg_of(data_uri).startswith(b"<svg")
    assert decode_qr_data_uri(data_uri) == uri
    assert pyotp.parse_uri(uri).issuer == "Tenantry Cloud: Nord"


def test_recovery_codes_are_grouped_base32_with_80_random_bits() -> None:
    codes = totp.new_recovery_codes()
    assert len(codes) == len(set(codes)) == 10
    for code in codes:
        assert re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){3}", code)
        assert len(base64.b32decode(code.replace("-", "").upper())) * 8 == 80


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("abcd-efgh-ijkl-mnop", "ABCDEFGHIJKLMNOP"),
        ("ABCDEFGHIJKLMNOP", "ABCDEFGHIJKLMNOP"),
        (" abcd efgh ijkl mnop ", "ABCDEFGHIJKLMNOP"),
        ("abcd-efgh-ijkl-mno", None),
        ("abcd-efgh-ijkl-mno1", None),
        ("abcd-efgh-ijkl-mnop-q", None),
        ("ａｂｃｄ-efgh-ijkl-mnop", None),
        ("a" * 65, None),
    ],
)
def test_recovery_codes_are_read_with_or_without_separators_in_any_case(typed: str, expected: str | None) -> None:
    assert totp.canonical_recovery_code(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("123456", totp.Code("totp", "123456")),
        ("123 456", totp.Code("totp", "123456")),
        ("\t123456\n", totp.Code("totp", "123456")),
        ("abcd-efgh-ijkl-mnop", totp.Code("recovery", "ABCDEFGHIJKLMNOP")),
        ("12345", None),
        ("1234567", None),
        ("١٢٣٤٥٦", None),
        ("１２３４５６", None),
        ("", None),
        ("1" * 100_000, None),
    ],
)
def test_parse_code_tells_totp_codes_from_recovery_codes(typed: str, expected: totp.Code | None) -> None:
    assert totp.parse_code(typed) == expected


# ---------------------------------------------------------------- services over fakes


class Mfa:
    """The MFA steps a test goes through: enrol with an authenticator app, get a challenge, complete it."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.deps, self.tables, self.clock = world.deps, world.tables, world.clock

    @property
    def now(self) -> datetime:
        return self.clock.now

    def add_user(self) -> Actor:
        n = len(self.tables.users)
        user = self.world.user(f"alva{n or ''}@example.com")  # signed in elsewhere: no session rows
        return Actor(user.id, user.account_id, user.role, uuid.uuid4(), "10.0.0.1")

    def enroll(self, actor: Actor) -> tuple[pyotp.TOTP, list[str]]:
        app = pyotp.parse_uri(mfa.start_enrollment(self.deps, actor).otpauth_uri)
        _, codes = mfa.confirm_enrollment(self.deps, actor, app.at(self.world.now))
        self.world.later(seconds=30)
        return app, codes

    def world_authenticators(self, actor: Actor) -> list[Authenticator]:
        own = (a for a in self.tables.authenticators.values() if a.user_id == actor.user_id)
        return sorted(own, key=lambda a: a.created_at)

    def challenge(self, actor: Actor) -> str:
        with self.deps.uow() as uow:
            token = signin.start_mfa_challenge(self.deps, uow, self.world.user_of(actor))
            uow.commit()
        return token

    def complete(self, challenge: str, code: str) -> sessions.SignedIn:
        return mfa.complete_login(self.deps, challenge=challenge, code=code, ip="10.0.0.1", user_agent="pytest")


@pytest.fixture
def start() -> datetime:
    return START


@pytest.fixture
def db(world: World) -> Mfa:
    return Mfa(world)


def wrong(app: pyotp.TOTP, now: datetime) -> str:
    return f"{(int(app.at(now)) + 1) % 1_000_000:06d}"


def test_enrolment_keeps_secrets_sealed_and_recovery_codes_hashed(db: Mfa) -> None:
    actor = db.add_user()
    app, codes = db.enroll(actor)
    [row] = db.tables.authenticators.values()
    assert row.sealed and app.secret not in row.sealed and db.tables.mfa_secrets[actor.user_id].pending_sealed is None
    assert row.last_step == int(START.timestamp()) // 30 and row.name == "Authenticator app"
    digests = {d for _, d in db.tables.recovery_codes}
    assert len(db.tables.recovery_codes) == 10 and not digests & {c.upper() for c in codes}
    assert [m.subject for m in db.tables.outbox] == ["Two-step sign-in is on"]
    assert all(c not in m.text for m in db.tables.outbox for c in codes)


def test_a_sealed_secret_does_not_open_for_another_user(db: Mfa) -> None:
    first, second = db.add_user(), db.add_user()
    db.enroll(first)
    [app] = db.tables.authenticators.values()
    sealed = app.sealed
    assert sealed is not None
    with pytest.raises(InvalidTag):
        mfa._unseal(db.deps, second.user_id, sealed)


def test_confirm_enrolment_voids_the_pending_secret_after_five_wrong_codes(db: Mfa) -> None:
    actor = db.add_user()
    app = pyotp.parse_uri(mfa.start_enrollment(db.deps, actor).otpauth_uri)
    for _ in range(5):
        with pytest.raises(InvalidCode):
            mfa.confirm_enrollment(db.deps, actor, wrong(app, db.now))
    assert db.tables.mfa_secrets[actor.user_id].pending_sealed is None
    with pytest.raises(TooManyAttempts):
        mfa.confirm_enrollment(db.deps, actor, app.at(db.now))
    # Starting again gives a new secret and five new tries.
    fresh = pyotp.parse_uri(mfa.start_enrollment(db.deps, actor).otpauth_uri)
    state, _ = mfa.confirm_enrollment(db.deps, actor, fresh.at(db.now))
    assert state.enabled and state.recovery_codes_remaining == 10


def test_confirm_enrolment_needs_a_live_pending_secret(db: Mfa) -> None:
    actor = db.add_user()
    with pytest.raises(CodeExpired):
        mfa.confirm_enrollment(db.deps, actor, "123456")
    app = pyotp.parse_uri(mfa.start_enrollment(db.deps, actor).otpauth_uri)
    db.clock.now += mfa.ENROLLMENT_TTL
    with pytest.raises(CodeExpired):
        mfa.confirm_enrollment(db.deps, actor, app.at(db.now))
    with pytest.raises(Required):
        mfa.confirm_enrollment(db.deps, actor, "  ")


def test_a_second_app_needs_a_session_that_passed_mfa(db: Mfa) -> None:
    actor = db.add_user()
    db.enroll(actor)
    with pytest.raises(ReauthRequired):
        mfa.start_enrollment(db.deps, actor, "Pixel 8")
    verified = replace(actor, mfa_verified=True)
    second = pyotp.parse_uri(mfa.start_enrollment(db.deps, verified, "Pixel 8").otpauth_uri)
    with pytest.raises(ReauthRequired):  # checked again when the app is added
        mfa.confirm_enrollment(db.deps, actor, second.at(db.now))
    state, codes = mfa.confirm_enrollment(db.deps, verified, second.at(db.now))
    assert state.enabled and codes is None and state.recovery_codes_remaining == 10
    assert [a.name for a in db.world_authenticators(actor)] == ["Authenticator app", "Pixel 8"]
    assert db.tables.outbox[-1].subject == "A second factor was added to your account"
    assert '"Pixel 8"' in db.tables.outbox[-1].text


def test_second_step_opens_a_session_and_claims_the_step(db: Mfa) -> None:
    actor = db.add_user()
    app, _ = db.enroll(actor)
    signed_in = db.complete(db.challenge(actor), app.at(db.now))
    assert signed_in.user.id == actor.user_id and list(db.tables.sessions.values()) == [signed_in.session]
    [app_row] = db.tables.authenticators.values()
    assert app_row.last_step == int(db.now.timestamp()) // 30 and app_row.last_used_at == db.now
    with pytest.raises(InvalidCode):
        db.complete(db.challenge(actor), app.at(db.now))
    assert sum(db.tables.attempts.values()) == 1  # the success was given back, the replay was not


def test_recovery_code_mail_says_how_many_remain(db: Mfa) -> None:
    actor = db.add_user()
    _, codes = db.enroll(actor)
    db.complete(db.challenge(actor), codes[3].upper().replace("-", " "))
    assert db.tables.outbox[-1].subject == "A recovery code was used"
    assert "9 recovery codes remain" in db.tables.outbox[-1].text
    with pytest.raises(InvalidCode):
        db.complete(db.challenge(actor), codes[3])


def test_second_step_reports_every_missing_field_at_once(db: Mfa) -> None:
    with pytest.raises(ValidationFailed) as raised:
        db.complete("", "")
    assert [(e.code, e.field) for e in raised.value.errors] == [
        ("REQUIRED", ("mfa_challenge",)),
        ("REQUIRED", ("code",)),
    ]


def test_disable_checks_password_before_the_code_and_removes_everything(db: Mfa) -> None:
    actor = db.add_user()
    app, codes = db.enroll(actor)
    with pytest.raises(InvalidCredentials):
        mfa.disable(db.deps, actor, password="wrong", code=app.at(db.now), ip=None)
    [app_row] = db.tables.authenticators.values()
    assert app_row.last_step == int(START.timestamp()) // 30  # the code was not spent
    state = mfa.disable(db.deps, actor, password=PASSWORD, code=app.at(db.now), ip=None)
    assert not state.enabled and state.recovery_codes_remaining == 0
    assert db.tables.mfa_secrets == {} and db.tables.recovery_codes == {} and db.tables.authenticators == {}
    assert not db.tables.users[actor.user_id].mfa_enabled
    assert db.tables.outbox[-1].subject == "Two-step sign-in is off"
    with pytest.raises(MfaNotEnabled):
        mfa.disable(db.deps, actor, password=PASSWORD, code=codes[0], ip=None)


def test_regenerate_replaces_the_whole_set(db: Mfa) -> None:
    actor = db.add_user()
    app, old = db.enroll(actor)
    with pytest.raises(InvalidCode):
        mfa.regenerate_recovery_codes(db.deps, actor, old[0])
    new = mfa.regenerate_recovery_codes(db.deps, actor, app.at(db.now))
    assert len(new) == 10 and not set(new) & set(old)
    assert db.tables.outbox[-1].subject == "New recovery codes"
    with pytest.raises(InvalidCode):
        db.complete(db.challenge(actor), old[1])
    assert db.complete(db.challenge(actor), new[1]).user.id == actor.user_id


def test_typed_codes_are_required_and_must_have_a_code_form() -> None:
    with pytest.raises(Required) as empty:
        totp.any_code(" \t")
    assert empty.value.field == ("code",)
    with pytest.raises(InvalidCode):
        totp.any_code("not a code")
    with pytest.raises(InvalidCode):
        totp.app_code("abcd-efgh-ijkl-mnop")  # a recovery code where only the app's code will do
    assert totp.app_code(" 012 345 ") == "012345"
