"""Issue 10's sign-in flood: `me` alone and under wrong-password floods at 10x bcrypt capacity from 20
addresses, while the owner signs in from a known device and from a new one.

Uses bench/load.py (open loop for the flood, closed loop for `me`), not wrk: the flood needs
requests on a schedule whatever the answers, and each answer classified.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import bcrypt

from bench import documents
from bench.harness import BenchError, BenchServer, LoadRun, log
from bench.load import latency_summary
from bench.measure import OtherLoad
from bench.seed import Seeded

GRAPHQL = "/graphql"


@dataclass(frozen=True)
class FloodPlan:
    rounds: int
    seconds: float
    seconds_capacity: float
    concurrency: int = 2
    factor: float = 10.0
    warmup: float = 0.3


FULL = FloodPlan(rounds=5, seconds=5.0, seconds_capacity=3.0)
QUICK = FloodPlan(rounds=1, seconds=3.0, seconds_capacity=1.5)


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
    runs: list[Run] = field(default_factory=list)

    def add(self, result: dict[str, Any]) -> None:
        bad = {k: v for k, v in result["answers"].items() if not k.startswith("200:")}
        if bad or not result["requests"]:
            raise BenchError(f"a measured run got no or non-200 answers: {bad or result['answers']}")
        self.requests += result["requests"]
        self.elapsed += result["elapsed_s"]
        self.cpu += result["server_cpu_s"]
        self.latencies += result["latencies"]
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


def closed(server: BenchServer, request: dict[str, Any], seconds: float, concurrency: int, plan: FloodPlan) -> LoadRun:
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


def warm(server: BenchServer, request: dict[str, Any], plan: FloodPlan) -> None:
    """An unmeasured run first, so that a server that sat idle (threads reaped, caches cold) catches up."""
    closed(server, request, 1.0, plan.concurrency, plan).result()


def bcrypt_capacity(rounds: int, concurrency: int, seconds: float) -> float:
    """Password checks per second this machine can do: `concurrency` threads checking at once at
    cost `rounds`, at normal priority. Measured on bcrypt itself, not through the server's hasher,
    whose admission rules (fewer slots under a flood) are part of what the flood measures."""
    encoded = bcrypt.hashpw(b"capacity probe password", bcrypt.gensalt(rounds))
    done: list[int] = []
    deadline = time.perf_counter() + seconds

    def check() -> None:
        count = 0
        while time.perf_counter() < deadline:
            bcrypt.checkpw(b"capacity probe password", encoded)
            count += 1
        done.append(count)

    started = time.perf_counter()
    threads = [threading.Thread(target=check) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    return sum(done) / (time.perf_counter() - started)


ATTACKERS = 20  # client addresses of the flood, sent as X-Forwarded-For (uvicorn trusts it from loopback)
OWNER_KNOWN_IP, OWNER_NEW_IP = "198.51.100.7", "198.51.100.8"
OWNER_DEADLINE = 2.0  # a legitimate sign-in counts when it succeeds at the first try within this


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
    # The owner's own sign-ins during the flood: (succeeded at the first try, seconds taken).
    known_device: list[tuple[bool, float]] = field(default_factory=list)
    new_device: list[tuple[bool, float]] = field(default_factory=list)
    other_cores: float = 0.0  # other processes' CPU use during the part (bench.measure.OtherLoad)


def flood(server: BenchServer, me_user: Seeded, owner: Seeded, capacity: float, plan: FloodPlan) -> FloodResult:
    """`me` latency alone and while wrong-password sign-ins arrive at 10x bcrypt's capacity from 20
    addresses; meanwhile the owner signs in now and then from a known device and from a new one."""
    result = FloodResult(capacity, capacity * plan.factor)
    other = OtherLoad(server.pid)
    device = _known_device(server, owner)
    request = me_request(me_user)
    warm(server, request, plan)
    for n in range(plan.rounds):
        for flooded in (False, True) if n % 2 == 0 else (True, False):
            what = f"with wrong passwords at {result.rate:.0f}/s" if flooded else "alone"
            log(f"flood round {n + 1}/{plan.rounds}: `me` {what}")
            if flooded:
                _flooded_run(server, request, owner, device, plan, result)
            else:
                result.baseline.add(closed(server, request, plan.seconds, plan.concurrency, plan).result())
    result.other_cores = other.cores()
    return result


def _known_device(server: BenchServer, owner: Seeded) -> str:
    status, body = _owner_login(server, owner, OWNER_KNOWN_IP, None)
    token = json.loads(body)["data"]["login"].get("deviceToken") if status == 200 else None
    if not token:
        raise BenchError(f"the owner's first sign-in gave no device token: {status} {body[:300]!r}")
    return str(token)


def _owner_login(server: BenchServer, owner: Seeded, ip: str, device: str | None) -> tuple[int, bytes]:
    headers = {"content-type": "application/json", "x-forwarded-for": ip}
    if device:
        headers["x-device-token"] = device
    return server.request("POST", GRAPHQL, documents.login_body(owner.email, owner.password), headers)


def _attack(rate: float) -> list[dict[str, Any]]:
    """Wrong passwords for a new email each time (so no account lock turns them away cheaply), each
    address taking its turn: every request costs a password check unless it is refused."""
    return [
        {
            "path": GRAPHQL,
            "headers": {"x-forwarded-for": f"203.0.113.{n % ATTACKERS + 1}"},
            "body": documents.login_body(f"victim-{n}@example.com", "not the password").decode(),
        }
        for n in range(max(ATTACKERS, int(rate * 30)))
    ]


def flooding(server: BenchServer, rate: float, seconds: float) -> LoadRun:
    """Wrong passwords from ATTACKERS addresses at `rate` a second for `seconds`, open loop, started now."""
    spec = {
        "mode": "open",
        "port": server.port,
        "rate": rate,
        "seconds": seconds,
        "max_requests": 100_000,
        "max_connections": 256,
        "requests": _attack(rate),
    }
    return LoadRun(spec)


def _owner_tries(server: BenchServer, owner: Seeded, device: str, stop: threading.Event, result: FloodResult) -> None:
    """The owner signs in every half second, alternately from the known device and a new one."""
    n = 0
    while not stop.wait(0.5):
        known = n % 2 == 0
        started = time.perf_counter()
        status, body = _owner_login(server, owner, OWNER_KNOWN_IP if known else OWNER_NEW_IP, device if known else None)
        took = time.perf_counter() - started
        ok = status == 200 and bool(json.loads(body)["data"]["login"].get("token")) and took <= OWNER_DEADLINE
        (result.known_device if known else result.new_device).append((ok, took))
        n += 1


def _flooded_run(
    server: BenchServer, request: dict[str, Any], owner: Seeded, device: str, plan: FloodPlan, result: FloodResult
) -> None:
    signing = flooding(server, result.rate, plan.seconds + plan.warmup + 1.5)
    stop = threading.Event()
    tries = threading.Thread(target=_owner_tries, args=(server, owner, device, stop, result))
    try:
        time.sleep(0.5)  # let the flood reach its rate before `me` is measured
        tries.start()
        result.flooded.add(closed(server, request, plan.seconds, plan.concurrency, plan).result())
        stop.set()
        tries.join()
        _add_flood(result, signing.result())
    finally:
        stop.set()
        signing.stop()


def _add_flood(result: FloodResult, run: dict[str, Any]) -> None:
    result.offered += run["offered"]
    result.skipped += run["skipped"]
    result.elapsed += run["elapsed_s"]
    for kind, values in run["latencies"].items():
        result.sign_ins.setdefault(kind, []).extend(values)
