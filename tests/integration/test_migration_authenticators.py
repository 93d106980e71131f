"""Migration 0008: a user's single TOTP secret becomes their first authenticator, and keeps working."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import create_engine, select, text

import server.app
from persistence.database import make_engine
from persistence.migrate import downgrade, upgrade
from persistence.tables import authenticators_t
from support import Api, SmtpSink

START = """mutation { startMfaEnrollment { enrollment { otpauthUri } errors { code } } }"""
CONFIRM = """mutation C($input: ConfirmMfaEnrollmentInput!) { confirmMfaEnrollment(input: $input) {
  recoveryCodes errors { code } } }"""
LOGIN = """mutation L($input: LoginInput!) { login(input: $input) { mfaChallenge mfaMethods errors { code } } }"""
COMPLETE = """mutation M($input: CompleteMfaLoginInput!) { completeMfaLogin(input: $input) {
  token errors { code } } }"""


@pytest.fixture(params=["sqlite", "postgres"])
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    base = request.getfixturevalue("postgres_url").split("?")[0]
    schema = f"migrate_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_an_enrolled_totp_app_keeps_working_across_the_upgrade(
    own_database: str, smtp: SmtpSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [datetime.fromtimestamp(int(datetime.now(UTC).timestamp()) // 30 * 30 + 10, UTC)]
    monkeypatch.setattr(server.app, "utc_now", lambda: now[0])
    engine = make_engine(own_database)
    upgrade(engine)
    with Api.start(own_database, smtp, tmp_path) as api:
        user = api.new_account()
        app = pyotp.parse_uri(api.data(START, token=user.token)["startMfaEnrollment"]["enrollment"]["otpauthUri"])
        used = app.at(now[0])
        assert api.data(CONFIRM, {"input": {"code": used}}, token=user.token)["confirmMfaEnrollment"]["errors"] == []
    # Back to the single-secret schema of 0007, with the secret in mfa_secrets as the old code kept it.
    downgrade(engine, "0007")
    with engine.connect() as conn:
        sealed, last_step = conn.execute(text("SELECT sealed, last_step FROM mfa_secrets")).one()
    assert sealed and last_step == int(now[0].timestamp()) // 30
    upgrade(engine)
    with engine.connect() as conn:
        [row] = conn.execute(select(authenticators_t)).mappings().all()
    assert (row["kind"], row["name"], row["sealed"], row["last_step"]) == (
        "TOTP",
        "Authenticator app",
        sealed,
        last_step,
    )
    engine.dispose()

    with Api.start(own_database, smtp, tmp_path) as api:

        def sign_in(code: str) -> list[str]:
            step = api.data(LOGIN, {"input": {"email": user.email, "password": user.password}})["login"]
            assert step["mfaMethods"] == ["TOTP"]
            done = api.data(COMPLETE, {"input": {"mfaChallenge": step["mfaChallenge"], "code": code}})
            return [e["code"] for e in done["completeMfaLogin"]["errors"]]

        assert sign_in(used) == ["INVALID_CODE"]  # the code used before the upgrade stays used
        now[0] += timedelta(seconds=30)
        assert sign_in(app.at(now[0])) == []
