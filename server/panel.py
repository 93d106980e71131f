"""The account-settings panel: web/dist served at `/` and at its client routes, next to /graphql.

Only when a build exists (web/dist/index.html); `make run` builds it. The client routes come from
the build's routes.json, so a path the panel does not know stays a 404 and never shadows the API.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

PANEL_DIR = Path(__file__).resolve().parent.parent / "web" / "dist"

# The panel loads nothing but its own files; the MFA QR code arrives as a data: image.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
PAGE_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "cache-control": "no-cache",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
}


class _Assets(StaticFiles):
    """Hashed file names: a browser may keep them for a year."""

    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = "public, max-age=31536000, immutable"
        response.headers["x-content-type-options"] = "nosniff"
        return response


def panel_routes(dist: Path | None = None) -> list[BaseRoute]:
    """The panel's routes, or none when it has not been built."""
    dist = dist or PANEL_DIR
    index = dist / "index.html"
    if not index.is_file():
        return []
    routes_file = dist / "routes.json"
    paths: list[str] = json.loads(routes_file.read_text()) if routes_file.is_file() else ["/"]

    async def page(_: Request) -> Response:
        return FileResponse(index, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    routes: list[BaseRoute] = [Route(path, page, methods=["GET", "HEAD"]) for path in paths]
    if (dist / "assets").is_dir():
        routes.append(Mount("/assets", app=_Assets(directory=dist / "assets")))
    return routes
