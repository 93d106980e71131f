"""Shared fixtures: a real SQLite file and a real PostgreSQL schema, a real in-process SMTP server,
and the app served through Starlette's TestClient (lifespan included).

`make test` runs the suite in several pytest-xdist workers. Session fixtures are per worker, so
each worker has its own SQLite file (under its own base temp dir), its own randomly named
PostgreSQL schema and its own SMTP server on a port of its own."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from persistence.database import make_engine
from persistence.migrate import upgrade
from support import Api, SmtpSink

PG_ADMIN_URL = os.environ.get("TENANTRY_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("TENANTRY_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'tenantry.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh schema in the `test` database for this run, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        admin.dispose()
        reason = f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({type(error.orig).__name__})"
        if REQUIRE_PG:
            pytest.fail(f"{reason}, and TENANTRY_REQUIRE_POSTGRES=1 requires it")
        pytest.skip(reason)
    url = f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def api(database_url: str, smtp: SmtpSink, tmp_path: Path) -> Iterator[Api]:
    """The whole app on a real database, with mail going to the in-process SMTP server."""
    with Api.start(database_url, smtp, tmp_path) as running:
        yield running


@pytest.fixture(autouse=True)
def _clear_of_limit_windows(request: pytest.FixtureRequest) -> None:
    """Attempt limits count in fixed windows aligned to the quarter hour (hours are quarters too).
    A test that spends attempts must not straddle a window's end, or its counts start over midway:
    one starting in a window's last 15 seconds waits for the next window first."""
    if "integration" not in str(request.path):
        return
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < 15:
        time.sleep(left + 0.2)


WINDOW_SECONDS = 15 * 60
