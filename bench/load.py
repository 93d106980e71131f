"""Load generator: keep-alive HTTP/1.1 over raw asyncio sockets, to 127.0.0.1 only.

Run as `python bench/load.py '<spec as JSON>'`; prints one JSON result (with every latency, in seconds)
on stdout. Two modes:

- closed: `concurrency` connections, each sending its next request as soon as the answer came,
  for at most `seconds` and `max_requests` (after `warmup` seconds that are not counted);
- open: requests start on a fixed schedule (`rate` per second) whatever the answers, as a flood
  of sign-ins would, over at most `max_connections` connections; each answer is classified.

With `server_pid`, the closed loop also reads the server's CPU time over the measured window.
Self-contained (stdlib, psutil, uvloop if present) so that it starts fast and stays light.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import psutil

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 10.0


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), REQUEST_TIMEOUT)
        return cls(reader, writer)

    async def exchange(self, raw: bytes) -> tuple[int, bytes]:
        """Send one request and read its whole answer (uvicorn always sends content-length here)."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def encode(spec: dict[str, Any], port: int) -> bytes:
    body: bytes = spec.get("body", "").encode()
    headers = {"host": f"{HOST}:{port}", "content-type": "application/json", **spec.get("headers", {})}
    headers["content-length"] = str(len(body))
    lines = [f"{spec.get('method', 'POST')} {spec['path']} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return math.nan
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))]


def latency_summary(latencies: list[float]) -> dict[str, float]:
    """Milliseconds: mean, p50, p99, max."""
    values = sorted(latencies)
    mean = sum(values) / len(values) if values else math.nan
    return {
        "mean_ms": mean * 1000,
        "p50_ms": percentile(values, 0.50) * 1000,
        "p99_ms": percentile(values, 0.99) * 1000,
        "max_ms": (values[-1] if values else math.nan) * 1000,
    }


def _server_cpu(pid: int | None) -> float:
    if pid is None:
        return math.nan
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


async def closed_loop(spec: dict[str, Any]) -> dict[str, Any]:
    port, pid, warmup = spec["port"], spec.get("server_pid"), spec.get("warmup", 0.0)
    raws = [encode(r, port) for r in spec["requests"]]
    conns = [await Connection.open(port) for _ in range(spec["concurrency"])]
    latencies: list[float] = []
    answers: Counter[str] = Counter()
    start = time.perf_counter() + warmup
    end = start + spec["seconds"]

    async def worker(conn: Connection, i: int) -> None:
        while time.perf_counter() < end and len(latencies) < spec["max_requests"]:
            started = time.perf_counter()
            status, body = await conn.exchange(raws[i % len(raws)])
            if started >= start:
                latencies.append(time.perf_counter() - started)
                answers[f"{status}:{len(body)}"] += 1
            i += 1

    cpu_at_start: list[float] = []
    asyncio.get_running_loop().call_later(warmup, lambda: cpu_at_start.append(_server_cpu(pid)))
    await asyncio.wait_for(asyncio.gather(*(worker(c, n) for n, c in enumerate(conns))), end - start + warmup + 10)
    elapsed = time.perf_counter() - start
    cpu = _server_cpu(pid) - (cpu_at_start[0] if cpu_at_start else math.nan)
    for conn in conns:
        conn.close()
    return {
        "requests": len(latencies),
        "elapsed_s": elapsed,
        "server_cpu_s": cpu,
        "answers": dict(answers),
        "latencies": [round(v, 7) for v in latencies],
    }


class OpenLoop:
    """Requests due every 1/rate seconds, each on an idle connection (a new one when none is idle)."""

    def __init__(self, spec: dict[str, Any], classify: Callable[[int, bytes], str]) -> None:
        self.spec = spec
        self.classify = classify
        self.raws = [encode(request, spec["port"]) for request in spec["requests"]]
        self.idle: list[Connection] = []
        self.opened = self.skipped = 0
        self.samples: dict[str, list[float]] = {}

    async def run(self) -> dict[str, Any]:
        rate, in_flight = self.spec["rate"], set()
        while len(self.idle) < min(self.spec.get("preopen", 8), self.spec["max_connections"]):
            self.idle.append(await self._connect())
        start = time.perf_counter()
        total = min(self.spec["max_requests"], int(rate * self.spec["seconds"]))
        for n in range(total):
            due = start + n / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            conn = self.idle.pop() if self.idle else await self._open()
            if conn is None:
                self.skipped += 1  # every connection is busy: the client, not the server, is the limit
                continue
            task = asyncio.create_task(self._fire(conn, due, self.raws[n % len(self.raws)]))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        if in_flight:
            await asyncio.wait(in_flight, timeout=REQUEST_TIMEOUT)
        for conn in self.idle:
            conn.close()
        return {
            "offered": total,
            "elapsed_s": time.perf_counter() - start,
            "skipped": self.skipped,
            "connections": self.opened,
            "latencies": {kind: [round(v, 7) for v in values] for kind, values in self.samples.items()},
        }

    async def _open(self) -> Connection | None:
        return await self._connect() if self.opened < self.spec["max_connections"] else None

    async def _connect(self) -> Connection:
        self.opened += 1
        return await Connection.open(self.spec["port"])

    async def _fire(self, conn: Connection, due: float, raw: bytes) -> None:
        try:
            status, body = await asyncio.wait_for(conn.exchange(raw), REQUEST_TIMEOUT)
        except (TimeoutError, OSError, asyncio.IncompleteReadError):
            self.samples.setdefault("client_error", []).append(time.perf_counter() - due)
            conn.close()
            return
        self.samples.setdefault(self.classify(status, body), []).append(time.perf_counter() - due)
        self.idle.append(conn)


def classify_login(status: int, body: bytes) -> str:
    """ok, refused_busy (every hashing slot taken), refused_limit (attempt counter), invalid, other."""
    if status != 200:
        return f"http_{status}"
    try:
        login = json.loads(body)["data"]["login"]
    except (ValueError, KeyError, TypeError):
        return "other"
    if login.get("token"):
        return "ok"
    errors = login.get("errors") or [{}]
    code, message = errors[0].get("code"), errors[0].get("message", "")
    if code == "TOO_MANY_ATTEMPTS":
        return "refused_busy" if "right now" in message else "refused_limit"  # BUSY_MESSAGE says "right now"
    return "invalid" if code == "INVALID_CREDENTIALS" else "other"


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    if spec["mode"] == "closed":
        return await closed_loop(spec)
    return await OpenLoop(spec, classify_login).run()


def main() -> None:
    with open(sys.argv[1]) as spec_file:  # written by bench/harness.py LoadRun
        spec = json.load(spec_file)
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(run(spec))
    else:
        result = uvloop.run(run(spec))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
