"""The measured phases. Each alternates what it compares (A/B/A/B) so drift hits both sides alike."""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench import documents
from bench.harness import BenchError, BenchServer, LoadRun, log
from bench.load import latency_summary
from bench.seed import Seeded
from domain.errors import TooManyAttempts
from domain.security import BcryptHasher

GRAPHQL, RAW = "/graphql", "/bench/raw-me"


@dataclass(frozen=True)
class Plan:
    rounds_cost: int
    seconds_cost: float
    rounds_scale: int
    seconds_scale: float
    rounds_flood: int
    seconds_flood: float
    seconds_capacity: float
    concurrency: int = 6
    flood_concurrency: int = 2
    flood_factor: float = 10.0
    warmup: float = 0.3


FULL = Plan(
    rounds_cost=6,
    seconds_cost=2.5,
    rounds_scale=6,
    seconds_scale=1.0,
    rounds_flood=3,
    seconds_flood=4.0,
    seconds_capacity=3.0,
)
QUICK = Plan(
    rounds_cost=2,
    seconds_cost=1.5,
    rounds_scale=2,
    seconds_scale=1.0,
    rounds_flood=1,
    seconds_flood=3.0,
    seconds_capacity=1.5,
)


@dataclass(frozen=True)
class Run:
    """One measured window: what a paired comparison looks at, round by round."""

    rps: float
    cpu_per_request_ms: float
    p99_ms: float


@dataclass
class Pooled:
    """Runs of one kind, added up, and kept one by one (in round order) for paired comparisons."""

    requests: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statements: Counter[str] = field(default_factory=Counter)
    runs: list[Run] = field(default_factory=list)

    def add(self, result: dict[str, Any], statements: dict[str, int] | None = None) -> None:
        bad = {k: v for k, v in result["answers"].items() if not k.startswith("200:")}
        if bad or not result["requests"]:
            raise BenchError(f"a measured run got no or non-200 answers: {bad or result['answers']}")
        self.requests += result["requests"]
        self.elapsed += result["elapsed_s"]
        self.cpu += result["server_cpu_s"]
        self.latencies += result["latencies"]
        self.statements.update(statements or {})
        p99 = latency_summary(result["latencies"])["p99_ms"]
        cpu_ms = result["server_cpu_s"] / result["requests"] * 1000
        self.runs.append(Run(result["requests"] / result["elapsed_s"], cpu_ms, p99))

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    @property
    def cpu_per_request_ms(self) -> float:
        return self.cpu / self.requests * 1000 if self.requests else float("nan")


def ratios(a: Pooled, b: Pooled, metric: str) -> list[float]:
    """b/a for `metric`, round by round: the two runs of a round are adjacent, so drift cancels."""
    return [getattr(y, metric) / getattr(x, metric) for x, y in zip(a.runs, b.runs, strict=True)]


def paired(a: Pooled, b: Pooled, metric: str) -> float:
    """The median over rounds of b/a: one noisy window weighs little."""
    return statistics.median(ratios(a, b, metric))


def me_request(user: Seeded, path: str = GRAPHQL) -> dict[str, Any]:
    return {"path": path, "headers": {"authorization": f"Bearer {user.token}"}, "body": documents.me_body().decode()}


def closed(server: BenchServer, request: dict[str, Any], seconds: float, concurrency: int, plan: Plan) -> LoadRun:
    spec = {
        "mode": "closed",
        "port": server.port,
        "server_pid": server.pid,
        "concurrency": concurrency,
        "seconds": seconds,
        "warmup": plan.warmup,
        "max_requests": 1_000_000,
        "requests": [request],
    }
    return LoadRun(spec)


def warm(server: BenchServer, request: dict[str, Any], plan: Plan) -> None:
    """An unmeasured run first, so that a server that sat idle (threads reaped, caches cold) catches up."""
    closed(server, request, 1.0, plan.concurrency, plan).result()


def measured(server: BenchServer, request: dict[str, Any], seconds: float, plan: Plan, pooled: Pooled) -> None:
    """One closed-loop run, with the statements each request ran filed under `pooled`."""
    server.reset()
    result = closed(server, request, seconds, plan.concurrency, plan).result()
    pooled.add(result, server.stats()["statements"].get(request["path"], {}))


def verify_identity(server: BenchServer, users: list[Seeded]) -> None:
    """GraphQL `me` and the raw endpoint must answer the very same bytes, or the ratio means nothing."""
    for user in users:
        request = me_request(user)
        headers = {"authorization": request["headers"]["authorization"], "content-type": "application/json"}
        answers = [server.request("POST", path, documents.me_body(), headers) for path in (GRAPHQL, RAW)]
        (g_status, g_body), (r_status, r_body) = answers
        if g_status != 200 or r_status != 200 or g_body != r_body:
            raise BenchError(
                f"on {server.name}, GraphQL and raw `me` differ for {user.contacts} contact(s):\n"
                f"GraphQL {g_status}: {g_body[:600]!r}\nraw     {r_status}: {r_body[:600]!r}"
            )
        me = json.loads(g_body)["data"]["me"]
        if me is None or len(me["account"]["contacts"]) != user.contacts:
            raise BenchError(f"`me` on {server.name} is not the seeded user with {user.contacts} contacts: {me}")


