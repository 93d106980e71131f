"""One measured window: wrk against one server, with the server's CPU and the machine's other load.

Server CPU is read from /proc/<pid>/stat (utime + stime, the process and its children, so uvicorn's
workers count) before and after. The machine's busy time comes from /proc/stat; what neither the
server nor wrk used in the window is "other load", in cores: other processes competing for the CPU.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench.harness import BENCH, BenchError

TICK = os.sysconf("SC_CLK_TCK")
WRK_DIR = BENCH / "wrk"


def named_cpu(prefix: str) -> float:
    """CPU seconds (user + system) of every live process whose name starts with `prefix` (e.g. the
    PostgreSQL server's processes, which serve the requests of the postgres part's windows)."""
    total = 0.0
    for process in psutil.process_iter(["name"]):
        if (process.info["name"] or "").startswith(prefix):
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
    return total


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of `pid` and every live descendant."""
    total = 0.0
    try:
        pids = [pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))]
    except psutil.NoSuchProcess:
        return 0.0
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14 and 15)
    return total


def process_rss(pid: int) -> int:
    """Resident bytes of `pid` and its descendants."""
    try:
        root = psutil.Process(pid)
        return sum(int(p.memory_info().rss) for p in [root, *root.children(recursive=True)])
    except psutil.NoSuchProcess:
        return 0


def busy_seconds() -> float:
    """CPU seconds every core spent not idle since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICK


def load1() -> float:
    return os.getloadavg()[0]


@dataclass(frozen=True)
class Window:
    """What one wrk run measured."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    server_cpu_s: float
    client_cpu_s: float
    other_cores: float  # CPU used by neither the server nor wrk during the window, in cores
    load_before: float
    load_after: float
    failed: int  # socket errors, non-2xx answers, and (for writes) answers without a new version
    errors: str = ""  # wrk's error counts, when any

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.server_cpu_s / self.requests * 1000 if self.requests else float("nan")


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise BenchError("wrk is not installed (`apt-get install wrk`; `make bench` does it when it can)")
    return found


def run_wrk(
    port: int,
    server_pid: int,
    seconds: float,
    connections: int,
    script_args: list[str],
    script: str = "post.lua",
    env: dict[str, str] | None = None,
    threads: int | None = None,
    serving: Callable[[], float] | None = None,
) -> Window:
    """wrk for `seconds` with `connections` keep-alive connections (closed loop) on /graphql.
    `serving`: the CPU seconds so far of other processes that serve the requests (the database
    server), counted neither as the server's CPU nor as other load."""
    threads = threads or min(connections, 2)
    command = [
        wrk_path(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_DIR / script),
        f"http://127.0.0.1:{port}/graphql",
        "--",
        *script_args,
    ]
    load_before, cpu_before, busy_before = load1(), process_cpu(server_pid), busy_seconds()
    children_before, serving_before = _children_cpu(), serving() if serving else 0.0
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}
    )
    try:
        out, err = process.communicate(timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise BenchError(f"wrk ran past {seconds + 60:.0f}s") from None
    elapsed = time.perf_counter() - started
    cpu_after, busy_after = process_cpu(server_pid), busy_seconds()
    serving_cpu = (serving() if serving else 0.0) - serving_before
    # communicate() has reaped wrk: its CPU is the growth of this process's reaped children's times.
    server_cpu = cpu_after - cpu_before
    client_cpu = _children_cpu() - children_before
    lines = [line for line in out.decode().splitlines() if line.startswith("WRK_JSON ")]
    if process.returncode != 0 or not lines:
        raise BenchError(f"wrk failed ({process.returncode}): {err.decode(errors='replace')[-2000:]}{out[-2000:]!r}")
    found = json.loads(lines[-1].removeprefix("WRK_JSON "))
    errors = found["errors"]
    failures = [
        line.removeprefix("WRK_FAILURE ") for line in out.decode().splitlines() if line.startswith("WRK_FAILURE ")
    ]
    latency = found["latency_us"]
    other = (busy_after - busy_before - server_cpu - client_cpu - serving_cpu) / elapsed
    return Window(
        requests=found["requests"],
        seconds=found["duration_us"] / 1e6,
        p50_ms=latency["p50"] / 1000,
        p99_ms=latency["p99"] / 1000,
        mean_ms=latency["mean"] / 1000,
        server_cpu_s=server_cpu,
        client_cpu_s=client_cpu,
        other_cores=max(0.0, other),
        load_before=load_before,
        load_after=load1(),
        failed=sum(errors.values()) + found.get("failed", 0),
        errors=", ".join(f"{k} {v}" for k, v in {**errors, "failed": found.get("failed", 0)}.items() if v)
        + "".join(f"; first failure: {f}" for f in failures[:1]),
    )


def _children_cpu() -> float:
    usage = os.times()
    return usage.children_user + usage.children_system


class OtherLoad:
    """Cores used by other processes while a part runs: the machine's busy time minus this process,
    its reaped children (load clients, busy loops) and the given servers."""

    def __init__(self, *server_pids: int) -> None:
        self.pids = server_pids
        self.started = time.perf_counter()
        self.busy = busy_seconds()
        self.ours = self._ours()

    def _ours(self) -> float:
        usage = os.times()
        own = usage.user + usage.system + usage.children_user + usage.children_system
        return own + sum(process_cpu(pid) for pid in self.pids)

    def cores(self) -> float:
        elapsed = time.perf_counter() - self.started
        other = busy_seconds() - self.busy - (self._ours() - self.ours)
        return max(0.0, other / elapsed) if elapsed > 0 else 0.0
