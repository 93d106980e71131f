"""The measured comparisons. Every one interleaves what it compares: round after round, each server (in
an order that rotates) gets one wrk window at each concurrency, so drift and other load hit all sides
alike, and each ratio is taken within a round before the median over rounds."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import documents
from bench.harness import BenchError, BenchServer, log
from bench.measure import OtherLoad, Window, load1, run_wrk


@dataclass(frozen=True)
class Plan:
    rounds: int = 5
    seconds: float = 5.0
    concurrencies: tuple[int, ...] = (1, 8, 32)
    quick: bool = False


@dataclass
class Series:
    """One server (or variant) at one concurrency: its windows, one per round, in round order."""

    windows: list[Window] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return statistics.median(w.rps for w in self.windows)

    @property
    def cpu_ms(self) -> float:
        return statistics.median(w.cpu_ms for w in self.windows)

    @property
    def p50_ms(self) -> float:
        return statistics.median(w.p50_ms for w in self.windows)

    @property
    def p99_ms(self) -> float:
        return statistics.median(w.p99_ms for w in self.windows)


@dataclass
class Phase:
    """Series by (variant, concurrency), with the load average around the whole phase."""

    name: str
    series: dict[tuple[str, int], Series] = field(default_factory=dict)
    load_before: float = 0.0
    load_after: float = 0.0
    notes: list[str] = field(default_factory=list)

    def windows(self, *keys: tuple[str, int]) -> list[Window]:
        return [w for key in keys for w in self.series[key].windows]

    def ratios(self, a: tuple[str, int], b: tuple[str, int], metric: Callable[[Window], float]) -> list[float]:
        """metric(a) / metric(b) round by round: the two windows of a round ran a few seconds apart."""
        return [metric(x) / metric(y) for x, y in zip(self.series[a].windows, self.series[b].windows, strict=True)]


@dataclass(frozen=True)
class Load:
    """What one variant is sent: a server, a wrk script and its arguments."""

    server: BenchServer
    args: list[str]
    script: str = "post.lua"
    env: dict[str, str] | None = None
    one_thread_per_connection: bool = False
    prepare: Callable[[], None] | None = None  # before each window (e.g. the writers' current versions)
    serving: Callable[[], float] | None = None  # CPU seconds of the database server (measure.run_wrk)


def body_file(directory: Path, body: bytes) -> str:
    handle = tempfile.NamedTemporaryFile("wb", dir=directory, suffix=".json", delete=False)  # noqa: SIM115
    with handle:
        handle.write(body)
    return handle.name


def post_args(directory: Path, body: bytes, token: str) -> list[str]:
    return [body_file(directory, body), f"authorization: Bearer {token}"]


def interleave(name: str, loads: dict[str, Load], concurrencies: tuple[int, ...], plan: Plan) -> Phase:
    """`plan.rounds` rounds; in each, every concurrency, and at each every variant (rotating order)."""
    phase = Phase(name, load_before=load1())
    variants = list(loads)
    for variant in variants:  # warm-up, not measured: first requests fill caches and pools
        load = loads[variant]
        c = max(concurrencies)
        if load.prepare:
            load.prepare()
        threads = c if load.one_thread_per_connection else None
        run_wrk(load.server.port, load.server.pid, 1.0, c, load.args, load.script, load.env, threads)
    for n in range(plan.rounds):
        order = variants[n % len(variants) :] + variants[: n % len(variants)]
        for c in concurrencies:
            for variant in order:
                load = loads[variant]
                threads = c if load.one_thread_per_connection else None
                if load.prepare:
                    load.prepare()
                window = run_wrk(
                    load.server.port,
                    load.server.pid,
                    plan.seconds,
                    c,
                    load.args,
                    load.script,
                    load.env,
                    threads,
                    load.serving,
                )
                if window.failed:
                    raise BenchError(
                        f"{name}: {variant} at c={c} had {window.failed} failed requests ({window.errors}); "
                        f"the server's log ends:\n{load.server.log_tail()}"
                    )
                phase.series.setdefault((variant, c), Series()).windows.append(window)
                log(
                    f"{name} round {n + 1}/{plan.rounds} c={c} {variant}: {window.rps:.0f} req/s, "
                    f"{window.cpu_ms:.2f} ms CPU/req, p99 {window.p99_ms:.1f} ms, other load {window.other_cores:.2f}"
                )
    phase.load_after = load1()
    return phase


# --- checks before measuring ------------------------------------------------------------------------


def same_answers(servers: list[BenchServer], body: bytes, token: str, what: str) -> list[str]:
    """Every server answers `body` with the very same bytes, or the bench stops: a ratio between
    different answers means nothing. The first server is asked again last (a session touch between
    the first and the last answer shows up as a difference too).

    One difference is allowed and returned: members after `data` in the first server's answer (such
    as Tenantry's `extensions.cost`, issue 12), which the peers do not implement. The `data` member
    must still be byte-identical, and it must come first."""
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    answers = [(s.name, *s.request("POST", "/graphql", body, headers)) for s in [*servers, servers[0]]]
    name0, status0, body0 = answers[0]
    if status0 != 200 or b'"errors"' in body0:
        raise BenchError(f"{what}: {name0} answered {status0}: {body0[:600]!r}")
    parsed = json.loads(body0)
    data = b'{"data":' + json.dumps(parsed["data"], ensure_ascii=False, separators=(",", ":")).encode()
    extra = [key for key in parsed if key != "data"]
    if not body0.startswith(data):
        raise BenchError(f"{what}: {name0}'s answer does not start with its compact `data` member: {body0[:600]!r}")
    for name, status, answer in answers[1:]:
        # The first server again: the same `data` (its extensions may count down); a peer: `data` alone.
        expected = data if name == name0 else data + b"}"
        same = answer.startswith(data) if name == name0 else answer == expected
        if status != 200 or not same:
            raise BenchError(
                f"{what}: {name} does not answer the same bytes as {name0}:\n"
                f"{name0} {status0}: {body0[:2000]!r}\n{name} {status}: {answer[:2000]!r}\n"
                f"first difference at byte {_first_difference(expected, answer)}"
            )
    return extra


def _first_difference(a: bytes, b: bytes) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def graphql(server: BenchServer, body: bytes, token: str | None = None) -> dict[str, object]:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    status, answer = server.request("POST", "/graphql", body, headers)
    if status != 200:
        raise BenchError(f"{server.name} answered {status}: {answer[:600]!r}")
    found: dict[str, object] = json.loads(answer)
    return found


# --- sign-in with the cores busy ----------------------------------------------------------------------


@dataclass
class SignIns:
    idle: list[list[float]] = field(default_factory=list)  # per round, each sign-in's seconds
    busy: list[list[float]] = field(default_factory=list)
    load_before: float = 0.0
    load_after: float = 0.0
    other_cores: float = 0.0  # other processes' CPU use during the part, busy loops excepted


BUSY_LOOP = "import signal, sys\nsignal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\nwhile True:\n    pass\n"


def sign_ins(server: BenchServer, email: str, password: str, plan: Plan, cores: int) -> SignIns:
    """Sign-in time, alone and while `cores` busy-loop processes (plain priority) keep every core busy."""
    found = SignIns(load_before=load1())
    other = OtherLoad(server.pid)
    tries = 2 if plan.quick else 4
    body = documents.login_body(email, password)
    _sign_in(server, body)  # warm-up
    for n in range(plan.rounds):
        found.idle.append([_sign_in(server, body) for _ in range(tries)])
        loops = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(cores)]
        try:
            time.sleep(1.0)  # let the scheduler see them as CPU-bound
            found.busy.append([_sign_in(server, body) for _ in range(tries)])
        finally:
            for loop in loops:
                loop.terminate()
            for loop in loops:
                loop.wait(10)
        log(
            f"sign-in round {n + 1}/{plan.rounds}: idle {statistics.median(found.idle[-1]) * 1000:.0f} ms, "
            f"busy {statistics.median(found.busy[-1]) * 1000:.0f} ms"
        )
    found.load_after = load1()
    found.other_cores = other.cores()
    return found


def _sign_in(server: BenchServer, body: bytes) -> float:
    started = time.perf_counter()
    status, answer = server.request("POST", "/graphql", body, {"content-type": "application/json"})
    took = time.perf_counter() - started
    token = json.loads(answer)["data"]["login"].get("token") if status == 200 else None
    if not token:
        raise BenchError(f"a sign-in failed: {status} {answer[:400]!r}")
    return took
