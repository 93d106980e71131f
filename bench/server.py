"""Tenantry under uvicorn (one worker, loopback) with the bench's SQL statement counter.

- Every cursor execution a request causes (SQLAlchemy `before_cursor_execute`, BEGIN included) is
  filed under the request's path, as the sequence of statement verbs it ran.
- Every request that carries an Authorization header (the measured `me` load, not sign-ins) is timed
  from the outermost layer's call to its return: the time inside the app, without the kernel, the
  client, or the wait for the event loop before uvicorn hands the request over.
- GET /bench/stats: those counts and the timings' percentiles; POST /bench/reset clears them.

The comparisons with the floor and the Node peer run `tenantry serve` itself; this server is for the
parts that compare Tenantry with itself (scaling, flood). Settings come from TENANTRY_* variables.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/server.py`: the repository root goes first, so `server` is the product package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import contextvars
import time
from collections import Counter, defaultdict
from typing import Any

import uvicorn
from sqlalchemy import event
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bench.load import percentile
from server.app import Runtime, create_app
from server.logs import configure
from server.settings import load_settings

# The verbs of the statements the current request ran; a list shared with its worker threads.
_statements: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("bench_statements", default=None)


class StatementCounter:
    """Outermost ASGI layer: gives each request a fresh statement list and files it by path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.by_path: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.inside: list[float] = []  # seconds in the app of each request with an Authorization header

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/bench/"):
            await self.app(scope, receive, send)
            return
        seen: list[str] = []
        token = _statements.set(seen)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            if any(name == b"authorization" for name, _ in scope["headers"]):
                self.inside.append(time.perf_counter() - started)
            _statements.reset(token)
            self.by_path[scope["path"]][" ".join(seen)] += 1

    def inside_ms(self) -> dict[str, float | int]:
        """Count, p50 and p99 in milliseconds of the timed requests since the last reset."""
        times = sorted(self.inside)
        if not times:
            return {"count": 0}
        return {"count": len(times), "p50_ms": percentile(times, 0.50) * 1000, "p99_ms": percentile(times, 0.99) * 1000}

    def on_execute(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen = _statements.get()
        if seen is not None:
            seen.append(statement.split(None, 1)[0].upper())


def bench_routes(counter: StatementCounter) -> list[Route]:
    async def stats(_: Request) -> Response:
        statements = {path: dict(counts) for path, counts in counter.by_path.items()}
        return JSONResponse({"statements": statements, "inside": counter.inside_ms()})

    async def reset(_: Request) -> Response:
        counter.by_path.clear()
        counter.inside.clear()
        return JSONResponse({"ok": True})

    return [Route("/bench/stats", stats), Route("/bench/reset", reset, methods=["POST"])]


def build() -> ASGIApp:
    settings = load_settings()
    configure(settings.log_level)
    runtime = Runtime.build(settings)
    app: Starlette = create_app(settings, runtime=runtime)
    counter = StatementCounter(app)
    for engine in runtime.engines:
        event.listen(engine, "before_cursor_execute", counter.on_execute)
    app.router.routes[:0] = bench_routes(counter)
    return counter


def main() -> None:
    parser = argparse.ArgumentParser(description="Tenantry under uvicorn with the bench's statement counter.")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        build(),
        host="127.0.0.1",
        port=args.port,
        workers=1,
        access_log=False,
        log_config=None,
        proxy_headers=True,
        http="server.wire:HttpToolsProtocol",
    )


if __name__ == "__main__":
    main()
