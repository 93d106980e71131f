"""Processes of the bench: the servers under test and the load clients, all on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psutil

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
HOST = "127.0.0.1"
START_TIMEOUT = 60.0
# Loopback only: never let an http_proxy variable route the bench's own calls elsewhere.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class BenchError(Exception):
    """The bench itself could not run (not a missed target)."""


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class BenchServer:
    """A server under test in its own process group: by default `python bench/server.py` (Tenantry with
    the bench's statement counter), or any `command` with "{port}" where its port goes."""

    def __init__(
        self, name: str, env: dict[str, str], log_path: Path, command: list[str] | None = None, cwd: Path = ROOT
    ) -> None:
        self.name = name
        self.env = env
        self.log_path = log_path
        self.port = free_port()
        self.command = command or [sys.executable, str(BENCH / "server.py"), "--port", "{port}"]
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> BenchServer:
        command = [part.replace("{port}", str(self.port)) for part in self.command]
        with self.log_path.open("wb") as out:
            self.process = subprocess.Popen(
                command, env=self.env, cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"server {self.name} exited at start-up:\n{self.log_tail()}")
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        raise BenchError(f"server {self.name} did not answer within {START_TIMEOUT:.0f}s:\n{self.log_tail()}")

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        url = f"http://{HOST}:{self.port}{path}"
        req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        try:
            with _OPENER.open(req, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def stats(self) -> dict[str, Any]:
        status, body = self.request("GET", "/bench/stats")
        if status != 200:
            raise BenchError(f"GET /bench/stats on {self.name} answered {status}")
        found: dict[str, Any] = json.loads(body)
        return found

    def reset(self) -> None:
        status, _ = self.request("POST", "/bench/reset", b"")
        if status != 200:
            raise BenchError(f"POST /bench/reset on {self.name} answered {status}")

    def rss(self) -> int:
        """Resident bytes of the server and its worker processes."""
        root = psutil.Process(self.pid)
        return sum(int(p.memory_info().rss) for p in [root, *root.children(recursive=True)])

    def __enter__(self) -> BenchServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own group: uvicorn's workers go too
            self.process.wait(timeout=5)


class LoadRun:
    """One `python bench/load.py` process; `result()` waits for it within its time budget."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.budget = spec.get("warmup", 0.0) + spec["seconds"] + 30.0
        # The spec goes by a file: a flood's many distinct requests are too long for a command line.
        self.spec_file = tempfile.NamedTemporaryFile("w", suffix=".json", prefix="tenantry-load-")  # noqa: SIM115
        json.dump(spec, self.spec_file)
        self.spec_file.flush()
        self.process = subprocess.Popen(
            [sys.executable, str(BENCH / "load.py"), self.spec_file.name],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()

    def result(self) -> dict[str, Any]:
        try:
            out, err = self.process.communicate(timeout=self.budget)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise BenchError(f"a load client ran past its budget of {self.budget:.0f}s") from None
        if self.process.returncode != 0:
            raise BenchError(f"a load client failed:\n{err.decode(errors='replace')[-3000:]}")
        found: dict[str, Any] = json.loads(out)
        return found
