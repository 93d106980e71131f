"""`make bench`: seed two databases, serve the app with uvicorn on loopback, measure, report.

Prints a Markdown report and writes it to bench/REPORT.md. Exit status 0 when every target
passes, 1 when one fails, 2 when the bench itself could not run.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/run.py`: the repository root goes first, so `server` is the product package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import contextlib
import os
import platform
import secrets
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import create_engine, make_url, text

from bench import audit_page, phases, report, worst_document
from bench.harness import BENCH, BenchError, BenchServer, log
from bench.seed import Seeded, add_filler, seed_runtime, seed_user
from server.settings import load_settings


def label(count: int) -> str:
    """1000 -> "1k" accounts, 100000 -> "100k"."""
    return f"{count // 1000}k" if count >= 1000 and count % 1000 == 0 else str(count)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short runs for development (numbers are rough)")
    parser.add_argument("--database-url", help="PostgreSQL to use instead of SQLite (two schemas are made there)")
    parser.add_argument("--small-accounts", type=int, default=1_000)
    parser.add_argument("--large-accounts", type=int, default=100_000)
    parser.add_argument("--output", type=Path, default=BENCH / "REPORT.md")
    return parser.parse_args()


@contextlib.contextmanager
def databases(tmp: Path, postgres_url: str | None, names: tuple[str, str]) -> Iterator[dict[str, str]]:
    """The URLs of the small and the large database: SQLite files, or fresh PostgreSQL schemas."""
    if not postgres_url:
        yield {name: f"sqlite:///{tmp / f'bench-{name}.db'}" for name in names}
        return
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    schemas = {name: f"bench_{name}_{uuid.uuid4().hex[:8]}" for name in names}
    with admin.connect() as conn:
        for schema in schemas.values():
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(postgres_url)
        yield {
            name: url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
            for name, schema in schemas.items()
        }
    finally:
        with admin.connect() as conn:
            for schema in schemas.values():
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def seed(url: str, var_dir: Path, secret: str, filler: int, extra_users: bool) -> dict[int | str, Seeded]:
    started = time.perf_counter()
    runtime = seed_runtime(url, var_dir, secret)
    try:
        users: dict[int | str, Seeded] = {n: seed_user(runtime, n) for n in (1, 100)}
        if extra_users:
            users[3] = seed_user(runtime, 3)
            users["owner"] = seed_user(runtime, 1)
        add_filler(runtime.engine, filler)
    finally:
        runtime.close()
    log(f"seeded {filler} filler accounts and {len(users)} users in {time.perf_counter() - started:.1f}s")
    return users


def server_env(url: str, var_dir: Path, secret: str) -> dict[str, str]:
    """The caller's environment (TENANTRY_HASH_CONCURRENCY passes through) with the bench's settings."""
    env = dict(os.environ)
    env.update(
        TENANTRY_ENV="production",
        TENANTRY_DATABASE_URL=url,
        TENANTRY_VAR_DIR=str(var_dir),
        TENANTRY_SECRET_KEY=secret,
        TENANTRY_BCRYPT_ROUNDS="12",  # the production default, which the flood is about
        TENANTRY_ACCESS_LOG="false",
        TENANTRY_LOG_LEVEL="WARNING",
        # Every request is charged as usual, but the load from a few addresses must not be refused.
        TENANTRY_RATE_LIMIT_POINTS="1000000000",
        TENANTRY_RATE_LIMIT_ANONYMOUS_POINTS="1000000000",
    )
    return env


def measure(args: argparse.Namespace, tmp: Path, urls: dict[str, str]) -> report.Results:
    plan = phases.QUICK if args.quick else phases.FULL
    secret = secrets.token_urlsafe(48)
    small, large = urls
    sizes = {small: args.small_accounts, large: args.large_accounts}
    users = {name: seed(urls[name], tmp, secret, sizes[name], name == large) for name in urls}
    env = {name: server_env(urls[name], tmp, secret) for name in urls}
    settings = load_settings(env[large])
    capacity = phases.bcrypt_capacity(settings.bcrypt_rounds, settings.hash_concurrency, plan.seconds_capacity)
    log(f"bcrypt cost {settings.bcrypt_rounds}, {settings.hash_concurrency} slot(s): {capacity:.1f} checks/s")
    servers = {name: BenchServer(name, env[name], tmp / f"server-{name}.log") for name in urls}
    try:
        for server in servers.values():
            server.start()
            phases.verify_identity(server, [users[server.name][n] for n in (1, 100)])
        phases.verify_identity(servers[large], [users[large][3]])
        log("GraphQL and raw `me` answer identical bytes; measuring")
        cost = phases.cost(servers[large], users[large][3], plan)
        scaling = phases.scaling(servers, {k: {n: users[k][n] for n in (1, 100)} for k in users}, plan)
        flood = phases.flood(servers[large], users[large][3], users[large]["owner"], capacity, plan)
        stats = {name: server.stats() for name, server in servers.items()}
        rss = servers[large].rss()
    finally:
        for server in servers.values():
            server.stop()
    caches = {
        kind: {k: sum(s[f"{kind}_cache"][k] for s in stats.values()) for k in ("hits", "misses")}
        for kind in ("parse", "validation")
    }
    log("the worst documents within the limits, in-process")
    documents = worst_document.run(5 if args.quick else 20)
    results = report.Results(meta(args, plan, settings.hash_concurrency), sizes, cost, scaling, caches, flood, rss)
    results.documents = documents
    log("security log pages on 1k and 1M events")
    results.audit_pages = audit_page.run(100_000 if args.quick else 1_000_000)
    return results


def meta(args: argparse.Namespace, plan: phases.Plan, slots: int) -> dict[str, str]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick (rough numbers)" if args.quick else "full",
        "database": "PostgreSQL" if args.database_url else "SQLite (embedded default)",
        "machine": f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}",
        "python": platform.python_version(),
        "server": f"uvicorn, 1 worker, bcrypt cost 12, {slots} hashing slot(s)",
        "load": f"{plan.concurrency} connections ({plan.flood_concurrency} in the flood phase)",
    }


def main() -> int:
    args = parse_args()
    names = (label(args.small_accounts), label(args.large_accounts))
    if not 0 < args.small_accounts < args.large_accounts:
        log("--small-accounts must be positive and below --large-accounts")
        return 2
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="tenantry-bench-") as name:
            tmp = Path(name)
            with databases(tmp, args.database_url, names) as urls:
                results = measure(args, tmp, urls)
    except BenchError as error:
        log(f"the bench could not run: {error}")
        return 2
    text_out = report.render(results)
    print(text_out)
    args.output.write_text(text_out)
    log(f"done in {time.perf_counter() - started:.0f}s; report written to {args.output}")
    return 0 if all(t.passed for t in report.targets(results)) else 1


if __name__ == "__main__":
    sys.exit(main())
