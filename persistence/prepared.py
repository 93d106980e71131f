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
from functools import lru_cache
from json import loads
from typing import Any

from sqlalchemy import CompoundSelect, Connection, Select, func, select
from sqlalchemy.engine import Dialect

MEMO_SIZE = 16384  # rows remembered per statement and dialect (a few MB at most)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the bound parameters, in the order a positional paramstyle wants them
    positional: bool
    binds: dict[str, Callable[[Any], Any]]
    defaults: dict[str, Any]  # values bound in the statement itself (`id == 1`)
    columns: tuple[str, ...]
    converted: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column index, its result processor)
    # For `built`: a fetched row (as the driver returned it) -> what `build` made of it, remembered.
    memo: Callable[[tuple[Any, ...]], Any] | None


class Prepared:
    def __init__(
        self,
        statement: Select[Any] | CompoundSelect[Any],
        build: Callable[[dict[str, Any]], Any] | None = None,
        memo_size: int = MEMO_SIZE,
    ) -> None:
        self.statement = statement
        self.build = build
        self.memo_size = memo_size
        self._compiled: dict[int, tuple[Dialect, _Compiled]] = {}

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every row, each value converted as SQLAlchemy would convert it."""
        compiled = self._for(conn.dialect)
        fetched = self._fetch(conn, compiled, params)
        converted = compiled.converted
        if not converted:
            return [tuple(row) for row in fetched]
        return [_convert(row, converted) for row in fetched]

    def mappings(self, conn: Connection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every row as a dict of column values by name."""
        columns = self._for(conn.dialect).columns
        return [dict(zip(columns, row, strict=True)) for row in self.rows(conn, params)]

    def built(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        """Every row made into what `build` (given to the constructor) makes of its dict, remembered by
        the row's values as the driver returned them: a row read again unchanged costs one look-up
        instead of its conversions and its object. `build` must depend on the row alone (and its
        result must not be changed by whoever gets it), since one result serves every read of the row."""
        compiled = self._for(conn.dialect)
        memo = compiled.memo
        assert memo is not None, "Prepared(..., build=...) was not given a build function"
        return [memo(tuple(row)) for row in self._fetch(conn, compiled, params)]

    def _fetch(self, conn: Connection, compiled: _Compiled, params: Mapping[str, Any]) -> Sequence[Any]:
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
        return fetched

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(id(dialect))
        if found is not None and found[0] is dialect:
            return found[1]
        compiled = self.statement.compile(dialect=dialect)
        entries = compiled._result_columns
        columns = tuple(e.keyname for e in entries)
        converted = tuple(
            (i, p) for i, e in enumerate(entries) if (p := e.type._cached_result_processor(dialect, None)) is not None
        )
        made = _Compiled(
            sql=compiled.string,
            names=tuple(compiled.positiontup or ()),
            positional=bool(compiled.positional),
            binds={k: v for k, v in compiled._bind_processors.items() if callable(v)},
            defaults={k: v for k, v in compiled.params.items() if v is not None},
            columns=columns,
            converted=converted,
            memo=self._memo(columns, converted),
        )
        self._compiled[id(dialect)] = (dialect, made)
        return made

    def _memo(self, columns: tuple[str, ...], converted: tuple[tuple[int, Callable[[Any], Any]], ...]) -> Any:
        build = self.build
        if build is None:
            return None

        @lru_cache(maxsize=self.memo_size)
        def made(row: tuple[Any, ...]) -> Any:
            return build(dict(zip(columns, _convert(row, converted), strict=True)))

        return made


def _convert(fetched: Any, converted: tuple[tuple[int, Callable[[Any], Any]], ...]) -> tuple[Any, ...]:
    row = list(fetched)
    for i, convert in converted:
        if (value := row[i]) is not None:
            row[i] = convert(value)
    return tuple(row)


class Listed:
    """SQLite: every row of a select as one value, a JSON array of the rows that SQLite builds itself,
    and what `build` makes of each row remembered by that text. An unchanged list (the usual read)
    then costs the driver one string and the memo one look-up, where rows cost a tuple, a key and a
    look-up each.

    The rows keep the select's order: SQLite does not flatten a subquery with ORDER BY into an
    aggregate (the query flattener's rule 16), which is what keeps `group_concat` ordered.
    `build` must depend on the row alone; its results are shared by every read of the same list."""

    def __init__(self, statement: Select[Any], build: Callable[[dict[str, Any]], Any], memo_size: int) -> None:
        inner = statement.subquery()
        self._rows = Prepared(statement)
        self._listed = Prepared(select(func.json_group_array(func.json_array(*inner.c))).select_from(inner))
        self.build = build
        self._memo: dict[int, tuple[Dialect, Callable[[str], tuple[Any, ...]]]] = {}
        self.memo_size = memo_size

    def built(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        dialect = conn.dialect
        found = self._memo.get(id(dialect))
        if found is None or found[0] is not dialect:
            found = dialect, self._made(self._rows._for(dialect))
            self._memo[id(dialect)] = found
        ((text,),) = self._listed._fetch(conn, self._listed._for(dialect), params)
        return list(found[1](text))

    def _made(self, compiled: _Compiled) -> Callable[[str], tuple[Any, ...]]:
        build, columns, converted = self.build, compiled.columns, compiled.converted

        @lru_cache(maxsize=self.memo_size)
        def made(text: str) -> tuple[Any, ...]:
            return tuple(build(dict(zip(columns, _convert(row, converted), strict=True))) for row in loads(text))

        return made
