"""Hot reads on the driver's cursor (persistence.prepared): rows converted as SQLAlchemy converts them,
and `built` objects remembered by the row's values, so an unchanged row is not converted again and a
changed one always is."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, Column, MetaData, String, Table, Uuid, bindparam, create_engine, insert, select, update

from persistence.prepared import Listed, Prepared
from persistence.tables import UTCDateTime

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner", String(20)),
    Column("name", String(20)),
    Column("flag", Boolean),
    Column("at", UTCDateTime),
)
made: list[dict[str, Any]] = []


def build(row: dict[str, Any]) -> tuple[Any, ...]:
    made.append(row)
    return (row["id"], row["name"], row["flag"], row["at"])


BY_OWNER = Prepared(select(things).where(things.c.owner == bindparam("owner")).order_by(things.c.name), build=build)
LISTED = Listed(select(things).where(things.c.owner == bindparam("owner")).order_by(things.c.name), build, 8)


def test_built_rows_are_converted_once_and_again_when_they_change() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    first, second = uuid.uuid4(), uuid.uuid4()
    at = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(things),
            [
                {"id": first, "owner": "a", "name": "one", "flag": True, "at": at},
                {"id": second, "owner": "a", "name": "two", "flag": False, "at": None},
            ],
        )
        made.clear()
        read = BY_OWNER.built(conn, {"owner": "a"})
        assert read == [(first, "one", True, at), (second, "two", False, None)]
        assert isinstance(read[0][0], uuid.UUID) and read[0][3].tzinfo is UTC  # as SQLAlchemy converts them
        again = BY_OWNER.built(conn, {"owner": "a"})
        assert [a is b for a, b in zip(read, again, strict=True)] == [True, True] and len(made) == 2
        conn.execute(update(things).where(things.c.id == second).values(flag=True))
        changed = BY_OWNER.built(conn, {"owner": "a"})
        assert changed[0] is read[0] and changed[1] == (second, "two", True, None) and len(made) == 3
        assert BY_OWNER.mappings(conn, {"owner": "a"})[1]["flag"] is True
        assert BY_OWNER.built(conn, {"owner": "nobody"}) == []


def test_a_listed_select_reads_as_one_value_in_order_and_builds_again_only_when_it_changes() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    at = datetime(2026, 11, 29, 12, 0, 0, 123456, tzinfo=UTC)
    rows = [
        {"id": uuid.uuid4(), "owner": "a", "name": name, "flag": n % 2 == 0, "at": at if n else None}
        for n, name in enumerate(["d", "b", 'Ö "x"', "a", "c"])
    ]
    with engine.begin() as conn:
        conn.execute(insert(things), rows)
        made.clear()
        listed = LISTED.built(conn, {"owner": "a"})
        assert listed == BY_OWNER.built(conn, {"owner": "a"})  # the same values, converted the same way
        assert [r[1] for r in listed] == ["a", "b", "c", "d", 'Ö "x"'] and len(made) == 10
        assert LISTED.built(conn, {"owner": "a"}) == listed and len(made) == 10  # one look-up, nothing built
        conn.execute(update(things).where(things.c.name == "b").values(flag=True))
        assert LISTED.built(conn, {"owner": "a"})[1][2] is True and len(made) == 15
        assert LISTED.built(conn, {"owner": "nobody"}) == []


def test_the_callers_statement_on_postgresql_stays_within_psycopgs_cache_limit() -> None:
    # psycopg converts a statement's text once and remembers it only up to 4 KB (MAX_CACHED_STATEMENT_LENGTH):
    # past it, every request would parse the SQL of the look-up again (about 75 us each).
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH
    from sqlalchemy.dialects.postgresql import psycopg as pg

    from persistence.sessions import _TOGETHER

    for prepared in _TOGETHER.values():
        sql = str(prepared.statement.compile(dialect=pg.dialect()))
        assert len(sql.encode()) <= MAX_CACHED_STATEMENT_LENGTH, len(sql)
