"""The `tenantry` command as an operator runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from support import unique_orgnr

ROOT = Path(__file__).resolve().parents[2]
TENANTRY = str(Path(sys.executable).parent / "tenantry")


def run(var_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "TENANTRY_VAR_DIR": str(var_dir), "TENANTRY_BCRYPT_ROUNDS": "4", **env}
    return subprocess.run([TENANTRY, *args], capture_output=True, text=True, env=full_env, timeout=60, cwd=ROOT)


def test_demo_is_idempotent_and_prints_sign_ins(tmp_path: Path) -> None:
    first = run(tmp_path, "demo")
    assert first.returncode == 0, first.stderr
    assert "clara.nilsson@cloud.example.com" in first.stdout and "CLOUD_ADMIN" in first.stdout
    second = run(tmp_path, "demo")
    assert second.returncode == 0 and second.stdout == first.stdout and second.stderr == ""


def test_demo_refuses_to_run_in_production(tmp_path: Path) -> None:
    result = run(tmp_path, "demo", TENANTRY_ENV="production", TENANTRY_SECRET_KEY="k" * 48)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "tenantry: demo refuses to run with TENANTRY_ENV=production (its passwords are public)\n"
    assert not (tmp_path / "tenantry.db").exists()


def test_serve_prints_the_graphql_url(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "TENANTRY_VAR_DIR": str(tmp_path), "TENANTRY_ACCESS_LOG": "0"}
    with subprocess.Popen(
        [TENANTRY, "serve", "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    ) as server:
        try:
            assert server.stdout is not None
            assert server.stdout.readline() == f"Serving http://127.0.0.1:{port}/graphql\n"
        finally:
            server.terminate()
            server.wait(timeout=20)


def test_create_account_and_user(tmp_path: Path) -> None:
    account = run(
        tmp_path,
        "create-account",
        "--kind",
        "BUSINESS",
        "--number",
        unique_orgnr(),
        "--company-name",
        "Nordic Widgets AB",
        "--contact-person",
        "Eva Holm",
        "--contact-email",
        "billing@widgets.example.com",
    )
    assert account.returncode == 0, account.stderr
    account_id = uuid.UUID(account.stdout.strip())
    user = run(
        tmp_path,
        "create-user",
        "--account",
        str(account_id),
        "--email",
        "eva@widgets.example.com",
        "--role",
        "ACCOUNT_ADMIN",
        "--first-name",
        "Eva",
        "--last-name",
        "Holm",
        TENANTRY_PASSWORD="glacier-pepper-lamp-91",
    )
    assert user.returncode == 0, user.stderr
    uuid.UUID(user.stdout.strip())
    again = run(
        tmp_path,
        "create-user",
        "--account",
        str(account_id),
        "--email",
        "EVA@widgets.example.com",
        "--role",
        "MEMBER",
        TENANTRY_PASSWORD="glacier-pepper-lamp-91",
    )
    assert again.returncode == 2 and "already" in again.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            [
                "create-account",
                "--kind",
                "BUSINESS",
                "--number",
                "556012-5791",
                "--company-name",
                "X AB",
                "--contact-person",
                "P",
                "--contact-email",
                "p@example.com",
            ],
            "organization number",
        ),
        (["create-account", "--kind", "PERSON", "--number", "1"], "invalid choice"),
        (["create-user", "--account", "not-a-uuid", "--email", "a@example.com", "--role", "MEMBER"], "invalid UUID"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(tmp_path: Path, args: list[str], expected: str) -> None:
    result = run(tmp_path, *args)
    assert result.returncode == 2
    assert expected.lower() in result.stderr.lower(), result.stderr
    assert "Traceback" not in result.stderr


def test_weak_password_is_refused(tmp_path: Path) -> None:
    account = run(
        tmp_path,
        "create-account",
        "--kind",
        "INDIVIDUAL",
        "--number",
        "19880320-0016",
        "--contact-person",
        "Bo Ek",
        "--contact-email",
        "bo@example.com",
    )
    result = run(
        tmp_path,
        "create-user",
        "--account",
        account.stdout.strip(),
        "--email",
        "bo@example.com",
        "--role",
        "ACCOUNT_ADMIN",
        TENANTRY_PASSWORD="password1234",
    )
    assert result.returncode == 2 and "common" in result.stderr.lower()


def test_bad_setting_stops_with_one_line(tmp_path: Path) -> None:
    result = run(tmp_path, "migrate", TENANTRY_BCRYPT_ROUNDS="40")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and result.stderr.startswith("tenantry: TENANTRY_BCRYPT_ROUNDS")


def test_export_schema_matches_the_snapshot(tmp_path: Path) -> None:
    result = run(tmp_path, "export-schema")
    assert result.returncode == 0 and result.stdout == (ROOT / "schema.graphql").read_text()
