"""PostgreSQL's pooled connections: pinged only after sitting idle, replaced when dead; the read
engines' connections refuse writes and keep the URL's own options."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from persistence import database
from persistence.database import loop_read_engine, make_engine, read_engine


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(url: str, pid: int) -> None:
    """Ends the backend and waits until PostgreSQL no longer lists it (a fixed sleep could be too short)."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    alive = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
    try:
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
            deadline = time.monotonic() + 10
            while conn.execute(alive, {"pid": pid}).scalar_one() and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        admin.dispose()


@pytest.mark.parametrize("make", [make_engine, read_engine], ids=["writes", "reads"])
def test_a_connection_that_died_while_idle_is_replaced_before_use(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, make: object
) -> None:
    engine = make(postgres_url, pool_size=1)  # type: ignore[operator]
    assert isinstance(engine, Engine)
    try:
        first = _backend_pid(engine)
        assert _backend_pid(engine) == first  # the same pooled connection, no ping needed
        _terminate(postgres_url, first)
        monkeypatch.setattr(database, "PING_AFTER_IDLE", 0.0)  # it has been idle long enough now
        assert _backend_pid(engine) != first  # pinged, found dead, replaced: the request never saw it
    finally:
        engine.dispose()


def test_a_connection_used_just_now_is_not_pinged(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(postgres_url, pool_size=1)
    pings: list[object] = []
    monkeypatch.setattr(engine.dialect, "do_ping", lambda dbapi: pings.append(dbapi) or True)
    try:
        for _ in range(3):
            _backend_pid(engine)
        assert pings == []
        monkeypatch.setattr(database, "PING_AFTER_IDLE", 0.0)
        _backend_pid(engine)
        assert len(pings) == 1
    finally:
        engine.dispose()


def test_the_read_engines_refuse_writes_and_keep_the_urls_options(postgres_url: str) -> None:
    engine = read_engine(postgres_url)
    assert engine is not None
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW default_transaction_read_only")).scalar_one() == "on"
            assert conn.execute(text("SHOW search_path")).scalar_one().startswith("t_")  # the fixture's schema
            with pytest.raises(DBAPIError, match="read-only transaction"):
                conn.execute(text("DELETE FROM sessions"))
    finally:
        engine.dispose()

    async def awaited() -> tuple[str, str]:
        loop_engine = loop_read_engine(postgres_url)
        assert loop_engine is not None
        try:
            async with loop_engine.connect() as conn:
                read_only = (await conn.execute(text("SHOW default_transaction_read_only"))).scalar_one()
                path = (await conn.execute(text("SHOW search_path"))).scalar_one()
                return str(read_only), str(path)
        finally:
            await loop_engine.dispose()

    read_only, path = asyncio.run(awaited())
    assert read_only == "on" and path.startswith("t_")


def test_sqlite_has_no_read_engines(sqlite_url: str) -> None:
    assert read_engine(sqlite_url) is None and loop_read_engine(sqlite_url) is None
