"""`make bench`: Tenantry side by side with the floor of its own stack and a Node peer, and its own targets.

Seeds SQLite files (filler cached under var/bench/), serves Tenantry, the floor (bench/floor.py, with and
without a thread-pool hop) and the Node peer (bench/peers/node) on loopback, checks that they answer
byte-identical JSON, then loads them with wrk in interleaved rounds. Writes bench/REPORT.md.

Exit status: 0 when every judged target passes, 1 when one fails, 2 when the bench could not run.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/run.py`: the repository root goes first, so `server` is the product package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import contextlib
import dataclasses
import functools
import json
import os
import platform
import secrets
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import psutil
from sqlalchemy import create_engine, make_url, text

from bench import audit_page, documents, flood, phases, report, worst_document
from bench.harness import BENCH, BenchError, BenchServer, log
from bench.measure import OtherLoad, named_cpu
from bench.phases import Load, Plan, post_args
from bench.seed import Seeded, add_filler, copy_filler, seed_billing_profile, seed_runtime, seed_user
from server.settings import Settings, load_settings

NODE_PEER = BENCH / "peers" / "node"
PARTS = ("me", "scaling", "writes", "signin", "postgres", "token", "flood", "documents", "audit")
POSTGRES_URL = "postgresql+psycopg://127.0.0.1:5432/test"
WRITERS = 32


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    env = os.environ
    parser.add_argument(
        "--quick", action="store_true", default=env.get("BENCH_QUICK") == "1", help="smoke test (BENCH_QUICK=1)"
    )
    parser.add_argument("--only", default=env.get("ONLY", ""), help=f"comma-separated parts of {', '.join(PARTS)}")
    parser.add_argument("--rounds", type=int, default=int(env.get("BENCH_ROUNDS", "0")) or None)
    parser.add_argument("--seconds", type=float, default=float(env.get("BENCH_SECONDS", "0")) or None)
    parser.add_argument("--large-accounts", type=int, default=int(env.get("BENCH_LARGE", "0")) or None)
    parser.add_argument("--postgres-url", default=env.get("BENCH_POSTGRES_URL", POSTGRES_URL))
    parser.add_argument("--output", type=Path, default=BENCH / "REPORT.md")
    args = parser.parse_args()
    args.parts = [p for p in args.only.replace(" ", ",").split(",") if p] or list(PARTS)
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}; choose from {', '.join(PARTS)}")
    return args


def plan_of(args: argparse.Namespace) -> Plan:
    quick = args.quick
    return Plan(
        rounds=args.rounds or (2 if quick else 5),
        seconds=args.seconds or (2.0 if quick else 5.0),
        quick=quick,
    )


class Bench:
    """The run's temp directory, secret and servers; every server stops when the run ends."""

    def __init__(self, tmp: Path, args: argparse.Namespace, plan: Plan) -> None:
        self.tmp = tmp
        self.args = args
        self.plan = plan
        self.secret = secrets.token_urlsafe(48)
        self.stack = contextlib.ExitStack()
        self.results = report.Results(meta={}, plan=plan)

    def env(self, url: str, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            TENANTRY_ENV="production",
            TENANTRY_DATABASE_URL=url,
            TENANTRY_VAR_DIR=str(self.tmp),
            TENANTRY_SECRET_KEY=self.secret,
            TENANTRY_BCRYPT_ROUNDS="12",  # the production default
            TENANTRY_ACCESS_LOG="false",
            TENANTRY_LOG_LEVEL="WARNING",
        )
        # The per-credential budgets (issue 12), where they exist, must not turn the load away: the
        # accounting runs on every request all the same.
        fields = {f.name for f in dataclasses.fields(Settings)}
        for name in ("rate_limit_points", "rate_limit_anonymous_points"):
            if name in fields:
                env[f"TENANTRY_{name.upper()}"] = "1000000000"
        env.update(extra)
        return env

    def start(self, server: BenchServer) -> BenchServer:
        self.stack.enter_context(server)
        return server

    def tenantry(self, name: str, url: str, workers: int = 1) -> BenchServer:
        """The product as operators run it: `tenantry serve`."""
        command = [
            str(Path(sys.executable).parent / "tenantry"),
            "serve",
            "--port",
            "{port}",
            "--workers",
            str(workers),
        ]
        return self.start(BenchServer(name, self.env(url), self.tmp / f"{name}.log", command))

    def counting(self, name: str, url: str) -> BenchServer:
        """Tenantry with the bench's statement counter (bench/server.py)."""
        return self.start(BenchServer(name, self.env(url), self.tmp / f"{name}.log"))

    def floor(self, name: str, db: Path, hop: bool) -> BenchServer:
        command = [sys.executable, str(BENCH / "floor.py"), "--port", "{port}", "--database", str(db)]
        command += ["--hop"] if hop else []
        return self.start(BenchServer(name, self.env(f"sqlite:///{db}"), self.tmp / f"{name}.log", command))

    def node(self, db: Path) -> BenchServer:
        command = ["node", "server.js", "--port", "{port}", "--database", str(db)]
        return self.start(BenchServer("node", self.env(""), self.tmp / "node.log", command, cwd=NODE_PEER))

    def sqlite(self, name: str, filler: int) -> tuple[Path, str]:
        db = self.tmp / f"{name}.db"
        started = time.perf_counter()
        copy_filler(filler, db)
        log(f"{name}: {filler} filler accounts copied in {time.perf_counter() - started:.1f}s")
        return db, f"sqlite:///{db}"

    def users(self, url: str, contacts: list[int], billing: bool = False, rounds: int = 12) -> list[Seeded]:
        runtime = seed_runtime(url, self.tmp, self.secret, rounds)
        try:
            if billing:
                seed_billing_profile(runtime)
            return [seed_user(runtime, n) for n in contacts]
        finally:
            runtime.close()

    # --- the parts --------------------------------------------------------------------------------

    def me(self) -> None:
        db, url = self.sqlite("me", 1_000)
        (user,) = self.users(url, [3], billing=True)
        servers = {
            "tenantry": self.tenantry("tenantry", url),
            "floor": self.floor("floor", db, hop=False),
            "floor+hop": self.floor("floor-hop", db, hop=True),
            "node": self.node(db),
        }
        for body, what in ((documents.me_body(), "`me`"), (documents.billing_body(), "`billingProfile`")):
            extra = phases.same_answers(list(servers.values()), body, user.token, what)
            if extra:
                self.results.notes.append(
                    f"{what}: Tenantry's answer also carries {', '.join(f'`{k}`' for k in extra)} after `data`, "
                    "which the floor and the Node peer do not send; their `data` is byte-identical."
                )
        log("tenantry, floor, floor+hop and node answer byte-identical JSON; measuring")
        me_args = post_args(self.tmp, documents.me_body(), user.token)
        billing_args = post_args(self.tmp, documents.billing_body(), user.token)
        loads = {name: Load(server, me_args) for name, server in servers.items()}
        self.results.me = phases.interleave("me", loads, self.plan.concurrencies, self.plan)
        billing = {name: Load(servers[name], billing_args) for name in ("tenantry", "floor", "node")}
        self.results.billing = phases.interleave("billingProfile", billing, (8,), self.plan)
        self.results.rss["tenantry after `me` and `billingProfile`"] = servers["tenantry"].rss()
        self.results.rss["node peer"] = servers["node"].rss()

    def scaling(self) -> None:
        large = self.args.large_accounts or (100_000 if self.plan.quick else 1_000_000)
        self.results.sizes = (1_000, large)
        _, small_url = self.sqlite("small", 1_000)
        _, large_url = self.sqlite("large", large)
        (small_one,) = self.users(small_url, [1])
        one, twenty = self.users(large_url, [1, 20])
        small_server, large_server = self.counting("small", small_url), self.counting("large", large_url)
        big = report.label(large)
        loads = {
            f"{big}, 1 contact": Load(large_server, post_args(self.tmp, documents.me_body(), one.token)),
            f"{big}, 20 contacts": Load(large_server, post_args(self.tmp, documents.me_body(), twenty.token)),
            "1k, 1 contact": Load(small_server, post_args(self.tmp, documents.me_body(), small_one.token)),
        }
        for server in (small_server, large_server):
            server.reset()
        self.results.scaling = phases.interleave("scaling", loads, (8,), self.plan)
        self.results.statements = {
            s.name: s.stats()["statements"].get("/graphql", {}) for s in (small_server, large_server)
        }

    def writes(self) -> None:
        _, url = self.sqlite("writes", 1_000)
        writers = self.users(url, [1] * WRITERS, rounds=4)
        server = self.tenantry("writes", url)
        users_file = self.tmp / "writers.txt"

        def versions() -> None:
            """Every writer's current profile version, once the last window's writes have all landed."""
            found: list[int] = []
            for _ in range(20):
                time.sleep(0.5)
                again = [self._version(server, u) for u in writers]
                if again == found:
                    break
                found = again
            users_file.write_text("".join(f"{u.token} {v}\n" for u, v in zip(writers, found, strict=True)))

        load = Load(server, [], "update_profile.lua", {"BENCH_USERS_FILE": str(users_file)}, True, versions)
        self.results.writes = {
            c: phases.interleave(f"updateProfile c={c}", {"tenantry": load}, (c,), self.plan) for c in (8, 32)
        }

    def _version(self, server: BenchServer, user: Seeded) -> int:
        found = phases.graphql(server, documents.graphql_body("{ me { profile { version } } }"), user.token)
        data = found["data"]
        assert isinstance(data, dict)
        return int(data["me"]["profile"]["version"])

    def signin(self) -> None:
        _, url = self.sqlite("signin", 1_000)
        (owner,) = self.users(url, [1])
        server = self.tenantry("signin", url)
        self.results.signin = phases.sign_ins(server, owner.email, owner.password, self.plan, os.cpu_count() or 2)

    def postgres(self) -> None:
        try:
            schema_url = self.stack.enter_context(postgres_schema(self.args.postgres_url))
        except Exception as error:  # noqa: BLE001 - any failure to reach PostgreSQL skips the part
            self.results.skipped["postgres"] = f"PostgreSQL at {self.args.postgres_url} not usable: {error}"
            return
        (pg_user,) = self.users(schema_url, [3])
        engine = create_engine(schema_url)
        try:
            add_filler(engine, 1_000)
        finally:
            engine.dispose()
        _, sqlite_url = self.sqlite("pg-sqlite", 1_000)
        (sqlite_user,) = self.users(sqlite_url, [3])
        one, two = self.tenantry("pg-1", schema_url, 1), self.tenantry("pg-2", schema_url, 2)
        lite = self.tenantry("pg-vs-sqlite", sqlite_url, 1)
        pg_args = post_args(self.tmp, documents.me_body(), pg_user.token)
        # PostgreSQL's own processes serve these requests: part of what is measured, not other load.
        postgres = functools.partial(named_cpu, "postgres")
        loads = {
            "PostgreSQL, 1 worker": Load(one, pg_args, serving=postgres),
            "PostgreSQL, 2 workers": Load(two, pg_args, serving=postgres),
            "SQLite, 1 worker": Load(lite, post_args(self.tmp, documents.me_body(), sqlite_user.token)),
        }
        self.results.postgres = phases.interleave("postgres", loads, (8,), self.plan)

    def token(self) -> None:
        _, url = self.sqlite("token", 1_000)
        (user,) = self.users(url, [3])
        server = self.tenantry("token", url)
        variables = {
            "input": {"name": "bench", "scopes": ["PROFILE_READ", "ACCOUNT_READ"], "currentPassword": user.password}
        }
        created = phases.graphql(server, documents.graphql_body(documents.CREATE_API_TOKEN, variables), user.token)
        if "Cannot query field" in json.dumps(created.get("errors")):
            self.results.skipped["token"] = "API tokens are not available: `createApiToken` is not in the schema"
            return
        data = created.get("data")
        secret = data["createApiToken"]["secret"] if isinstance(data, dict) and data.get("createApiToken") else None
        if not secret:
            raise BenchError(f"createApiToken gave no secret: {created}")
        body = documents.settings_body()  # `me` without `sessions`, which a token does not have
        phases.same_answers([server], body, user.token, "`me` through a session")
        phases.same_answers([server], body, secret, "`me` through an API token")
        loads = {
            "session": Load(server, post_args(self.tmp, body, user.token)),
            "API token": Load(server, post_args(self.tmp, body, secret)),
        }
        self.results.token = phases.interleave("token", loads, (8,), self.plan)

    def flood(self) -> None:
        _, url = self.sqlite("flood", 1_000)
        me_user, owner = self.users(url, [3, 1])
        server = self.counting("flood", url)
        fplan = flood.QUICK if self.plan.quick else flood.FULL
        slots = load_settings(self.env(url)).hash_concurrency
        capacity = flood.bcrypt_capacity(12, slots, fplan.seconds_capacity)
        log(f"bcrypt cost 12, {slots} slot(s): {capacity:.1f} checks/s")
        self.results.flood = flood.flood(server, self.tmp, me_user, owner, capacity, fplan)

    def documents(self) -> None:
        log("the worst documents within the limits, in-process")
        other = OtherLoad()
        self.results.documents = worst_document.run(5 if self.plan.quick else 20)
        self.results.other["documents"] = other.cores()

    def audit(self) -> None:
        log("security log pages on 1k and 1M events")
        other = OtherLoad()
        self.results.audit_pages = audit_page.run(100_000 if self.plan.quick else 1_000_000, self.plan.rounds)
        self.results.other["audit"] = other.cores()


