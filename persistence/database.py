"""Engines for SQLite and PostgreSQL, set up for many concurrent requests and processes."""

from __future__ import annotations

import contextlib
import os
import threading
import time
import weakref
from collections import deque
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

WRITE = "tenantry_write"
# A pooled PostgreSQL connection idle longer than this is pinged before use (pgbouncer's
# server_check_delay, shorter): one that was just used needs no round trip to prove it is alive.
PING_AFTER_IDLE = 2.0


def make_engine(url: str, *, pool_size: int = 20) -> Engine:
    """An engine for `url`. SQLite gets WAL, foreign keys, a busy timeout and IMMEDIATE writes."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database)
    engine = create_engine(_psycopg(parsed), pool_size=pool_size, max_overflow=pool_size)
    _ping_when_idle(engine)
    return engine


def read_engine(url: str, *, pool_size: int = 10) -> Engine | None:
    """PostgreSQL: an engine for read-only units of work in worker threads (None for SQLite).

    Its connections run in autocommit and refuse writes (default_transaction_read_only). At READ
    COMMITTED every statement sees its own snapshot inside a transaction or not, so a read's BEGIN
    and ROLLBACK would be two more round trips that buy nothing."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return None
    engine = create_engine(_read_only(parsed), **_READS, pool_size=pool_size, max_overflow=pool_size)
    _ping_when_idle(engine)
    return engine


def loop_read_engine(url: str, *, pool_size: int = 10) -> AsyncEngine | None:
    """PostgreSQL: read_engine's twin for reads on the event loop, through psycopg's asynchronous
    connection (persistence.uow.AwaitedReads). None for SQLite, whose loop reads need no waiting.
    (asyncpg cost about 10% less CPU per request, but its connections belong to the event loop that
    opened them: a second loop in the process, as a second test client makes, could not use them.)"""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return None
    engine = create_async_engine(_read_only(parsed), **_READS, pool_size=pool_size, max_overflow=pool_size)
    _ping_when_idle(engine.sync_engine)
    return engine


# The read engines' connections: autocommit, so a connection back in the pool has no transaction to
# roll back (the pool's reset on return would be one more call into the driver per checkout).
_READS: dict[str, Any] = {"isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None}


def _read_only(parsed: URL) -> URL:
    """The PostgreSQL URL with default_transaction_read_only on, kept with the URL's own `options`."""
    given = parsed.query.get("options", "")
    options = " ".join(given) if isinstance(given, tuple) else given
    return _psycopg(parsed).update_query_dict({"options": f"{options} -c default_transaction_read_only=on".strip()})


def _psycopg(parsed: URL) -> URL:
    return parsed.set(drivername="postgresql+psycopg") if parsed.drivername in ("postgresql", "postgres") else parsed


def _ping_when_idle(engine: Engine) -> None:
    """pool_pre_ping, but only for a connection that sat in the pool longer than PING_AFTER_IDLE: a
    dead one is replaced (the pool tries again on DisconnectionError) before a request uses it.
    A connection that dies while in use is invalidated with the whole pool, as SQLAlchemy does."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is not None and time.monotonic() - since > PING_AFTER_IDLE:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except Exception as error:
                raise DisconnectionError("a pooled connection did not answer its ping") from error


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:" and not database.startswith("file:"):
        _create_private(Path(database))
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=20)
    _WRITERS[engine] = FifoLock()

    _on_connect(engine, "journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front and wait for it (busy_timeout) instead of
        # failing with "database is locked" when upgrading a read lock mid-transaction.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

    return engine


def _on_connect(engine: Engine, *pragmas: str) -> None:
    """Each new SQLite connection of `engine`: transaction control taken from pysqlite (so that BEGIN
    is ours to write), then `pragmas`."""

    @event.listens_for(engine, "connect")
    def _set_up(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()


def loop_reader(url: str) -> Engine | None:
    """An engine for reads on the server's event loop: one connection (StaticPool, so getting it never
    waits), read-only (query_only), and a short busy timeout, so the loop never sleeps on a lock; the
    caller retries in the thread pool when it fails. Only for a SQLite file, whose WAL readers never
    wait for writers; None for anything else (PostgreSQL's reads are network round trips)."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 0.05}, poolclass=StaticPool)

    _on_connect(engine, "query_only=ON", "busy_timeout=50")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if not conn.connection.dbapi_connection.in_transaction:  # else a unit of work began it (uow._open)
            begin_on_driver(conn)

    return engine


def begin_on_driver(conn: Connection) -> None:
    """BEGIN on the connection's driver connection, announced like any statement (the counters)."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        if conn._has_events or conn.engine._has_events:
            for listener in conn.dispatch.before_cursor_execute:
                listener(conn, cursor, "BEGIN", (), None, False)
        cursor.execute("BEGIN")
    finally:
        cursor.close()


def begin_read(conn: Connection) -> None:
    """A read transaction begun on the driver, without SQLAlchemy's transaction objects: the engine's
    "begin" listeners run as for any transaction (loop_reader's writes the BEGIN; the tests' and the
    bench's counters count it), and the BEGIN is written here when none of them did."""
    if conn._has_events or conn.engine._has_events:
        conn.dispatch.begin(conn)
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    if not dbapi.in_transaction:
        begin_on_driver(conn)


def rollback_on_driver(conn: Connection) -> None:
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    dbapi.rollback()


class FifoLock:
    """A lock granted in the order it was asked for. SQLite's own wait for its write lock (the busy
    handler) sleeps and retries, so under load a writer can lose to later ones again and again; the
    process's writers queue here first, and each takes SQLite's lock when its turn comes.
    threading.Lock makes no such promise."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._queue: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self, timeout: float = -1) -> bool:
        with self._guard:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._queue.append(turn)
        if turn.acquire(timeout=timeout):
            return True  # release() handed the lock over: it stayed held
        with self._guard:
            if turn in self._queue:
                self._queue.remove(turn)
                return False
        return True  # handed over just as the wait timed out

    def release(self) -> None:
        with self._guard:
            if self._queue:
                self._queue.popleft().release()
            else:
                self._held = False


def writer_queue(engine: Engine) -> FifoLock | None:
    """The in-process queue a SQLite write transaction waits in before BEGIN IMMEDIATE; None on
    PostgreSQL, whose writers wait for row locks only, and never for each other."""
    return _WRITERS.get(engine)


_WRITERS: weakref.WeakKeyDictionary[Engine, FifoLock] = weakref.WeakKeyDictionary()


def _create_private(path: Path) -> None:
    """The database file (and its folders) private to this user before SQLite opens it: SQLite
    gives the -wal and -shm files the database file's permissions."""
    missing = []
    folder = path.parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def dialect_insert(conn: Connection, table: Table) -> Any:
    """An INSERT that knows ON CONFLICT (and RETURNING) on the connection's database."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)
