"""Pure-ASGI middleware: request id, body size limit, access log."""

from __future__ import annotations

import json
import logging
import re
import secrets
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.logs import RequestFacts, request_facts, request_id

access_log = logging.getLogger("tenantry.access")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
BEGUN_KEY = "tenantry.begun"  # (request id, facts, start) of a request the express lane handed over


class RequestMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, access_log: bool = True) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # A request the express lane (server.lane) began and handed over keeps its id, facts and start.
        begun = scope.pop(BEGUN_KEY, None)
        if begun is not None:
            rid, facts, started = begun
        else:
            (rid, facts), started = begin_request(scope), time.perf_counter()
        token = request_id.set(rid)
        facts_token = request_facts.set(facts)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            body = await self.read_body(scope, receive)
            if body is None:
                facts.add_codes(["PAYLOAD_TOO_LARGE"])
                await _json_error(
                    send_with_id,
                    413,
                    "PAYLOAD_TOO_LARGE",
                    f"The request body is larger than {self.max_body_bytes} bytes.",
                )
            else:
                await self.app(scope, replay(body, receive), send_with_id)
        finally:
            if self.access_log:
                log_access(scope, status, (time.perf_counter() - started) * 1000, facts)
            request_facts.reset(facts_token)
            request_id.reset(token)

    async def read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body, or None past the limit (checked on the header and on the bytes read)."""
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def begin_request(scope: Scope) -> tuple[str, RequestFacts]:
    """The request's id (the client's X-Request-Id when it is a sane one) and its facts for the log."""
    incoming = b""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            incoming = value
    given = incoming.decode("latin-1")
    client = scope.get("client")
    rid = given if _SANE_ID.match(given) else secrets.token_hex(16)  # 32 hex digits, as uuid4().hex gave
    return rid, RequestFacts(client_ip=client[0] if client else None)


def replay(body: bytes, upstream: Receive) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:  # after the body, wait for the real disconnect as the server would report it
            return await upstream()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def log_access(scope: Scope, status: int, elapsed_ms: float, facts: RequestFacts) -> None:
    """One line per request: as text for people, and with the same facts as fields for JSON logs."""
    fields = {
        "method": scope["method"],
        "path": scope["path"],
        "status": status,
        "duration_ms": round(elapsed_ms, 1),
        "client_ip": facts.client_ip,
        "operation_type": facts.operation_type,
        "operation_name": facts.operation_name,
        "user": facts.user,
        "error_codes": facts.error_codes,
    }
    words = [f"{scope['method']} {scope['path']} {status} {elapsed_ms:.1f}ms"]
    if facts.operation_type:
        words.append(f"{facts.operation_type} {facts.operation_name or '-'}")
    words += [f"user={facts.user or '-'}", f"ip={facts.client_ip or '-'}"]
    if facts.error_codes:
        words.append("errors=" + ",".join(facts.error_codes))
    access_log.info(" ".join(words), extra={"fields": fields})


async def _json_error(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeadersMiddleware:
    """Headers every response carries, error pages included (it wraps even Starlette's 500 page).
    /graphql answers hold personal data and tokens: no cache may keep them."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
        ]
        if hsts:  # only where the site is served over HTTPS, which production is
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))
        self._graphql = [*self.headers, (b"cache-control", b"no-store")]
        self._names = {name for name, _ in self.headers}
        self._graphql_names = {name for name, _ in self._graphql}

    def add(self, message: Message, path: str) -> None:
        """A response start's headers with ours in place of any of the same name (the express lane
        calls it too, for the answers it gives)."""
        extra, ours = (self._graphql, self._graphql_names) if path == "/graphql" else (self.headers, self._names)
        kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in ours]
        message["headers"] = [*kept, *extra]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.add(message, path)
            await send(message)

        await self.app(scope, receive, send_with_headers)