@contextlib.contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A fresh schema in `url`'s database, dropped afterwards; yields a URL whose search_path is it."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        parsed = make_url(url)
        yield parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def prerequisites(parts: list[str]) -> None:
    """wrk on the PATH; the Node peer's packages installed (npm ci) when the `me` part runs."""
    if not shutil.which("wrk"):
        raise BenchError("wrk is not installed: `make bench` installs it (apt-get install wrk) when run as root")
    if "me" in parts and not (NODE_PEER / "node_modules" / "better-sqlite3").exists():
        log("installing the Node peer's packages (npm ci)")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NODE_PEER, check=True)


def meta(plan: Plan, parts: list[str], started: float) -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = cpu
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    wrk = shutil.which("wrk") or "-"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick (BENCH_QUICK=1: rough numbers, nothing judged)" if plan.quick else "full",
        "rounds": f"{plan.rounds} x {plan.seconds:g} s per window, interleaved",
        "parts": ", ".join(parts),
        "machine": f"{os.cpu_count()} CPUs ({model}), {psutil.virtual_memory().total / 2**30:.1f} GiB",
        "software": f"Python {platform.python_version()}, Node {node or '-'}, wrk ({wrk})",
        "duration": f"{(time.perf_counter() - started) / 60:.1f} min",
    }


def main() -> int:
    args = parse_args()
    plan = plan_of(args)
    started = time.perf_counter()
    load_start = os.getloadavg()
    try:
        prerequisites(args.parts)
        with tempfile.TemporaryDirectory(prefix="tenantry-bench-") as name:
            bench = Bench(Path(name), args, plan)
            for part in args.parts:
                log(f"--- {part}")
                with contextlib.ExitStack() as stack:  # the part's servers stop when it ends
                    bench.stack = stack
                    getattr(bench, part)()
            results = bench.results
    except BenchError as error:
        log(f"the bench could not run: {error}")
        return 2
    results.meta = meta(plan, args.parts, started)
    results.load = (load_start, os.getloadavg())
    text_out = report.render(results)
    print(text_out)
    args.output.write_text(text_out)
    log(f"done in {time.perf_counter() - started:.0f}s; report written to {args.output}")
    return 1 if any(t.result == "FAIL" for t in report.targets(results)) else 0


if __name__ == "__main__":
    sys.exit(main())
