"""The product app under uvicorn (one worker, loopback), plus routes that exist only in the bench.

- GET/POST /bench/raw-me: the `me` answer written by hand in plain Starlette, through the same
  domain calls (authenticate, contacts_for_accounts), byte for byte the JSON GraphQL returns.
- GET /bench/stats: SQL statements per request (by path), strawberry's parse and validation
  cache counters, and this process's RSS. POST /bench/reset clears the statement counts.

Settings come from TENANTRY_* variables, as for `tenantry serve`.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/server.py`: the repository root goes first, so `server` is the product package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import contextvars
import json
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

import psutil
import uvicorn
from sqlalchemy import event
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from domain.entities import Account, ContactEmail, ContactRole, User
from domain.services import contacts as contacts_service
from domain.services import sessions
from schema.ids import to_global_id
from schema.schema import CACHE_SIZE
from server.app import Runtime, create_app
from server.logs import configure
from server.settings import load_settings
from server.transport import credentials

_ROLE_ORDER = {ContactRole.BILLING: 0, ContactRole.TECH: 1, ContactRole.DPO: 2}
# The verbs of the statements the current request ran; a list shared with its worker threads.
_statements: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("bench_statements", default=None)


class StatementCounter:
    """Outermost ASGI layer: gives each request a fresh statement list and files it by path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.by_path: defaultdict[str, Counter[str]] = defaultdict(Counter)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/bench/stats"):
            await self.app(scope, receive, send)
            return
        seen: list[str] = []
        token = _statements.set(seen)
        try:
            await self.app(scope, receive, send)
        finally:
            _statements.reset(token)
            self.by_path[scope["path"]][" ".join(seen)] += 1

    def on_execute(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen = _statements.get()
        if seen is not None:
            seen.append(statement.split(None, 1)[0].upper())


def render_me(user: User, account: Account, contacts: list[ContactEmail]) -> dict[str, Any]:
    """The `me` object of bench/documents.ME, field for field, in the document's order."""
    p, info = user.profile, account.customer_info
    address = info.address
    return {
        "id": to_global_id("User", user.id),
        "email": user.email,
        "role": user.role.value,
        "profile": {
            "firstName": p.first_name,
            "lastName": p.last_name,
            "phone": p.phone,
            "pendingEmail": p.pending_email,
            "location": {"country": p.location.country, "city": p.location.city} if p.location else None,
            "language": p.language,
            "timezone": p.timezone,
            "jobTitle": p.job_title,
            "version": p.version,
            "updatedAt": _iso(p.updated_at),
        },
        "account": {
            "id": to_global_id("Account", account.id),
            "kind": account.kind.value,
            "organizationNumber": account.organization_number,
            "personalNumber": account.personal_number,
            "country": account.country,
            "customerInfo": {
                "companyName": info.company_name,
                "contactPerson": info.contact_person,
                "address": None
                if address is None
                else {
                    "line1": address.line1,
                    "line2": address.line2,
                    "postalCode": address.postal_code,
                    "city": address.city,
                    "region": address.region,
                    "country": address.country,
                },
                "purchaseOrderNumber": info.purchase_order_number,
                "version": info.version,
                "updatedAt": _iso(info.updated_at),
            },
            "contacts": [_contact(c) for c in contacts],
        },
    }


def _contact(c: ContactEmail) -> dict[str, Any]:
    return {
        "id": to_global_id("ContactEmail", c.id),
        "email": c.email,
        "verified": c.verified,
        "verifiedAt": _iso(c.verified_at),
        "roles": [r.value for r in sorted(c.roles, key=_ROLE_ORDER.__getitem__)],
        "createdAt": _iso(c.created_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def bench_routes(runtime: Runtime, counter: StatementCounter) -> list[Route]:
    deps, origins = runtime.deps, runtime.settings.allowed_origins

    async def raw_me(request: Request) -> Response:
        await request.body()  # read the same body the GraphQL request carries
        token = credentials(request, origins).token
        found = await run_in_threadpool(sessions.authenticate, deps, token) if token else None
        me = None
        if found is not None:
            contacts = await run_in_threadpool(contacts_service.contacts_for_accounts, deps, [found.account.id])
            me = render_me(found.user, found.account, contacts[found.account.id])
        # Encoded as GraphQLView.encode_json does: compact, UTF-8, non-ASCII kept as is.
        body = json.dumps({"data": {"me": me}}, ensure_ascii=False, separators=(",", ":")).encode()
        return Response(body, media_type="application/json")

    async def stats(_: Request) -> Response:
        process = psutil.Process()
        return JSONResponse(
            {
                "statements": {path: dict(counts) for path, counts in counter.by_path.items()},
                "parse_cache": _get_parse_cache(CACHE_SIZE).cache_info()._asdict(),
                "validation_cache": _get_validate_cache(CACHE_SIZE).cache_info()._asdict(),
                "rss_bytes": process.memory_info().rss,
                "threads": process.num_threads(),
            }
        )

    async def reset(_: Request) -> Response:
        counter.by_path.clear()
        return JSONResponse({"ok": True})

    return [
        Route("/bench/raw-me", raw_me, methods=["GET", "POST"]),
        Route("/bench/stats", stats),
        Route("/bench/reset", reset, methods=["POST"]),
    ]


def build() -> ASGIApp:
    settings = load_settings()
    configure(settings.log_level)
    runtime = Runtime.build(settings)
    app: Starlette = create_app(settings, runtime=runtime)
    counter = StatementCounter(app)
    event.listen(runtime.engine, "before_cursor_execute", counter.on_execute)
    app.router.routes[:0] = bench_routes(runtime, counter)
    return counter


def main() -> None:
    parser = argparse.ArgumentParser(description="Tenantry under uvicorn with bench-only routes.")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(build(), host="127.0.0.1", port=args.port, workers=1, access_log=False, log_config=None)


if __name__ == "__main__":
    main()
