"""The Idempotency-Key header on mutations (rules in domain.idempotency, rows in
persistence.idempotency): replay the first response to a retried change instead of running it again.

Only requests that carry the header come here (GraphQLView.__call__), so the rest pay nothing.
The caller must be known before the change runs, so such a request has its context built here and
authenticated once; the GraphQL view then runs with that same context (its `auth()` is cached).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING

from cross_web import HTTPException
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Scope
from starlette.websockets import WebSocket

from domain import idempotency
from domain.deps import Deps
from domain.idempotency import StoredResponse, Verdict
from persistence import idempotency as keys
from resolvers.context import Context
from schema.idempotency import is_mutation
from schema.limits import PARSE_FAILED, VALIDATION_FAILED
from server.logs import request_facts

if TYPE_CHECKING:
    from server.app import GraphQLView

log = logging.getLogger("tenantry")
KEY_HEADER = "idempotency-key"
REPLAYED_HEADER = "idempotent-replayed"
# A request finding its key held by another waits this long for that one's response, then gets 409.
WAIT_SECONDS = 2.0
POLL_SECONDS = 0.05
_EARLY = "tenantry.idempotency.context"
BEFORE_EXECUTION = frozenset({PARSE_FAILED, VALIDATION_FAILED})


def forget_context(scope: Scope) -> None:
    """Drop the context `Idempotency.serve` kept in the scope (the scope holds the context, whose
    request holds the scope: a cycle the garbage collector would have to find)."""
    scope.pop(_EARLY, None)


def early_context(request: Request | WebSocket) -> Context | None:
    """The context `Idempotency.serve` built for this request before running it, if it did."""
    found: Context | None = request.scope.get(_EARLY)
    return found


class Idempotency:
    def __init__(self, engine: Engine, deps: Deps) -> None:
        self.engine = engine
        self.deps = deps

    async def serve(self, view: GraphQLView, request: Request) -> Response:
        """Answer a request that carries an Idempotency-Key: run it, replay it, or refuse it."""
        key = _one_key(request)
        asked = await _mutation_asked(view, request)
        if asked is None:  # a query (or a request Strawberry refuses anyway): the key changes nothing
            return await view.run(request)
        context = await view.get_context(request, await view.get_sub_response(request))
        request.scope[_EARLY] = context
        digest = idempotency.key_digest(self.deps.keyring, key)
        fingerprint = idempotency.fingerprint(self.deps.keyring, *asked)
        try:
            auth = await context.auth()
            credential = idempotency.scope(auth.credential_key if auth else None, context.client_ip)
            outcome = await self._claim(credential, digest, fingerprint)
        except Exception:
            # The database is down for a moment: nothing ran, so the client may retry with the key.
            log.exception("claiming an idempotency key failed")
            return _refusal(503, "SERVICE_UNAVAILABLE", UNAVAILABLE, {"retry-after": "1"})
        if outcome.verdict is Verdict.REPLAY:
            assert outcome.sealed is not None
            return _replay(StoredResponse.unseal(self.deps.keyring, outcome.sealed))
        if outcome.verdict is Verdict.REUSED:
            return _refusal(422, "IDEMPOTENCY_KEY_REUSED", REUSED)
        if outcome.verdict is Verdict.IN_USE:
            return _refusal(409, "IDEMPOTENCY_KEY_IN_USE", IN_USE, {"retry-after": "1"})
        assert outcome.held_until is not None
        return await self._run(view, request, context, (credential, digest, outcome.held_until))

    async def _claim(self, credential: str, digest: str, fingerprint: str) -> keys.Outcome:
        """Claim the key; while another request holds it, wait a little for its response."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            outcome = await run_in_threadpool(
                keys.claim, self.engine, credential, digest, fingerprint, self.deps.clock()
            )
            if outcome.verdict is not Verdict.IN_USE or time.monotonic() >= deadline:
                return outcome
            await asyncio.sleep(POLL_SECONDS)

    async def _run(
        self, view: GraphQLView, request: Request, context: Context, held: tuple[str, str, datetime]
    ) -> Response:
        try:
            response = await view.run(request, context=context)
        except BaseException:
            await self._release(held)
            raise
        stored = _storable(response)
        if stored is None:
            await self._release(held)
        else:
            sealed = stored.seal(self.deps.keyring)
            await run_in_threadpool(keys.store, self.engine, *held, sealed)
        return response

    async def _release(self, held: tuple[str, str, datetime]) -> None:
        # Shielded: a cancelled request still frees its key (the lease is the fallback).
        task = asyncio.ensure_future(run_in_threadpool(keys.release, self.engine, *held))
        try:
            await asyncio.shield(task)
        except Exception:
            log.exception("releasing an idempotency key failed; it frees up when its claim lapses")
        except asyncio.CancelledError:
            pass


REUSED = "This Idempotency-Key was used for a different request (document, operation or variables); use a new key."
UNAVAILABLE = "The change could not be started just now and did not run; retry in a moment with the same key."
IN_USE = "A request with this Idempotency-Key is still running; retry in a moment to get its response."


def _one_key(request: Request) -> str:
    found = request.headers.getlist(KEY_HEADER)
    if len(found) != 1:
        raise HTTPException(400, "Send one Idempotency-Key header, not several.")
    if problem := idempotency.key_problem(found[0]):
        raise HTTPException(400, problem)
    return found[0]


async def _mutation_asked(view: GraphQLView, request: Request) -> tuple[str, str | None, object] | None:
    """The document, operation name and variables of a mutation sent as a JSON POST, else None."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method != "POST" or content_type != "application/json":
        return None  # GET never runs a mutation; other bodies Strawberry refuses
    try:
        body = view.decode_json(await request.body())
    except json.JSONDecodeError:
        return None  # Strawberry answers it
    assert isinstance(body, dict)  # decode_json refuses anything else
    query, name, variables = body.get("query"), body.get("operationName"), body.get("variables")
    if query is None:  # sent by hash alone (Automatic Persisted Queries)
        query = view.persisted.known_text(body.get("extensions"))
    if not isinstance(query, str) or not isinstance(name, str | None) or not is_mutation(query, name):
        return None
    return query, name, variables


def _storable(response: Response) -> StoredResponse | None:
    """What to keep of a response: only of one whose operation ran, so a retry after an error before
    execution (a bad request, a document that does not parse or validate) runs again.
    Set-Cookie is never kept: a replay hands out no cookie (see README)."""
    body = getattr(response, "body", None)  # a streamed response has none
    if not isinstance(body, bytes) or not 200 <= response.status_code < 300:
        return None
    try:
        ran = _ran(json.loads(body))
    except ValueError:
        return None
    media_type = response.headers.get("content-type", "application/json")
    return StoredResponse(response.status_code, media_type, body) if ran else None


def _ran(answer: object) -> bool:
    """Whether execution began: there is data, or an error other than parsing and validation ones."""
    if not isinstance(answer, dict):
        return False
    if answer.get("data") is not None:
        return True
    errors = answer.get("errors") or []
    return any(_code(error) not in BEFORE_EXECUTION for error in errors)


def _code(error: object) -> object:
    extensions = error.get("extensions") if isinstance(error, dict) else None
    return extensions.get("code") if isinstance(extensions, dict) else None


def _replay(stored: StoredResponse) -> Response:
    headers = {"content-type": stored.media_type, REPLAYED_HEADER: "true"}
    return Response(stored.body, status_code=stored.status, headers=headers)


def _refusal(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    if facts := request_facts.get():
        facts.add_codes([code])
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, headers=headers)
