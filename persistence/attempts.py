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


def _adding(stmt: Any) -> Any:
    """An insert of counters that adds to the ones already there (the upsert both hits share)."""
    return stmt.on_conflict_do_update(
        index_elements=["scope", "key", "window_start"], set_={"count": attempts_t.c.count + stmt.excluded.count}
    )


def _hit_statement(conn: Connection) -> Any:
    found = _HIT.get(conn.dialect.name)
    if found is None:
        values = {"scope": "p_scope", "key": "p_key", "window_start": "p_start", "count": "p_by"}
        stmt = dialect_insert(conn, attempts_t).values({c: bindparam(p) for c, p in values.items()})
        found = _HIT[conn.dialect.name] = _adding(stmt).returning(attempts_t.c.count)
    return found


class SqlAttemptCounters(Repository):
    def hit(self, scope: str, key: str, window_start: datetime, by: int = 1) -> int:
        params = {"p_scope": scope, "p_key": key, "p_start": window_start, "p_by": by}
        return int(self.conn.execute(_hit_statement(self.conn), params).scalar_one())

    def hit_many(self, counts: list[tuple[str, str, datetime, int]]) -> dict[tuple[str, str, datetime], int]:
        """`hit` for many counters in one statement per 500 (the flush of a busy process)."""
        totals: dict[tuple[str, str, datetime], int] = {}
        for start in range(0, len(counts), 500):
            rows = [
                {"scope": s, "key": k, "window_start": w, "count": by} for s, k, w, by in counts[start : start + 500]
            ]
            stmt = _adding(dialect_insert(self.conn, attempts_t).values(rows)).returning(
                attempts_t.c.scope, attempts_t.c.key, attempts_t.c.window_start, attempts_t.c.count
            )
            for scope, key, window_start, count in self.conn.execute(stmt):
                totals[(scope, key, window_start)] = int(count)
        return totals

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
