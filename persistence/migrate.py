"""Apply Alembic migrations programmatically (`tenantry migrate`, and `serve` on SQLite)."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import Engine

from persistence.database import WRITE, make_engine
from persistence.tables import Base

SCRIPTS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine, scripts: Path = SCRIPTS) -> Config:
    config = Config()
    config.set_main_option("script_location", str(scripts))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head", *, scripts: Path = SCRIPTS) -> None:
    """Bring the schema to `revision`; safe to run again, and from several processes on PostgreSQL."""
    _run(engine, command.upgrade, revision, scripts)


def downgrade(engine: Engine, revision: str, *, scripts: Path = SCRIPTS) -> None:
    """Take the schema back to `revision` (development and tests; production only moves forward)."""
    _run(engine, command.downgrade, revision, scripts)


def _run(engine: Engine, step: Callable[[Config, str], None], revision: str, scripts: Path) -> None:
    config = alembic_config(engine, scripts)
    with engine.connect().execution_options(**{WRITE: True}) as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one; with foreign keys on, that
            # drop would cascade to every child row. The pragma only works outside a transaction.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]  # a live sqlite3 connection
        else:
            # One migrator at a time when several processes start together.
            connection.exec_driver_sql("SELECT pg_advisory_lock(727270)")
            connection.commit()
        config.attributes["connection"] = connection
        try:
            step(config, revision)
            connection.commit()
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]  # as above
            else:
                connection.exec_driver_sql("SELECT pg_advisory_unlock(727270)")
                connection.commit()


def pending_changes(engine: Engine) -> list[Any]:
    """What autogenerate would write: the differences between tables.py and the database at `engine`
    (empty when a database upgraded to head matches the tables)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def revision(engine: Engine, message: str, rev_id: str | None = None, scripts: Path = SCRIPTS) -> Path:
    """Write a new migration from the difference between tables.py and the database; its path."""
    config = alembic_config(engine, scripts)
    with engine.connect().execution_options(**{WRITE: True}) as connection:
        config.attributes["connection"] = connection
        script = command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
    assert isinstance(script, Script)  # one revision, not a list: there is a single branch
    return Path(script.path)


def new_migration(message: str, scripts: Path = SCRIPTS) -> Path | None:
    """`make migration NAME=...`: the next numbered migration (0008_..., after 0007) from the table
    changes since the last migration, or None when tables.py and the migrations agree. The base of
    the comparison is a scratch SQLite database upgraded to head."""
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'head.db'}")
        try:
            upgrade(engine, scripts=scripts)
            if not pending_changes(engine):
                return None
            head = ScriptDirectory.from_config(alembic_config(engine, scripts)).get_current_head()
            return revision(engine, message, rev_id=f"{int(head or 0) + 1:04d}", scripts=scripts)
        finally:
            engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """`python -m persistence.migrate "what changed"`: print the new migration's path."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].strip():
        print('usage: make migration NAME="what changed"', file=sys.stderr)
        return 2
    path = new_migration(args[0].strip())
    if path is None:
        print("tables.py and the migrations agree: no migration written", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
