"""The `tenantry` command as an operator runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from schema.ids import from_global_id
from support import Api, SmtpSink, unique_orgnr

ROOT = Path(__file__).resolve().parents[2]
TENANTRY = str(Path(sys.executable).parent / "tenantry")


def run(var_dir: Path, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "TENANTRY_VAR_DIR": str(var_dir), "TENANTRY_BCRYPT_ROUNDS": "4", **env}
    return subprocess.run(
        [TENANTRY, *args], capture_output=True, text=True, env=full_env, timeout=60, cwd=ROOT, input=stdin or ""
    )


def new_account(var_dir: Path) -> str:
    created = run(
        var_dir,
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
    assert created.returncode == 0, created.stderr
    return created.stdout.strip()


def test_demo_is_idempotent_and_prints_sign_ins(tmp_path: Path) -> None:
    first = run(tmp_path, "demo")
    assert first.returncode == 0, first.stderr
    assert "clara.nilsson@cloud.example.com" in first.stdout and "CLOUD_ADMIN" in first.stdout
    second = run(tmp_path, "demo")
    assert second.returncode == 0 and second.stdout == first.stdout and second.stderr == ""


def test_create_account_and_user_print_the_ids_the_api_shows(tmp_path: Path, smtp: SmtpSink) -> None:
    account_id = new_account(tmp_path)
    assert from_global_id(account_id, "Account") is not None
    user = run(
        tmp_path,
        "create-user",
        "--account",
        account_id,
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
    secret = (tmp_path / "secret_key").read_text().strip()
    with Api.start(f"sqlite:///{tmp_path / 'tenantry.db'}", smtp, tmp_path / "api", secret_key=secret) as api:
        token = api.login("eva@widgets.example.com", "glacier-pepper-lamp-91")
        me = api.data("{ me { id account { id } } }", token=token)["me"]
    assert me == {"id": user.stdout.strip(), "account": {"id": account_id}}


def test_create_user_takes_the_account_as_global_id_or_raw_uuid(tmp_path: Path) -> None:
    account_id = new_account(tmp_path)
    found = from_global_id(account_id, "Account")
    assert found is not None
    for account, email in ((account_id, "one@widgets.example.com"), (str(found[1]), "two@widgets.example.com")):
        user = run(
            tmp_path,
            "create-user",
            "--account",
            account,
            "--email",
            email,
            "--role",
            "MEMBER",
            TENANTRY_PASSWORD="glacier-pepper-lamp-91",
        )
        assert user.returncode == 0, user.stderr
        assert from_global_id(user.stdout.strip(), "User") is not None
    again = run(
        tmp_path,
        "create-user",
        "--account",
        account_id,
        "--email",
        "ONE@widgets.example.com",
        "--role",
        "MEMBER",
        TENANTRY_PASSWORD="glacier-pepper-lamp-91",
    )
    assert again.returncode == 2 and "already" in again.stderr


def test_create_user_reads_a_piped_password_with_password_stdin(tmp_path: Path) -> None:
    account_id = new_account(tmp_path)
    args = ("create-user", "--account", account_id, "--role", "MEMBER", "--password-stdin")
    user = run(tmp_path, *args, "--email", "piped@widgets.example.com", stdin="glacier-pepper-lamp-91\n")
    assert user.returncode == 0, user.stderr
    assert from_global_id(user.stdout.strip(), "User") is not None
    empty = run(tmp_path, *args, "--email", "empty@widgets.example.com", stdin="")
    assert empty.returncode == 2 and "--password-stdin" in empty.stderr and "Traceback" not in empty.stderr


def test_create_user_with_a_pipe_and_no_password_names_where_to_give_it(tmp_path: Path) -> None:
    account_id = new_account(tmp_path)
    args = ("create-user", "--account", account_id, "--email", "p@widgets.example.com", "--role", "MEMBER")
    result = run(tmp_path, *args, stdin="glacier-pepper-lamp-91\n")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "TENANTRY_PASSWORD" in result.stderr and "--password-stdin" in result.stderr


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
        (
            ["create-user", "--account", "not-a-uuid", "--email", "a@example.com", "--role", "MEMBER"],
            "'not-a-uuid' is not an account ID",
        ),
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
    # The password came from the environment: the message says so instead of naming a flag that does not exist.
    assert "(TENANTRY_PASSWORD or --password-stdin)" in result.stderr and "--password)" not in result.stderr


def test_bad_setting_stops_with_one_line(tmp_path: Path) -> None:
    result = run(tmp_path, "migrate", TENANTRY_BCRYPT_ROUNDS="40")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and result.stderr.startswith("tenantry: TENANTRY_BCRYPT_ROUNDS")


def test_export_schema_matches_the_snapshot(tmp_path: Path) -> None:
    result = run(tmp_path, "export-schema")
    assert result.returncode == 0 and result.stdout == (ROOT / "schema.graphql").read_text()


def test_unknown_settings_are_warned_about_with_a_suggestion(tmp_path: Path) -> None:
    result = run(tmp_path, "migrate", TENANTRY_SMPT_URL="smtp://mail.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        "tenantry: warning: TENANTRY_SMPT_URL is not a Tenantry setting and is ignored; "
        "did you mean TENANTRY_SMTP_URL?\n"
    )


def test_help_answers_at_once_without_loading_the_app(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run(tmp_path, "--help")
    elapsed = time.monotonic() - started
    assert result.returncode == 0 and "create-user" in result.stdout
    assert elapsed < 2.0, f"tenantry --help took {elapsed:.1f}s"  # generous: ~0.2s here, 3-8s with the app
    heavy = ("server.app", "sqlalchemy", "strawberry", "starlette", "uvicorn", "bcrypt")
    probe = "import sys, server.cli; print(' '.join(m for m in " + repr(heavy) + " if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert loaded.returncode == 0 and loaded.stdout.strip() == "", loaded.stdout + loaded.stderr


@pytest.mark.parametrize("command", ["serve", "create-account", "create-user", "export-schema"])
def test_every_option_in_help_shows_its_default(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    from server.cli import _parser

    parser = _parser()
    with pytest.raises(SystemExit):
        parser.parse_args([command, "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    subparsers = next(a for a in parser._actions if a.dest == "command")
    sub = subparsers.choices[command]  # type: ignore[index]
    for option in (a for a in sub._actions if a.dest != "help"):
        text = " ".join(sub.formatter_class(prog="tenantry")._get_help_string(option).split())
        assert "(default: " in text or text.endswith("(required)"), (option.dest, text)
        assert text % {"default": option.default} in shown


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