def cost(server: BenchServer, user: Seeded, plan: Plan) -> dict[str, Pooled]:
    """GraphQL `me` against the raw endpoint, alternated round by round."""
    pooled = {GRAPHQL: Pooled(), RAW: Pooled()}
    warm(server, me_request(user), plan)
    for n in range(plan.rounds_cost):
        order = (GRAPHQL, RAW) if n % 2 == 0 else (RAW, GRAPHQL)
        for path in order:
            log(f"cost round {n + 1}/{plan.rounds_cost}: {path}")
            measured(server, me_request(user, path), plan.seconds_cost, plan, pooled[path])
    return pooled


def scaling(
    servers: dict[str, BenchServer], users: dict[str, dict[int, Seeded]], plan: Plan
) -> dict[tuple[str, int], Pooled]:
    """GraphQL `me` for 1 and 100 contacts, on the small and the large database, alternated."""
    pooled: dict[tuple[str, int], Pooled] = {}
    for size, server in servers.items():
        warm(server, me_request(users[size][1]), plan)
    for n in range(plan.rounds_scale):
        sizes = list(servers) if n % 2 == 0 else list(reversed(servers))
        for contacts in (1, 100):
            for size in sizes:
                log(f"scaling round {n + 1}/{plan.rounds_scale}: {size} database, {contacts} contact(s)")
                into = pooled.setdefault((size, contacts), Pooled())
                measured(servers[size], me_request(users[size][contacts]), plan.seconds_scale, plan, into)
    return pooled


def bcrypt_capacity(rounds: int, concurrency: int, seconds: float) -> float:
    """Password checks per second the server can do: `concurrency` slots busy, cost `rounds`."""
    hasher = BcryptHasher(rounds, concurrency)
    encoded = hasher.hash("capacity probe password")
    done: list[int] = []
    deadline = time.perf_counter() + seconds

    def check() -> None:
        count = 0
        while time.perf_counter() < deadline:
            try:
                hasher.verify("capacity probe password", encoded)
                count += 1
            except TooManyAttempts:  # another thread held the slot for a moment
                time.sleep(0.001)
        done.append(count)

    started = time.perf_counter()
    threads = [threading.Thread(target=check) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    elapsed = time.perf_counter() - started
    hasher.close()
    return sum(done) / elapsed


@dataclass
class FloodResult:
    capacity: float
    rate: float
    baseline: Pooled = field(default_factory=Pooled)
    flooded: Pooled = field(default_factory=Pooled)
    offered: int = 0
    skipped: int = 0
    elapsed: float = 0.0
    sign_ins: dict[str, list[float]] = field(default_factory=dict)


def flood(server: BenchServer, me_user: Seeded, signer: Seeded, capacity: float, plan: Plan) -> FloodResult:
    """`me` latency alone and while sign-ins (right password) are offered at 10x bcrypt's capacity."""
    result = FloodResult(capacity, capacity * plan.flood_factor)
    request = me_request(me_user)
    warm(server, request, plan)
    for n in range(plan.rounds_flood):
        for flooded in (False, True) if n % 2 == 0 else (True, False):
            what = f"with sign-ins offered at {result.rate:.0f}/s" if flooded else "alone"
            log(f"flood round {n + 1}/{plan.rounds_flood}: `me` {what}")
            if flooded:
                _flooded_run(server, request, signer, plan, result)
            else:
                result.baseline.add(closed(server, request, plan.seconds_flood, plan.flood_concurrency, plan).result())
    return result


def _flooded_run(server: BenchServer, request: dict[str, Any], signer: Seeded, plan: Plan, result: FloodResult) -> None:
    login = {"path": GRAPHQL, "body": documents.login_body(signer.email, signer.password).decode()}
    spec = {
        "mode": "open",
        "port": server.port,
        "rate": result.rate,
        "seconds": plan.seconds_flood + plan.warmup + 1.5,
        "max_requests": 100_000,
        "max_connections": 256,
        "requests": [login],
    }
    signing = LoadRun(spec)
    try:
        time.sleep(0.5)  # let the flood reach its rate before `me` is measured
        result.flooded.add(closed(server, request, plan.seconds_flood, plan.flood_concurrency, plan).result())
        _add_flood(result, signing.result())
    finally:
        signing.stop()


def _add_flood(result: FloodResult, run: dict[str, Any]) -> None:
    result.offered += run["offered"]
    result.skipped += run["skipped"]
    result.elapsed += run["elapsed_s"]
    for kind, values in run["latencies"].items():
        result.sign_ins.setdefault(kind, []).extend(values)
