"""How a request carries its credentials: a Bearer token or the session cookie (with CSRF rules)."""

from __future__ import annotations

from starlette.requests import Request

from resolvers.context import COOKIE_NAME, DEVICE_COOKIE, DEVICE_HEADER, Credentials


def credentials(request: Request, allowed_origins: tuple[str, ...], *, explain: bool = False) -> Credentials:
    """Bearer wins over the cookie. A cookie may authorize changes only from a JSON POST sent by an
    allowed Origin: a form post or a cross-site page cannot ride on the browser's cookie.
    With `explain` (development), a refusal names what was received and what to change."""
    device = request.headers.get(DEVICE_HEADER) or request.cookies.get(DEVICE_COOKIE)
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return Credentials(token=value.strip(), via_cookie=False, device_token=device)
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return Credentials(device_token=device)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    origin = request.headers.get("origin", "").rstrip("/")
    may_write = request.method == "POST" and content_type == "application/json" and origin in allowed_origins
    found = Credentials(token=token, via_cookie=True, cookie_may_write=may_write, device_token=device)
    if explain and not may_write:
        found.write_refusal = _refusal(request.method, content_type, origin, allowed_origins)
    return found


def _refusal(method: str, content_type: str, origin: str, allowed_origins: tuple[str, ...]) -> str:
    if method != "POST" or content_type != "application/json":
        got = f"a {method} with content-type {content_type or 'none'!r}"
        return f"{Credentials.write_refusal} This request was {got}; send a POST with application/json."
    allowed = ", ".join(allowed_origins) or "none"
    return (
        f"{Credentials.write_refusal} This request came from Origin {origin or '(none)'!r}, which is not in "
        f"TENANTRY_ALLOWED_ORIGINS (now: {allowed}). Add it there, comma-separated, and restart."
    )
