"""Hot reads run on the driver's cursor: a select compiled once per dialect, its rows converted by
the same type processors SQLAlchemy uses, without SQLAlchemy's per-execution machinery.

Every signed-in request runs the caller's look-up (and what it reads along). SQLAlchemy's Core
spends more on each of those executions (an execution context, the compiled cache's key, the
result's metadata) than SQLite spends answering them. A `Prepared` statement keeps SQLAlchemy's
part that matters (the SQL it compiles for the connection's dialect, the bind and result
processors of the columns' types) and does the rest directly: one cursor, a tuple per row.

It runs on the connection's own DBAPI connection, inside the unit of work's transaction, and
announces each statement to `before_cursor_execute` listeners like any other (the statement
counters of the tests and the bench see it). Only for selects with plain bound parameters (no
expanding IN).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the bound parameters, in the order a positional paramstyle wants them
    positional: bool
    binds: dict[str, Callable[[Any], Any]]
    defaults: dict[str, Any]  # values bound in the statement itself (`id == 1`)
    columns: tuple[str, ...]
    converted: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column index, its result processor)


class Prepared:
    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[int, tuple[Dialect, _Compiled]] = {}

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every row, each value converted as SQLAlchemy would convert it."""
        compiled = self._for(conn.dialect)
        binds = compiled.binds
        given = {**compiled.defaults, **params} if compiled.defaults else params
        values = {k: (binds[k](v) if k in binds else v) for k, v in given.items()}
        parameters: Sequence[Any] | dict[str, Any] = (
            tuple(values[n] for n in compiled.names) if compiled.positional else values
        )
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        cursor = dbapi.cursor()
        try:
            if conn._has_events or conn.engine._has_events:  # the statement counters
                for listener in conn.dispatch.before_cursor_execute:
                    listener(conn, cursor, compiled.sql, parameters, None, False)
            cursor.execute(compiled.sql, parameters)
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        converted = compiled.converted
        if not converted:
            return [tuple(row) for row in fetched]
        rows = []
        for fetched_row in fetched:
            row = list(fetched_row)
            for i, convert in converted:
                if (value := row[i]) is not None:
                    row[i] = convert(value)
            rows.append(tuple(row))
        return rows

    def mappings(self, conn: Connection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every row as a dict of column values by name."""
        columns = self._for(conn.dialect).columns
        return [dict(zip(columns, row, strict=True)) for row in self.rows(conn, params)]

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(id(dialect))
        if found is not None and found[0] is dialect:
            return found[1]
        compiled = self.statement.compile(dialect=dialect)
        entries = compiled._result_columns
        made = _Compiled(
            sql=compiled.string,
            names=tuple(compiled.positiontup or ()),
            positional=bool(compiled.positional),
            binds={k: v for k, v in compiled._bind_processors.items() if callable(v)},
            defaults={k: v for k, v in compiled.params.items() if v is not None},
            columns=tuple(e.keyname for e in entries),
            converted=tuple(
                (i, p)
                for i, e in enumerate(entries)
                if (p := e.type._cached_result_processor(dialect, None)) is not None
            ),
        )
        self._compiled[id(dialect)] = (dialect, made)
        return made
