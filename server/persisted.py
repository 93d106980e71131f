"""Operations by hash: Automatic Persisted Queries (Apollo's protocol) and the panel's manifest.

A request may name its document by `extensions.persistedQuery = {version: 1, sha256Hash}`:
- a hash from the panel's manifest (web/dist/persisted-operations.json, written by its build and
  read at start-up) or one registered earlier runs without the query text;
- an unknown hash without text answers `PERSISTED_QUERY_NOT_FOUND` (message
  "PersistedQueryNotFound"), and the client sends the text with the hash, which registers it once
  the text's SHA-256 is checked against the hash (a mismatch is a 400).

Where registrations live: the manifest is the same file for every process. Registrations from other
clients (partners with bearer tokens, GraphiQL) sit in a bounded in-process LRU. That is not state
another process needs: a process that has not seen a hash answers NOT_FOUND, and the client then
resends the text, which is the protocol's normal path; correctness never depends on a hit.

With `TENANTRY_PERSISTED_ONLY` (on in production), a request authenticated by the session cookie
may run only the manifest's documents (by hash, or as text whose hash is in the manifest): a
stolen cookie or injected script cannot run arbitrary queries. Bearer and anonymous requests are
unaffected: they carry no browser session.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from starlette.responses import JSONResponse
from strawberry.http import GraphQLRequestData

from server import panel

log = logging.getLogger("tenantry")

MANIFEST_NAME = "persisted-operations.json"
# Ad-hoc registrations kept per process: enough for every partner's few dozen documents, bounded
# in entries and in characters so no client can grow memory (a document is at most a request body).
MAX_ENTRIES = 1000
MAX_CHARS = 4 * 1024 * 1024


class PersistedQueryRefused(Exception):
    """A request this module answers itself, in GraphQL's error shape, with an HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> JSONResponse:
        body = {"errors": [{"message": self.message, "extensions": {"code": self.code}}]}
        return JSONResponse(body, status_code=self.status)


def not_found() -> PersistedQueryRefused:
    # Apollo clients (urql's persistedExchange among them) resend the text when they see this
    # message or code, so both are the protocol's exact words; 200, as Apollo Server answers it.
    return PersistedQueryRefused(200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_manifest(path: Path) -> dict[str, str]:
    """{sha256: text} from the panel build, or {} when there is none. Every entry is checked."""
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object of sha256 -> document text")
    manifest: dict[str, str] = {}
    for digest, text in raw.items():
        if not isinstance(text, str) or sha256(text) != digest:
            raise ValueError(f"{path}: the entry {digest!r} is not the SHA-256 of its text; rebuild the panel")
        manifest[digest] = text
    return manifest


@dataclass(frozen=True)
class _Requested:
    digest: str | None
    text: str | None


def _requested(data: GraphQLRequestData) -> _Requested:
    extension = (data.extensions or {}).get("persistedQuery")
    if extension is None:
        return _Requested(None, data.query)
    if not isinstance(extension, dict) or extension.get("version") != 1:
        raise PersistedQueryRefused(
            400, "PERSISTED_QUERY_NOT_SUPPORTED", "Only `extensions.persistedQuery.version` 1 is supported."
        )
    digest = extension.get("sha256Hash")
    if not isinstance(digest, str) or len(digest) != 64:
        raise PersistedQueryRefused(
            400, "BAD_REQUEST", "`extensions.persistedQuery.sha256Hash` must be a SHA-256 hex digest."
        )
    return _Requested(digest.lower(), data.query)


class PersistedQueries:
    """The panel's manifest, the registrations of this process, and the persisted-only rule."""

    def __init__(self, manifest: dict[str, str], *, persisted_only: bool) -> None:
        self.manifest = manifest
        self.persisted_only = persisted_only
        self._registered: OrderedDict[str, str] = OrderedDict()
        self._chars = 0

    @classmethod
    def from_panel(cls, *, persisted_only: bool, dist: Path | None = None) -> PersistedQueries:
        """The manifest of the built panel (web/dist), if there is one."""
        manifest = load_manifest((dist or panel.PANEL_DIR) / MANIFEST_NAME)
        if persisted_only and not manifest:
            log.warning("TENANTRY_PERSISTED_ONLY is on but %s is missing: the panel cannot work", MANIFEST_NAME)
        return cls(manifest, persisted_only=persisted_only)

    def resolve(self, data: GraphQLRequestData, *, via_cookie: bool) -> GraphQLRequestData:
        """The request with its document text filled in, or PersistedQueryRefused."""
        requested = _requested(data)
        text, digest = requested.text, requested.digest
        if digest is not None and text is not None and sha256(text) != digest:
            raise PersistedQueryRefused(
                400,
                "PERSISTED_QUERY_HASH_MISMATCH",
                "The SHA-256 of `query` does not match `extensions.persistedQuery.sha256Hash`.",
            )
        if via_cookie and self.persisted_only:
            # Hashing the text only when the cookie rule needs it: other requests do not pay for it.
            known = digest or (sha256(text) if text is not None else None)
            if known is None or known not in self.manifest:
                raise PersistedQueryRefused(
                    403,
                    "PERSISTED_QUERY_REQUIRED",
                    "Requests signed in with the session cookie may run only the panel's own operations.",
                )
        if digest is None:
            return data
        if text is None:
            text = self._lookup(digest)
            return replace(data, query=text)
        if digest not in self.manifest:
            self._register(digest, text)
        return data

    def known_text(self, extensions: object) -> str | None:
        """The text of a document sent by hash alone, when this process knows it; else None."""
        extension = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        digest = extension.get("sha256Hash") if isinstance(extension, dict) else None
        if not isinstance(digest, str):
            return None
        digest = digest.lower()
        return self.manifest.get(digest) or self._registered.get(digest)

    def _lookup(self, digest: str) -> str:
        if (text := self.manifest.get(digest)) is not None:
            return text
        if (text := self._registered.get(digest)) is None:
            raise not_found()
        self._registered.move_to_end(digest)
        return text

    def _register(self, digest: str, text: str) -> None:
        if digest in self._registered:
            self._registered.move_to_end(digest)
            return
        if len(text) > MAX_CHARS:
            return
        self._registered[digest] = text
        self._chars += len(text)
        while len(self._registered) > MAX_ENTRIES or self._chars > MAX_CHARS:
            _, dropped = self._registered.popitem(last=False)
            self._chars -= len(dropped)
