"""The cost of one 100-event audit-log page with 1k and with 1M events in the table (SQLite).

Standalone: `python bench/audit_page.py [--max 1000000]`. Events are inserted in bulk by SQLite
itself (a recursive CTE), spread over 2 accounts, into two database files (1k and 1M events),
each checkpointed into its file. Then the first and a later page of one account's log
(Account.auditLog) and of the whole log (Query.auditLog) are read through the domain service,
counting statements, and timed in interleaved rounds: per round and page, 25 reads on one file,
then 25 on the other, which goes first alternating. Neither may grow with the table.
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
from dataclasses import dataclass, field
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

# Two accounts, so that in the 1k table too the measured account's every page is full: 500 events,
# so a full second page, and 166 'contact.' events (actions take turns by threes), so a full
# filtered page. The pages compared at 1k and 1M then hold 100 events each.
ACCOUNTS = 2
MEASURED = uuid.UUID(int=1)  # one of the accounts the events are spread over
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


def count_statements(engine: Engine, read: Callable[[], Any]) -> int:
    """Statements of one read (BEGIN/COMMIT excluded), after one unmeasured read that warms caches
    as a running server's would be."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.split()[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            statements.append(statement)

    read()
    event.listen(engine, "before_cursor_execute", record)
    read()
    event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def timed(read: Callable[[], Any], runs: int) -> float:
    """The median time of `runs` reads, in ms."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        read()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


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


@dataclass
class Pages:
    """Every page read on both tables: the rows of the report's table (median over rounds), and per
    round the median over pages of how much slower the large table's page was (0.1: 10% slower)."""

    rows: list[Row] = field(default_factory=list)
    growth: list[float] = field(default_factory=list)


def _deps(engine: Engine, hasher: BcryptHasher) -> Deps:
    keyring = Keyring("b" * 32)

    def now() -> datetime:
        return datetime.now(UTC)

    return Deps(SqlUnitOfWorkFactory(engine, keyring, now), hasher, keyring, now)


def run(largest: int = 1_000_000, rounds: int = 5, runs: int = 25) -> Pages:
    """Each page read on a table of 1k and one of `largest` events, two database files side by side:
    in each round every page is read `runs` times on one table and then on the other (which goes
    first alternates), so drift on a busy machine falls on both sizes alike."""
    sizes = (1_000, largest)
    with tempfile.TemporaryDirectory() as folder:
        hasher = BcryptHasher(rounds=4)
        engines = [make_engine(f"sqlite:///{Path(folder) / f'audit-{size}.db'}") for size in sizes]
        try:
            for engine, size in zip(engines, sizes, strict=True):
                upgrade(engine)
                fill(engine, 1, size)
                with engine.connect() as conn:  # the events into the database file, as a server's checkpoints do
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = [reads(_deps(engine, hasher)) for engine in engines]
            statements = [
                {name: count_statements(engine, read) for name, read in on.items()}
                for engine, on in zip(engines, pages, strict=True)
            ]
            times: dict[tuple[int, str], list[float]] = {}
            result = Pages()
            for n in range(rounds):
                growth = []
                for name in pages[0]:
                    order = (0, 1) if n % 2 == 0 else (1, 0)
                    ms = {i: timed(pages[i][name], runs) for i in order}
                    for i in order:
                        times.setdefault((i, name), []).append(ms[i])
                    growth.append(ms[1] / ms[0] - 1)
                result.growth.append(statistics.median(growth))
            for i, size in enumerate(sizes):
                for name in pages[i]:
                    result.rows.append((f"{size:,}", name, statements[i][name], statistics.median(times[(i, name)])))
            return result
        finally:
            for engine in engines:
                engine.dispose()
            hasher.close()


def table(rows: list[Row]) -> list[str]:
    out = ["| events in table | page of 100 | statements | median ms |", "| ---: | --- | ---: | ---: |"]
    out += [f"| {size} | {name} | {statements} | {ms:.2f} |" for size, name, statements, ms in rows]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max", type=int, default=1_000_000, help="events in the table for the last row")
    args = parser.parse_args()
    pages = run(args.max)
    print("\n".join(table(pages.rows)))
    print("growth per round: " + ", ".join(f"{g:+.1%}" for g in pages.growth))
    return 0


if __name__ == "__main__":
    sys.exit(main())
