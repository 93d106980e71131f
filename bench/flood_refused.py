"""`me` p99 alone and under a flood that is refused at once, every request of it: how much of issue
10's p99 rise is the event loop answering refusals at all, with no hash and no worker thread.

Standalone: `python bench/flood_refused.py [--pairs 6] [--rate 70]`. A server as the flood part
runs it (bench/server.py), but at bcrypt cost 4, so that the 20 flood addresses can spend their
sign-in limits first (100 attempts each). Then, in alternating order, `me` (wrk, c=2) for 4 s alone and
under the flood of wrong passwords from those addresses, each answered TOO_MANY_ATTEMPTS before any
work. Prints each run's p99 (and inside the app) and the median rise over the pairs.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/flood_refused.py`: the repository root goes first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import statistics
import tempfile
from contextlib import nullcontext
from typing import Any

from bench import flood
from bench.harness import LoadRun
from bench.run import Bench, parse_args, plan_of


def _spend(port: int, pid: int, attack: list[dict[str, Any]]) -> dict[str, int]:
    """Every flood address past its limit: 110 wrong passwords each."""
    spec = {
        "mode": "closed",
        "port": port,
        "server_pid": pid,
        "concurrency": 4,
        "seconds": 120,
        "warmup": 0,
        "max_requests": flood.ATTACKERS * 110,
        "requests": attack,
    }
    answers: dict[str, int] = LoadRun(spec).result()["answers"]
    return answers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--rate", type=float, default=70.0, help="flood requests per second")
    given = parser.parse_args()
    sys.argv = sys.argv[:1]  # the bench's own options take their defaults
    args = parse_args()
    plan = flood.FloodPlan(rounds=1, seconds=4.0, seconds_capacity=1.0)
    with tempfile.TemporaryDirectory(prefix="tenantry-flood-refused-") as folder:
        bench = Bench(Path(folder), args, plan_of(args))
        env = bench.env
        bench.env = lambda url, **extra: {**env(url, **extra), "TENANTRY_BCRYPT_ROUNDS": "4"}  # type: ignore[method-assign]
        with bench.stack:
            _, url = bench.sqlite("flood-refused", 1_000)
            (user,) = bench.users(url, [3], rounds=4)
            server = bench.counting("flood-refused", url)
            attack = flood._attack(given.rate)
            print("spending the addresses' limits:", _spend(server.port, server.pid, attack))
            me = flood.me_load(Path(folder), user)
            flood.warm(server, me, plan)
            alone: list[float] = []
            refused: list[float] = []
            for n in range(given.pairs):
                for flooded in (False, True) if n % 2 == 0 else (True, False):
                    with flood.under_flood(server, given.rate, plan.seconds) if flooded else nullcontext() as signing:
                        window, inside = flood.measure_me(server, me, plan.seconds, plan)
                        kinds = ""
                        if signing is not None:
                            kinds = str({k: len(v) for k, v in signing.result()["latencies"].items()})
                    (refused if flooded else alone).append(window.p99_ms)
                    what = "flooded" if flooded else "alone  "
                    print(
                        f"{what} p99 {window.p99_ms:.2f} ms (inside the app {inside['p99_ms']:.2f} ms), "
                        f"{window.requests} `me` {kinds}"
                    )
    rises = [b / a - 1 for a, b in zip(alone, refused, strict=True)]
    print("p99 rise per pair: " + ", ".join(f"{r:+.0%}" for r in rises))
    print(f"median rise: {statistics.median(rises):+.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
