"""Development files are private to the server's user: var/ and its folders 0700, files 0600
(the SQLite database with its -wal and -shm files, the secret key, the mail with codes in clear)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import text

from persistence.database import make_engine
from server.mailer import FileTransport
from server.settings import load_settings


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The usual 022, under which files are world-readable unless created otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_development_settings_create_var_private(tmp_path: Path) -> None:
    var = tmp_path / "project" / "var"
    load_settings({"TENANTRY_ENV": "development", "TENANTRY_VAR_DIR": str(var)})
    assert mode(var) == 0o700 and mode(var.parent) == 0o700
    assert mode(var / "secret_key") == 0o600


def test_sqlite_database_and_its_wal_files_are_private(tmp_path: Path) -> None:
    database = tmp_path / "var" / "db" / "tenantry.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        wal, shm = Path(f"{database}-wal"), Path(f"{database}-shm")
        assert wal.exists() and shm.exists()
        assert (mode(database), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
    engine.dispose()
    assert mode(database.parent) == 0o700 and mode(database.parent.parent) == 0o700


def test_mail_files_are_private(tmp_path: Path) -> None:
    message = EmailMessage()
    message["To"] = "someone@example.com"
    message.set_content("Your code is 123456")
    FileTransport(tmp_path / "var" / "mail").send(message)
    (written,) = (tmp_path / "var" / "mail").iterdir()
    assert mode(written) == 0o600
    assert mode(tmp_path / "var" / "mail") == 0o700 and mode(tmp_path / "var") == 0o700
