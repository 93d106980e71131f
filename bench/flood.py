"""Issue 10's sign-in flood: `me` alone and under wrong-password floods at 10x bcrypt capacity from 20
addresses, while the owner signs in now and then from a known device and from a new one.

The two windows of a round differ by the flood: the owner's sign-ins (a try due every half second,
each a password check at cost 12 unless refused) run in both, so their hashing is not charged to the
flood. Under the flood most new-device tries are refused without a hash: that difference is the
flood's doing.

- `me`: wrk (closed loop, one thread, two connections), the load generator of every other part. The
  Python closed loop this part used before took about twice wrk's CPU per request on the same two
  cores (0.053-0.058 against 0.023-0.029 ms at 2,060 req/s, each with two connections, in a one-off
  check); the report gives wrk's CPU per request in each kind of window.
- The flood: bench/load.py's open loop, not wrk: it needs requests on a schedule whatever the
  answers, and each answer classified.
- Each `me` window also reads from the server (bench/server.py) the p50 and p99 of the time its
  requests spent inside the app: how much of a rise happens there, and how much before the app gets
  the request (the event loop busy with other requests, the kernel, the client).
"""

from __future__ import annotations

import json
import math
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt

from bench import documents
from bench.harness import BenchError, BenchServer, LoadRun, log
from bench.measure import OtherLoad, Window, run_wrk
from bench.phases import post_args
from bench.seed import Seeded

GRAPHQL = "/graphql"


@dataclass(frozen=True)
class FloodPlan:
    rounds: int
    seconds: float
    seconds_capacity: float
    concurrency: int = 2
    factor: float = 10.0


FULL = FloodPlan(rounds=5, seconds=5.0, seconds_capacity=3.0)
QUICK = FloodPlan(rounds=1, seconds=3.0, seconds_capacity=1.5)


@dataclass(frozen=True)
class Run:
    """One measured window: what a paired comparison looks at, round by round."""

    rps: float
    cpu_per_request_ms: float
    p50_ms: float
    p99_ms: float
    inside_p50_ms: float  # time inside the app (bench/server.py), without the wait before it
    inside_p99_ms: float
    client_cpu_ms: float  # wrk's CPU per request


@dataclass
class Pooled:
    """Runs of one kind, added up, and kept one by one (in round order) for paired comparisons."""

    requests: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0
    runs: list[Run] = field(default_factory=list)

    def add(self, window: Window, inside: dict[str, float]) -> None:
        if window.failed or not window.requests:
            raise BenchError(f"a measured `me` window got no or failed answers: {window.errors or window.requests}")
        self.requests += window.requests
        self.elapsed += window.seconds
        self.cpu += window.server_cpu_s
        self.runs.append(
            Run(
                window.rps,
                window.cpu_ms,
                window.p50_ms,
                window.p99_ms,
                inside["p50_ms"],
                inside["p99_ms"],
                window.client_cpu_s / window.requests * 1000,
            )
        )

    def median(self, metric: str) -> float:
        """The median over this kind's windows of `metric` (a Run field)."""
        return statistics.median(getattr(run, metric) for run in self.runs) if self.runs else float("nan")

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


def me_load(folder: Path, user: Seeded) -> list[str]:
    """wrk's arguments (bench/wrk/post.lua) for the README's `me` document as `user`."""
    return post_args(folder, documents.me_body(), user.token)


def measure_me(server: BenchServer, me: list[str], seconds: float, plan: FloodPlan) -> tuple[Window, dict[str, float]]:
    """One `me` window of wrk, and the p50 and p99 of its requests' time inside the app (the server
    times every request with an Authorization header; the flood's sign-ins carry none)."""
    server.reset()
    window = run_wrk(server.port, server.pid, seconds, plan.concurrency, me, threads=1)
    inside: dict[str, float] = server.stats()["inside"]
    if not inside.get("count"):
        raise BenchError(f"server {server.name} timed no `me` request in the window")
    return window, inside


