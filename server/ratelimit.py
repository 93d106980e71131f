"""Rate limits on /graphql: each operation's cost (schema.cost) is charged to the caller's budget
(domain.rate) after the document is validated and the caller known, before anything executes.

`RateLimiter.extension` does the charging inside Strawberry; `RateLimiter.wrap` puts the
RateLimit-* headers on every /graphql response, including those refused before any GraphQL ran
(bad JSON, GET mutations), and adds `extensions.cost` to those.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from domain.deps import Deps
from domain.limits import Limit
from domain.rate import Budgets, RatePolicy, Verdict
from resolvers.context import Caller, Context, Credentials, authenticate
from schema.cost import operation_cost
from server import jsonwire
from server.settings import Settings
from server.transport import credentials

RATE_LIMITED = "RATE_LIMITED"


log = logging.getLogger("tenantry")


@dataclass
class Charge:
    """One request's verdict, once known."""

    verdict: Verdict | None = None


_current: ContextVar[Charge | None] = ContextVar("rate_charge", default=None)
CHARGE_KEY = "tenantry.charge"  # the Charge of a request the express lane (server.lane) handed over


def current_charge() -> Charge | None:
    """This request's charge (None outside /graphql): the fast path (server.compiled) charges it."""
    return _current.get()


@contextmanager
def charging(charge: Charge) -> Iterator[None]:
    """`charge` is the current request's while the block runs."""
    reset = _current.set(charge)
    try:
        yield
    finally:
        _current.reset(reset)


class RateLimiter:
    """Budgets per credential and per anonymous client, from the settings."""

    # What a browser page on an allowed origin may read of a response (CORS).
    HEADERS = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "retry-after")

    def __init__(self, deps: Deps, policy: RatePolicy, allowed_origins: tuple[str, ...]) -> None:
        self.deps = deps
        self.policy = policy
        self.allowed_origins = allowed_origins
        self.budgets = Budgets(deps.pending_counts)

    @classmethod
    def build(cls, settings: Settings, deps: Deps) -> RateLimiter:
        window = timedelta(seconds=settings.rate_limit_window)
        policy = RatePolicy(
            signed_in=Limit("rate:credential", settings.rate_limit_points, window),
            anonymous=Limit("rate:anonymous", settings.rate_limit_anonymous_points, window),
        )
        return cls(deps, policy, settings.allowed_origins)

    def extension(self) -> SchemaExtension:
        """The Strawberry extension that charges each operation (a factory, one per operation)."""
        return ChargeCost(self)

    def wrap(self, app: ASGIApp) -> ASGIApp:
        return _Headers(app, self)

    async def charge(self, credential_key: str | None, ip: str | None, cost: int) -> Verdict:
        """Charge `cost` (0: only look) to the caller's budget; reads the shared count when stale."""
        limit, key = self.policy.budget(credential_key, ip)
        now = self.deps.clock()
        verdict = self.budgets.charge(limit, key, cost, now)
        if verdict is None:
            try:
                await run_in_threadpool(self.budgets.read, self.deps.uow, limit, key, now)
            except Exception:
                # The database is down for a moment: charge what this process knows rather than
                # fail the request here; the request's own reads fail (masked) if it stays down.
                log.exception("reading a rate-limit budget failed; charged from this process's count")
            verdict = self.budgets.charge(limit, key, cost, now, fresh=True)
            assert verdict is not None
        return verdict

    async def charge_context(self, context: Context, cost: int) -> Verdict:
        try:
            found = await context.auth()
        except Exception:
            # A look-up that failed (a database fault): the address's budget pays, and the fields
            # that need the caller meet the same failure in their resolvers, masked and logged.
            found = None
        return await self.charge(budget_key(context.credentials, found), context.client_ip, cost)

    async def look(self, request: Request) -> Verdict:
        """The budget of a request no GraphQL ran for (refused as malformed): charged nothing."""
        given = credentials(request, self.allowed_origins)
        ip = request.client.host if request.client else None
        return await self.charge(budget_key(given, await authenticate(self.deps, given, ip)), ip, 0)


def budget_key(given: Credentials, found: Caller | None) -> str | None:
    """The credential's budget; a cookie sent from elsewhere than an allowed origin (a page on another
    site riding on the browser's cookie) spends a budget of its own, so it cannot spend the panel's."""
    if found is None:
        return None
    if given.via_cookie and not given.cookie_may_write:
        return f"{found.credential_key}:elsewhere"
    return found.credential_key


