"""The cost of one 100-event audit-log page with 1k and with 1M events in the table (SQLite).

Standalone: `python bench/audit_page.py [--max 1000000]`. Events are inserted in bulk by SQLite
itself (a recursive CTE), spread over 10 accounts; then the first and a later page of one
account's log (Account.auditLog) and of the whole log (Query.auditLog) are read through the
domain service, counting statements and timing the median of several reads. Neither may grow
with the table.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event, text

from domain.audit import AuditFilter
from domain.deps import Deps
from domain.entities import Actor, UserRole
from domain.security import BcryptHasher, Keyring
from domain.services import audit
from persistence.database import make_engine
from persistence.migrate import upgrade
from persistence.uow import SqlUnitOfWorkFactory

ACCOUNTS = 10  # so even the 1k table holds a full page for one account
MEASURED = uuid.UUID(int=7)  # one of the accounts the events are spread over
FILL = """
WITH RECURSIVE n(i) AS (SELECT :start UNION ALL SELECT i + 1 FROM n WHERE i < :stop)
INSERT INTO audit_events (id, at, actor_user_id, action, target_type, target_id, fields, ip_address,
                          account_id, user_id, actor_email, via, user_agent, reason)
SELECT printf('%032x', i + 1000000000), strftime('%Y-%m-%d %H:%M:%S', 1700000000 + i, 'unixepoch') || '.000000',
       NULL, CASE i % 3 WHEN 0 THEN 'contact.add' WHEN 1 THEN 'session.create' ELSE 'profile.update' END,
       'User', printf('%032x', i), '["email"]', '192.0.2.1', printf('%032x', i % :accounts), NULL,
       'someone@example.com', 'SESSION', 'bench', NULL
FROM n
"""


def fill(engine: Engine, start: int, stop: int) -> None:
    """Events start..stop, one second apart, in chunks SQLite writes in one go each."""
    with engine.begin() as conn:
        for low in range(start, stop + 1, 200_000):
            high = min(stop, low + 199_999)
            conn.execute(text(FILL), {"start": low, "stop": high, "accounts": ACCOUNTS})


def measure(engine: Engine, read: Callable[[], Any], runs: int = 7) -> tuple[int, float]:
    """Statements of one read (BEGIN/COMMIT excluded) and the median time of `runs` reads, in ms."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.split()[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            statements.append(statement)

    read()  # warm caches, as a running server's would be
    event.listen(engine, "before_cursor_execute", record)
    read()
    event.remove(engine, "before_cursor_execute", record)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        read()
        times.append((time.perf_counter() - began) * 1000)
    return len(statements), statistics.median(times)


def reads(deps: Deps) -> dict[str, Callable[[], Any]]:
    admin = Actor(uuid.uuid4(), uuid.uuid4(), UserRole.CLOUD_ADMIN)
    none = AuditFilter()

    def later(page: Callable[[str | None], audit.AuditPage]) -> Callable[[], Any]:
        cursor = page(None).end_cursor
        assert cursor is not None
        return lambda: page(cursor.encode())

    def account(after: str | None) -> audit.AuditPage:
        return audit.account_log(deps, admin, MEASURED, 100, after, none)

    def everything(after: str | None) -> audit.AuditPage:
        return audit.provider_log(deps, admin, 100, after, none)

    def contacts(after: str | None) -> audit.AuditPage:
        return audit.account_log(deps, admin, MEASURED, 100, after, AuditFilter(actions=("contact.",)))

    return {
        "account, first page": lambda: account(None),
        "account, second page": later(account),
        "account, actions 'contact.'": lambda: contacts(None),
        "whole log, first page": lambda: everything(None),
        "whole log, second page": later(everything),
    }


Row = tuple[str, str, int, float]  # events in the table, page, statements, median ms


def run(largest: int = 1_000_000) -> list[Row]:
    """Each page read on a table of 1k and of `largest` events."""
    sizes = [n for n in (1_000, largest) if n <= largest]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'audit.db'}")
        upgrade(engine)
        hasher = BcryptHasher(rounds=4)
        deps = Deps(
            SqlUnitOfWorkFactory(engine, Keyring("b" * 32), lambda: datetime.now(UTC)),
            hasher,
            Keyring("b" * 32),
            lambda: datetime.now(UTC),
        )
        have = 0
        for size in sizes:
            fill(engine, have + 1, size)
            have = size
            for name, read in reads(deps).items():
                statements, ms = measure(engine, read)
                rows.append((f"{size:,}", name, statements, ms))
        hasher.close()
        engine.dispose()
    return rows


def table(rows: list[Row]) -> list[str]:
    out = ["| events in table | page of 100 | statements | median ms |", "| ---: | --- | ---: | ---: |"]
    out += [f"| {size} | {name} | {statements} | {ms:.2f} |" for size, name, statements, ms in rows]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max", type=int, default=1_000_000, help="events in the table for the last row")
    args = parser.parse_args()
    print("\n".join(table(run(args.max))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
