"""The test support's own promises: a server that never comes up fails the test with its output."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support import wait_until_ready


def _spawn(code: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen([sys.executable, "-c", code], stdout=sink, stderr=sink)


def _unused_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_a_server_that_exits_fails_at_once_with_its_output(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    proc = _spawn("import sys; print('cannot bind: address in use', flush=True); sys.exit(3)", log)
    started = time.monotonic()
    with pytest.raises(pytest.fail.Exception, match=r"(?s)exited with code 3.*cannot bind: address in use"):
        wait_until_ready(_unused_url(), proc, log, timeout=60)
    assert time.monotonic() - started < 30


def test_a_server_that_never_answers_fails_after_the_deadline_with_its_output(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    proc = _spawn("import time; print('still importing', flush=True); time.sleep(60)", log)
    try:
        deadline = time.monotonic() + 30
        while not log.read_text() and time.monotonic() < deadline:  # it has started and said so
            time.sleep(0.05)
        with pytest.raises(pytest.fail.Exception, match=r"(?s)not ready after 1 s.*still importing"):
            wait_until_ready(_unused_url(), proc, log, timeout=1)
    finally:
        proc.kill()
        proc.wait()