def refusal(verdict: Verdict) -> GraphQLError:
    if verdict.requested > verdict.limit:
        message = (
            f"This operation costs {verdict.requested} points, more than the whole budget of "
            f"{verdict.limit}; ask for smaller pages."
        )
    else:
        message = (
            f"This operation costs {verdict.requested} points and {verdict.remaining} are left; "
            f"the budget of {verdict.limit} is whole again in {verdict.reset_seconds} s."
        )
    return GraphQLError(message, extensions={"code": RATE_LIMITED, "retryAfterSeconds": verdict.reset_seconds})


class ChargeCost(SchemaExtension):
    """Charges the operation's cost once it is valid and before it runs; over budget, the operation
    does not run and the answer is 429 with a RATE_LIMITED error. Adds `extensions.cost`."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def on_execute(self) -> AsyncIterator[None]:
        charge = _current.get()
        context = self.execution_context.context
        if charge is not None and isinstance(context, Context):
            # Charged already when the fast path (server.compiled) handed the request over.
            verdict = charge.verdict
            if verdict is None:
                charge.verdict = verdict = await self.limiter.charge_context(context, self._cost())
            if not verdict.allowed:
                self.execution_context.result = GraphQLExecutionResult(data=None, errors=[refusal(verdict)])
                context.response.status_code = 429
        yield

    def _cost(self) -> int:
        ec = self.execution_context
        if ec.graphql_document is None:
            return 0
        found = operation_cost(ec.schema._schema, ec.query or "", ec.graphql_document, ec.operation_name)
        return found.of(ec.variables) if found else 0

    async def get_results(self) -> dict[str, Any]:
        charge = _current.get()
        context = self.execution_context.context
        if charge is None or not isinstance(context, Context):
            return {}
        if charge.verdict is None:  # refused before execution (parse or validation errors): free
            charge.verdict = await self.limiter.charge_context(context, 0)
        return {"cost": cost_of(charge.verdict)}


def cost_of(verdict: Verdict) -> dict[str, int]:
    return {"requested": verdict.requested, "remaining": verdict.remaining}


class _Headers:
    """RateLimit-* headers (and Retry-After when refused) on every response of the wrapped app."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        charge = scope.pop(CHARGE_KEY, None) or Charge()
        reset = _current.set(charge)
        held: list[Message] = []

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                if charge.verdict is None:  # no GraphQL ran: a malformed request, or the GraphiQL page
                    charge.verdict = await self.limiter.look(Request(scope))
                    if _is_json(message):
                        held.append(message)  # its body gets extensions.cost
                        return
                add_headers(message, charge.verdict)
            elif held:
                held.append(message)
                if message.get("more_body"):
                    return
                assert charge.verdict is not None
                start, body = held[0], b"".join(m.get("body", b"") for m in held[1:])
                body = _with_cost(body, charge.verdict)
                headers = MutableHeaders(scope=start)
                headers["content-length"] = str(len(body))
                add_headers(start, charge.verdict)
                await send(start)
                message = {"type": "http.response.body", "body": body}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            _current.reset(reset)


_BUDGET = frozenset({b"ratelimit-limit", b"ratelimit-remaining", b"ratelimit-reset"})
_REFUSED = _BUDGET | {b"retry-after"}


def add_headers(message: Message, verdict: Verdict) -> None:
    """The RateLimit-* headers (and Retry-After when refused), in place of any the message has."""
    reset = str(verdict.reset_seconds).encode()
    ours = [
        (b"ratelimit-limit", str(verdict.limit).encode()),
        (b"ratelimit-remaining", str(verdict.remaining).encode()),
        (b"ratelimit-reset", reset),
    ]
    replaced = _BUDGET
    if not verdict.allowed:
        ours.append((b"retry-after", reset))
        replaced = _REFUSED
    headers = message.get("headers") or []
    if any(name.lower() in replaced for name, _ in headers):
        headers = [(name, value) for name, value in headers if name.lower() not in replaced]
    message["headers"] = [*headers, *ours]


def _is_json(message: Message) -> bool:
    return any(k == b"content-type" and v.startswith(b"application/json") for k, v in message.get("headers", []))


def _with_cost(body: bytes, verdict: Verdict) -> bytes:
    try:
        decoded = json.loads(body)
    except ValueError:
        return body
    if not isinstance(decoded, dict) or "cost" in (decoded.get("extensions") or {}):
        return body  # a stored answer replayed as it was first sent (Idempotency-Key)
    decoded.setdefault("extensions", {})["cost"] = cost_of(verdict)
    return jsonwire.dumps(decoded)
