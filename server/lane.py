"""The express lane of /graphql: a query (or a sign-in) whose document has a plan answered without the
middleware stack in between, with every header and log line the stack gives it.

Most requests a server sees are the same few queries again: the settings page, the billing profile, an
integration's poll. Through Starlette's stack each of them passes eight layers (error page, request id
and access log, CORS, exception handlers, router, rate-limit headers, the view) that each wrap `send`
and rebuild the response's headers. The lane does for a POST to /graphql what those layers do, in one
place and with their own parts: the request id, the facts and the access log line of
`RequestMiddleware`, its body limit, the RateLimit-* headers of `server.ratelimit`, Starlette's own
CORS middleware (its `send`, so what it adds is what it always adds) and the security headers. Between
them it asks the fast path (server.compiled) for the answer.

Whenever the fast path cannot answer (no plan yet, a mutation but a sign-in, an error to report), or the
request is one the lane does not take (an Idempotency-Key, another content type, a body without its
length), it hands the request to the full stack as it came, with what it learned: the body read (played
back), the request id and facts (one request, one id and one log line), the rate-limit charge and the
context (so nothing is charged, looked up or signed in twice).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import compiled
from server.logs import request_facts, request_id
from server.middleware import (
    BEGUN_KEY,
    RequestMiddleware,
    SecurityHeadersMiddleware,
    begin_request,
    log_access,
    replay,
)
from server.ratelimit import CHARGE_KEY, Charge, add_headers, charging

if TYPE_CHECKING:
    from server.app import GraphQLView

log = logging.getLogger("tenantry.lane")
_IDEMPOTENCY = b"idempotency-key"


class ExpressLane:
    def __init__(
        self,
        app: ASGIApp,
        *,
        view: GraphQLView,
        edge: RequestMiddleware,
        security: SecurityHeadersMiddleware,
        cors: CORSMiddleware,
    ) -> None:
        self.app = app
        self.view = view
        self.edge = edge
        self.cors = cors
        self.security = security

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        length = json = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"content-type":
                json = value.split(b";")[0].strip() == b"application/json"
            elif name == _IDEMPOTENCY:
                json = False  # stored answers are server.idempotency's
                break
        if not json or length is None or not length.isdigit() or int(length) > self.edge.max_body_bytes:
            await self.app(scope, receive, send)  # the stack refuses or answers it in its own words
            return
        rid, facts = begin_request(scope)
        rid_token, facts_token = request_id.set(rid), request_facts.set(facts)
        started = time.perf_counter()
        sent = [500]  # the status sent, logged as RequestMiddleware logs it (500 when nothing was sent)
        handed = False
        try:
            # None only past the limit, which a body of the declared length cannot be: then the stack
            # meets an empty body and refuses it.
            body = await self.edge.read_body(scope, receive)
            charge = Charge()
            if body is None or not await self._answer(scope, receive, send, body, charge, rid, sent):
                handed = True  # the stack logs it
                scope[BEGUN_KEY] = (rid, facts, started)
                scope[CHARGE_KEY] = charge
                await self.app(scope, replay(body or b"", receive), send)
        finally:
            if not handed and self.edge.access_log:  # also when the client left mid-answer
                log_access(scope, sent[0], (time.perf_counter() - started) * 1000, facts)
            request_facts.reset(facts_token)
            request_id.reset(rid_token)

    async def _answer(  # noqa: PLR0913, PLR0917
        self, scope: Scope, receive: Receive, send: Send, body: bytes, charge: Charge, rid: str, sent: list[int]
    ) -> bool:
        """Answered through the fast path (the status in `sent`), or False: nothing sent."""
        scope[compiled.TRIED_KEY] = True  # if handed over, the view goes straight to the ordinary path
        with charging(charge):
            try:
                response = await compiled.serve(self.view, Request(scope, replay(body, receive)))
            except Exception:  # the full stack meets it again and answers as it always does
                log.debug("the express lane handed a request over after an error", exc_info=True)
                return False
        if response is None or charge.verdict is None:
            return False
        start: Message = {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": response.raw_headers,
        }
        add_headers(start, charge.verdict)
        rid_header = (b"x-request-id", rid.encode())

        async def finish(message: Message) -> None:  # what RequestMiddleware, then SecurityHeaders add
            message["headers"] = [*message["headers"], rid_header]
            self.security.add(message, "/graphql")
            sent[0] = message["status"]
            await send(message)

        await self.cors.send(start, finish, Headers(scope=scope))
        await send({"type": "http.response.body", "body": response.body})
        return True

    @classmethod
    def around(
        cls, stack: SecurityHeadersMiddleware, *, view: GraphQLView, edge: dict[str, Any], cors: dict[str, Any]
    ) -> ExpressLane:
        """The lane in front of the app's middleware stack, with the stack's own settings: those of its
        RequestMiddleware (`edge`) and of its CORSMiddleware (`cors`), and its security headers."""
        return cls(
            stack,
            view=view,
            edge=RequestMiddleware(_nothing, **edge),
            security=stack,
            cors=CORSMiddleware(_nothing, **cors),  # the lane calls its `send` only
        )


async def _nothing(scope: Scope, receive: Receive, send: Send) -> None:  # pragma: no cover (never called)
    raise AssertionError("the express lane's copies of the middleware wrap nothing")
