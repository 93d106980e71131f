"""How a request carries its credentials: a Bearer token or the session cookie (with CSRF rules)."""

from __future__ import annotations

from starlette.requests import Request

from resolvers.context import COOKIE_NAME, Credentials


def credentials(request: Request, allowed_origins: tuple[str, ...]) -> Credentials:
    """Bearer wins over the cookie. A cookie may authorize changes only from a JSON POST sent by an
    allowed Origin: a form post or a cross-site page cannot ride on the browser's cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return Credentials(token=value.strip(), via_cookie=False)
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return Credentials()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    origin = request.headers.get("origin", "").rstrip("/")
    may_write = request.method == "POST" and content_type == "application/json" and origin in allowed_origins
    return Credentials(token=token, via_cookie=True, cookie_may_write=may_write)
