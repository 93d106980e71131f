"""The migrations build exactly the tables in persistence/tables.py, and `make migration` writes the
next one from a change to the tables."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from persistence.database import make_engine
from persistence.migrate import SCRIPTS, new_migration, pending_changes


def test_tables_and_migrations_agree(database_url: str) -> None:
    engine = make_engine(database_url)  # upgraded to head by the session fixture
    try:
        assert pending_changes(engine) == []
    finally:
        engine.dispose()


def test_new_migration_writes_the_next_numbered_revision_from_the_table_changes(tmp_path: Path) -> None:
    scripts = tmp_path / "migrations"
    shutil.copytree(SCRIPTS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    # Without the last migration (a schema change, as every one so far), the tables are ahead of the
    # migrations by exactly that change.
    last = max((scripts / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    previous = re.search(r'^down_revision: str \| None = "(\d{4})"', last.read_text(), re.MULTILINE)
    assert previous, last
    last.unlink()
    # The next number after the head that is left (a branch may number its migration past others'
    # still unmerged ones, until they are chained in).
    number = f"{int(previous.group(1)) + 1:04d}"

    written = new_migration("the change again", scripts)

    assert written == scripts / "versions" / f"{number}_the_change_again.py"
    text = written.read_text()
    assert f"revision: str = '{number}'" in text
    assert f"down_revision: str | None = '{previous.group(1)}'" in text
    assert "op." in text.split("def upgrade()")[1].split("def downgrade()")[0]
    assert new_migration("nothing more", scripts) is None
