"""Apply Alembic migrations programmatically (`tenantry migrate`, and `serve` on SQLite)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from persistence.database import WRITE

SCRIPTS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe to run again, and from several processes on PostgreSQL."""
    config = alembic_config(engine)
    with engine.connect().execution_options(**{WRITE: True}) as connection:
        if connection.dialect.name == "postgresql":
            # One migrator at a time when several processes start together.
            connection.exec_driver_sql("SELECT pg_advisory_lock(727270)")
            connection.commit()
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, revision)
            connection.commit()
        finally:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SELECT pg_advisory_unlock(727270)")
                connection.commit()


def revision(engine: Engine, message: str) -> None:
    """Write a new migration from the difference between tables.py and the database (developers)."""
    config = alembic_config(engine)
    with engine.connect().execution_options(**{WRITE: True}) as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
