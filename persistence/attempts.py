"""Attempt counters: one row per (scope, key, window), counted with one upsert."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, update

from persistence.database import dialect_insert
from persistence.rows import Repository
from persistence.tables import attempts_t

# The upsert every sign-in and code attempt runs, built once per dialect (its INSERT differs).
_HIT: dict[str, Any] = {}
# The same upsert for many counters (a flush), answering which counter each total is: executed
# with a list of parameters, SQLAlchemy renders its VALUES rows from the one compiled statement.
_HIT_MANY: dict[str, Any] = {}
_ROW = {"scope": "p_scope", "key": "p_key", "window_start": "p_start", "count": "p_by"}


def _adding(stmt: Any) -> Any:
    """An insert of counters that adds to the ones already there (the upsert both hits share)."""
    return stmt.on_conflict_do_update(
        index_elements=["scope", "key", "window_start"], set_={"count": attempts_t.c.count + stmt.excluded.count}
    )


def _upsert(conn: Connection) -> Any:
    return _adding(dialect_insert(conn, attempts_t).values({c: bindparam(p) for c, p in _ROW.items()}))


def _hit_statement(conn: Connection) -> Any:
    found = _HIT.get(conn.dialect.name)
    if found is None:
        found = _HIT[conn.dialect.name] = _upsert(conn).returning(attempts_t.c.count)
    return found


def _hit_many_statement(conn: Connection) -> Any:
    found = _HIT_MANY.get(conn.dialect.name)
    if found is None:
        columns = (attempts_t.c.scope, attempts_t.c.key, attempts_t.c.window_start, attempts_t.c.count)
        found = _HIT_MANY[conn.dialect.name] = _upsert(conn).returning(*columns)
    return found


class SqlAttemptCounters(Repository):
    def hit(self, scope: str, key: str, window_start: datetime, by: int = 1) -> int:
        params = {"p_scope": scope, "p_key": key, "p_start": window_start, "p_by": by}
        return int(self.conn.execute(_hit_statement(self.conn), params).scalar_one())

    def hit_many(self, counts: list[tuple[str, str, datetime, int]]) -> dict[tuple[str, str, datetime], int]:
        """`hit` for many counters (the flush of a busy process): one statement compiled once, its
        rows sent in batches (one round trip for a flood's keys), so a flush holds the GIL briefly
        (compiling a statement of as many rows as counters took 3-10 ms every flush)."""
        if not counts:
            return {}
        params = [{"p_scope": s, "p_key": k, "p_start": w, "p_by": by} for s, k, w, by in counts]
        found = self.conn.execute(_hit_many_statement(self.conn), params)
        return {(scope, key, window_start): int(count) for scope, key, window_start, count in found}

    def refund(self, scope: str, key: str, window_start: datetime) -> None:
        self.conn.execute(
            update(attempts_t)
            .where(self._pk(scope, key, window_start), attempts_t.c.count > 0)
            .values(count=attempts_t.c.count - 1)
        )

    def count(self, scope: str, key: str, window_start: datetime) -> int:
        found = self.conn.execute(select(attempts_t.c.count).where(self._pk(scope, key, window_start))).scalar()
        return int(found or 0)

    @staticmethod
    def _pk(scope: str, key: str, window_start: datetime) -> Any:
        return and_(attempts_t.c.scope == scope, attempts_t.c.key == key, attempts_t.c.window_start == window_start)
