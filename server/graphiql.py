"""GraphiQL from the package itself: the page at GET /graphql and its files under /graphiql/.

The files are a pinned GraphiQL built by tools/graphiql (see its package.json) into
server/static/graphiql, committed with their licenses, so nothing is fetched from elsewhere.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
FILES_DIR = STATIC_DIR / "graphiql"
FILES_PATH = "/graphiql"

# Only the page's own origin, for everything. What GraphiQL needs besides plain files:
# - style-src 'unsafe-inline': Monaco (GraphiQL's editor) writes its theme colours and each
#   editor's measurements into <style> elements it creates at run time, and sets style="..."
#   attributes (it has no CSP nonce support); without it the editors render unusable. Scripts
#   stay 'self' only, so this lets no code run.
# - img-src data:: Monaco draws its error and warning squiggles as SVG data: URLs in those
#   run-time styles. A data: image is part of the page, fetched from nowhere.
# - worker-src 'self': Monaco's language workers are files beside the bundle (no blob: URLs).
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tenantry GraphiQL</title>
<link rel="stylesheet" href="{files}/graphiql.css">
<script type="module" src="{files}/graphiql.js"></script>
</head>
<body>
<div id="graphiql" data-endpoint="{endpoint}">Loading GraphiQL...</div>
</body>
</html>
"""


def page(request: Request) -> HTMLResponse:
    """The GraphiQL page; its one setting (the endpoint) rides in a data attribute, not a script."""
    # Relative file URLs and the path as requested keep working behind a proxy's path prefix.
    html = PAGE.format(files=FILES_PATH.lstrip("/"), endpoint=escape(request.url.path))
    return HTMLResponse(html, headers={"content-security-policy": CSP})


def files() -> Mount:
    return Mount(FILES_PATH, app=StaticFiles(directory=FILES_DIR), name="graphiql")
