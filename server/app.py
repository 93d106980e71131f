"""Composition root: settings -> engine, keyring, hasher, services, schema -> Starlette app."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from sqlalchemy import Engine, text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.types import ExecutionResult

from domain import limits
from domain.deps import AuthPolicy, Deps
from domain.passkeys import RelyingParty
from domain.security import BcryptHasher, Keyring
from domain.services import api_tokens
from persistence import maintenance
from persistence.database import loop_read_engine, loop_reader, make_engine, read_engine
from persistence.migrate import upgrade
from persistence.uow import AwaitedReads, SqlUnitOfWorkFactory
from resolvers.context import Context, Credentials, Loaders
from schema.limits import UNENCODABLE, is_encodable
from schema.schema import build_schema
from server import compiled, graphiql, idempotency, jsonwire
from server.lane import ExpressLane
from server.logs import current_request_id, request_facts
from server.mailer import FileTransport, OutboxWorker, SmtpTransport, Transport
from server.middleware import RequestMiddleware, SecurityHeadersMiddleware
from server.operations import LoggedContext, RecordOperation, note_response
from server.panel import panel_routes
from server.persisted import PersistedQueries, PersistedQueryRefused
from server.ratelimit import RateLimiter
from server.settings import Settings, load_settings
from server.transport import credentials

log = logging.getLogger("tenantry")
MAX_JSON_DEPTH = 64
TOO_DEEP = f"The request's JSON is nested deeper than {MAX_JSON_DEPTH} levels."


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """Everything built once per process from the settings."""

    settings: Settings
    engine: Engine
    keyring: Keyring
    hasher: BcryptHasher
    deps: Deps
    worker: OutboxWorker
    limiter: RateLimiter
    loop_engine: Engine | None = None
    read_engine: Engine | None = None  # PostgreSQL's reads (persistence.database.read_engine)
    loop_reads: AsyncEngine | None = None  # PostgreSQL's reads on the event loop (loop_read_engine)

    @classmethod
    def build(cls, settings: Settings, *, transport: Transport | None = None) -> Runtime:
        engine = make_engine(settings.database_url)
        keyring = Keyring(settings.secret_key)
        hasher = BcryptHasher(settings.bcrypt_rounds, settings.hash_concurrency)
        policy = AuthPolicy(
            absolute_ttl=timedelta(seconds=settings.session_absolute_ttl),
            idle_ttl=timedelta(seconds=settings.session_idle_ttl),
        )
        if transport is None:
            transport = (
                SmtpTransport(settings.smtp_url) if settings.smtp_url else FileTransport(settings.var_dir / "mail")
            )
        worker = OutboxWorker(
            engine,
            keyring,
            transport,
            utc_now,
            mail_from=settings.mail_from,
            poll_seconds=settings.outbox_poll_seconds,
        )
        # Mail queued by a committed transaction wakes the worker at once instead of at its next poll.
        reads = read_engine(settings.database_url)
        uow = SqlUnitOfWorkFactory(
            engine, keyring, utc_now, on_mail_committed=worker.wake, request_id=current_request_id, read_engine=reads
        )
        # SQLite's reads of a request's caller run on the event loop, through a connection of their own.
        loop_engine = loop_reader(settings.database_url)
        loop_uow = (
            SqlUnitOfWorkFactory(loop_engine, keyring, utc_now, keep_connection=True)
            if loop_engine is not None
            else None
        )
        # PostgreSQL's: awaited on the event loop (SQLAlchemy's asyncio bridge, psycopg's async connection).
        awaited = loop_read_engine(settings.database_url)
        rp = RelyingParty(settings.webauthn_rp_id, settings.mfa_issuer, settings.allowed_origins)
        deps = Deps(
            uow,
            hasher,
            keyring,
            utc_now,
            policy,
            settings.mfa_issuer,
            relying_party=rp,
            public_url=settings.public_url,
            loop_uow=loop_uow,
            loop_reads=AwaitedReads(awaited, keyring, utc_now) if awaited is not None else None,
        )
        limiter = RateLimiter.build(settings, deps)
        return cls(settings, engine, keyring, hasher, deps, worker, limiter, loop_engine, reads, awaited)

    @property
    def engines(self) -> list[Engine]:
        """Every engine statements may run on (to count or watch them all)."""
        awaited = self.loop_reads.sync_engine if self.loop_reads is not None else None
        return [self.engine, *(e for e in (self.loop_engine, self.read_engine, awaited) if e is not None)]

    def close(self) -> None:
        self.hasher.close()
        self.engine.dispose()
        if isinstance(self.deps.loop_uow, SqlUnitOfWorkFactory):
            self.deps.loop_uow.close()
        for extra in (self.loop_engine, self.read_engine):
            if extra is not None:
                extra.dispose()
        if self.loop_reads is not None:
            # Its connections close only awaited (aclose); here they are let go, for the collector.
            self.loop_reads.sync_engine.dispose(close=False)

    async def aclose(self) -> None:
        """close(), with the event loop's PostgreSQL connections closed as they must be: awaited."""
        if self.loop_reads is not None:
            await self.loop_reads.dispose()
        self.close()


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        schema = build_schema(
            introspection=settings.introspection, extensions=[RecordOperation, runtime.limiter.extension]
        )
        self.core_schema = schema._schema  # graphql-core's, which the fast path's plans are made for
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=True,
            # Strawberry's own WebSocket Origin check: the same origins the cookie check trusts.
            allowed_origins=settings.allowed_origins,
        )
        self.cookie_origins = settings.allowed_origins
        # In development a refused cookie-borne change says which Origin came and what to set.
        self.explain_refusals = settings.env == "development"
        self.deps = runtime.deps
        self.limiter = runtime.limiter
        self.persisted = PersistedQueries.from_panel(persisted_only=settings.persisted_only)
        self.idempotency = idempotency.Idempotency(runtime.engine, runtime.deps)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        # A mutation with an Idempotency-Key has its context, and so this response, made before it
        # runs; so has a query the fast path handed over (server.compiled).
        early = idempotency.early_context(request) or request.scope.get(compiled.CONTEXT_KEY)
        return early.response if early is not None else await super().get_sub_response(request)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        # Only HTTP comes here: /graphql is an HTTP Route (the schema has no subscriptions).
        assert isinstance(request, Request) and isinstance(response, Response)
        handed_over = request.scope.get(compiled.CONTEXT_KEY)
        if isinstance(handed_over, Context):
            return handed_over
        return self.context_for(request, response)

    async def make_context(self, request: Request, given: Credentials) -> Context:
        """A request's context with its own sub-response (the fast path's)."""
        return self.context_for(request, await super().get_sub_response(request), given)

    def credentials_of(self, request: Request) -> Credentials:
        return credentials(request, self.cookie_origins, explain=self.explain_refusals)

    def context_for(self, request: Request, response: Response, given: Credentials | None = None) -> Context:
        client = request.client.host if request.client else None
        return LoggedContext(
            request=request,
            response=response,
            deps=self.deps,
            credentials=given or self.credentials_of(request),
            client_ip=client,
            user_agent=request.headers.get("user-agent"),
            loaders=Loaders(self.deps),
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql.page(request)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A GET naming its document by hash alone has no `query` but wants the answer, not the page.
        return super().should_render_graphql_ide(request) and "extensions" not in request.query_params

    async def execute_single(  # noqa: PLR0913, PLR0917 (Strawberry's signature)
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        # The document may come by hash, and a cookie may be held to the panel's (server/persisted.py).
        data = self.persisted.resolve(request_data, via_cookie=context.credentials.via_cookie)
        return await super().execute_single(request, request_adapter, sub_response, context, root_value, data)

    def decode_json(self, data: str | bytes) -> object:
        try:
            decoded = json.loads(data)
        except UnicodeDecodeError as error:  # Strawberry turns only JSONDecodeError into a 400
            raise HTTPException(400, "The request body is not valid UTF-8.") from error
        except RecursionError:  # nested past the interpreter's limit (the C decoder checks it)
            raise HTTPException(400, TOO_DEEP) from None
        if not isinstance(decoded, dict):  # batches are off; anything else would be a 500 downstream
            raise HTTPException(400, "The request body must be a JSON object with a `query`.")
        if problem := _json_problem(decoded):
            raise HTTPException(400, problem)
        return decoded

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        note_response(response)
        return response

    def encode_json(self, data: object) -> bytes:
        return jsonwire.dumps(data)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        try:
            await self._answer(scope, receive, send)
        finally:
            # The scope holds the request's context, whose request holds the scope: a cycle the
            # garbage collector would find, with the whole request behind it, some requests later.
            scope.pop(compiled.CONTEXT_KEY, None)
            idempotency.forget_context(scope)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            if idempotency.KEY_HEADER in request.headers:
                response = await self.idempotency.serve(self, request)
            else:
                tried = scope.pop(compiled.TRIED_KEY, False)  # by the express lane (server.lane)
                response = (None if tried else await compiled.serve(self, request)) or await self.run(request)
        except PersistedQueryRefused as error:
            if facts := request_facts.get():
                facts.add_codes([error.code])
            response = error.response()
        except HTTPException as error:
            # Strawberry answers malformed requests in plain text; clients expect GraphQL's shape.
            if facts := request_facts.get():
                facts.add_codes(["BAD_REQUEST"])
            response = JSONResponse(
                {"errors": [{"message": error.reason, "extensions": {"code": "BAD_REQUEST"}}]},
                status_code=error.status_code,
            )
        await response(scope, receive, send)


class App(Starlette):
    """Starlette with the security headers outside everything, its own 500 page included."""

    def __init__(
        self,
        *,
        hsts: bool,
        lane: tuple[GraphQLView, dict[str, Any], dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        self.hsts = hsts
        self.lane = lane  # the view, the request middleware's and the CORS options of the express lane
        super().__init__(**kwargs)

    def build_middleware_stack(self) -> ASGIApp:
        stack = SecurityHeadersMiddleware(super().build_middleware_stack(), hsts=self.hsts)
        if self.lane is None:
            return stack
        view, edge, cors = self.lane
        return ExpressLane.around(stack, view=view, edge=edge, cors=cors)


def home_routes() -> list[BaseRoute]:
    """What `/` serves: for now a redirect to /graphql. The hook for the panel: once its build
    exists (e.g. server/static/panel/index.html), return its routes here instead."""
    return [Route("/", _to_graphql, methods=["GET", "HEAD"])]


async def _to_graphql(request: Request) -> Response:
    return RedirectResponse(request.url_for("graphql_endpoint"), status_code=307)


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Starlette:
    settings = settings or (runtime.settings if runtime else load_settings())
    runtime = runtime or Runtime.build(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[dict[str, Any]]:
        if settings.is_sqlite:
            await run_in_threadpool(upgrade, runtime.engine)
        # Hand the GIL over every 1 ms instead of 5: the event loop then waits less behind worker
        # threads, which keeps the latency tail short under load (a sign-in flood above all).
        sys.setswitchinterval(0.001)
        # Everything built at start-up lives as long as the process: keep it out of the garbage
        # collector's full passes, which otherwise pause every request for tens of milliseconds.
        gc.collect()
        gc.freeze()
        stop = asyncio.Event()
        tasks = [
            asyncio.create_task(runtime.worker.run(stop)),
            asyncio.create_task(_housekeeping(runtime, stop)),
            asyncio.create_task(_flush_counts(runtime, stop)),
        ]
        try:
            yield {"runtime": runtime}
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await runtime.aclose()

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        try:
            await run_in_threadpool(_ping, runtime.engine)
        except Exception:
            log.exception("readiness check failed")
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    graphql = GraphQLView(runtime)
    # SPAs served from an allowed origin may call with the browser's session cookie.
    cors: dict[str, Any] = {
        "allow_origins": list(settings.allowed_origins),
        "allow_credentials": True,
        "allow_methods": ["GET", "POST"],
        "allow_headers": ["authorization", "content-type", "x-request-id", "x-device-token", "idempotency-key"],
        "expose_headers": ["x-request-id", "idempotent-replayed", *RateLimiter.HEADERS],
        "max_age": 600,
    }
    edge: dict[str, Any] = {"max_body_bytes": settings.max_body_bytes, "access_log": settings.access_log}
    return App(
        routes=[
            # First: nearly every request is for it, and the router tries routes in order.
            Route("/graphql", runtime.limiter.wrap(graphql), methods=["GET", "POST"], name="graphql_endpoint"),
            *panel_routes(),  # before home_routes: when built, the panel owns `/`
            *home_routes(),
            *([graphiql.files()] if settings.graphiql else []),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        hsts=settings.env == "production",
        middleware=[
            Middleware(RequestMiddleware, **edge),
            Middleware(CORSMiddleware, **cors),
        ],
        lane=(graphql, edge, cors),
        lifespan=lifespan,
    )


def _json_problem(value: object) -> str | None:
    """Why decoded JSON (a body, or GET's variables or extensions) is refused, or None.

    Iterative, so no nesting can exhaust the stack here. Deep nesting is refused because the rest
    of the pipeline (variable coercion, logging) recurses; a string the database could not store
    (NUL, unpaired surrogates) because no legitimate input has one.
    """
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not is_encodable(item):
                return UNENCODABLE
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                return TOO_DEEP
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return None


def _ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


async def _flush_counts(runtime: Runtime, stop: asyncio.Event) -> None:
    """Write attempts counted in memory (cheap refusals, rate-limit points) to the database several
    times a second, so other processes see them at once; a last time on the way out."""
    deps = runtime.deps
    while True:
        stopping = stop.is_set()
        if deps.pending_counts:
            try:
                written = await run_in_threadpool(limits.flush, deps.uow, deps.pending_counts)
                runtime.limiter.budgets.written(written, deps.clock())
            except Exception:
                log.exception("writing counted attempts failed; they are kept for the next round")
        if stopping:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)


async def _housekeeping(runtime: Runtime, stop: asyncio.Event) -> None:
    """Delete expired sessions, spent attempt counters and long-ended API tokens, and remind owners of
    tokens about to expire, every few minutes (any process may)."""
    idle_ttl = timedelta(seconds=runtime.settings.session_idle_ttl)
    retention = timedelta(days=runtime.settings.audit_retention_days)
    while not stop.is_set():
        try:
            await run_in_threadpool(maintenance.sweep, runtime.engine, utc_now(), idle_ttl, retention)
            await run_in_threadpool(api_tokens.send_expiry_reminders, runtime.deps)
        except Exception:
            log.exception("housekeeping round failed; will retry")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 300)