def warm(server: BenchServer, me: list[str], plan: FloodPlan) -> None:
    """An unmeasured run first, so that a server that sat idle (threads reaped, caches cold) catches up."""
    run_wrk(server.port, server.pid, 1.0, plan.concurrency, me, threads=1)


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
FLOOD_LEAD = 1.0  # seconds the flood runs (its client starting, then at full rate) before `me` is measured


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
    # The owner's own sign-ins: (succeeded at the first try, seconds taken), under the flood and without.
    known_device: list[tuple[bool, float]] = field(default_factory=list)
    new_device: list[tuple[bool, float]] = field(default_factory=list)
    calm_known: list[tuple[bool, float]] = field(default_factory=list)
    calm_new: list[tuple[bool, float]] = field(default_factory=list)
    other_cores: float = 0.0  # other processes' CPU use during the part (bench.measure.OtherLoad)


def flood(
    server: BenchServer, folder: Path, me_user: Seeded, owner: Seeded, capacity: float, plan: FloodPlan
) -> FloodResult:
    """`me` latency without and with wrong-password sign-ins arriving at 10x bcrypt's capacity from 20
    addresses; in both windows the owner signs in now and then from a known device and from a new one."""
    result = FloodResult(capacity, capacity * plan.factor)
    other = OtherLoad(server.pid)
    device = _known_device(server, owner)
    me = me_load(folder, me_user)
    warm(server, me, plan)
    for n in range(plan.rounds):
        for flooded in (False, True) if n % 2 == 0 else (True, False):
            what = f"with wrong passwords at {result.rate:.0f}/s" if flooded else "without a flood"
            log(f"flood round {n + 1}/{plan.rounds}: `me` {what}")
            if flooded:
                _flooded_run(server, me, owner, device, plan, result)
            else:
                with _owner_signing_in(server, owner, device, result.calm_known, result.calm_new):
                    result.baseline.add(*measure_me(server, me, plan.seconds, plan))
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


Tries = list[tuple[bool, float]]


@contextmanager
def _owner_signing_in(server: BenchServer, owner: Seeded, device: str, known: Tries, new: Tries) -> Iterator[None]:
    """While the block runs, the owner signs in every half second, alternately from the known device
    (into `known`) and from a new one (into `new`)."""
    stop = threading.Event()
    tries = threading.Thread(target=_owner_tries, args=(server, owner, device, stop, known, new))
    tries.start()
    try:
        yield
    finally:
        stop.set()
        tries.join()


OWNER_EVERY = 0.5  # seconds between the starts of the owner's sign-ins


def _owner_tries(
    server: BenchServer, owner: Seeded, device: str, stop: threading.Event, known_tries: Tries, new_tries: Tries
) -> None:
    """On a fixed schedule, whatever the answers take, so both kinds of window get as many tries: one
    due every OWNER_EVERY seconds (one still running when the next is due makes that one skip)."""
    n, due = 0, time.perf_counter() + OWNER_EVERY
    while not stop.wait(max(0.0, due - time.perf_counter())):
        known = n % 2 == 0
        started = time.perf_counter()
        status, body = _owner_login(server, owner, OWNER_KNOWN_IP if known else OWNER_NEW_IP, device if known else None)
        took = time.perf_counter() - started
        ok = status == 200 and bool(json.loads(body)["data"]["login"].get("token")) and took <= OWNER_DEADLINE
        (known_tries if known else new_tries).append((ok, took))
        n += 1
        due += OWNER_EVERY * max(1, math.ceil((time.perf_counter() - due) / OWNER_EVERY))


@contextmanager
def under_flood(server: BenchServer, rate: float, seconds: float) -> Iterator[LoadRun]:
    """A flood (`flooding`) that has run FLOOD_LEAD seconds when the block starts and lasts through a
    window of `seconds`; stopped on the way out if still running."""
    signing = flooding(server, rate, seconds + FLOOD_LEAD + 1.5)
    try:
        time.sleep(FLOOD_LEAD)
        yield signing
    finally:
        signing.stop()


def _flooded_run(
    server: BenchServer, me: list[str], owner: Seeded, device: str, plan: FloodPlan, result: FloodResult
) -> None:
    with under_flood(server, result.rate, plan.seconds) as signing:
        with _owner_signing_in(server, owner, device, result.known_device, result.new_device):
            result.flooded.add(*measure_me(server, me, plan.seconds, plan))
        _add_flood(result, signing.result())


def _add_flood(result: FloodResult, run: dict[str, Any]) -> None:
    result.offered += run["offered"]
    result.skipped += run["skipped"]
    result.elapsed += run["elapsed_s"]
    for kind, values in run["latencies"].items():
        result.sign_ins.setdefault(kind, []).extend(values)
