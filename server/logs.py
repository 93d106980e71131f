"""Logging with the request id on every line, as text or as one JSON object per line.

Nothing secret is ever passed to a logger: the access line names the user by their opaque global
ID, never by email, and carries error codes, not messages.
"""

from __future__ import annotations

import contextvars
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def current_request_id() -> str | None:
    """The id of the request being served (threads the request hands work to see it too), or None."""
    found = request_id.get()
    return None if found == "-" else found


@dataclass
class RequestFacts:
    """What the access line tells about one request besides method, path and status. The
    middleware creates it; the GraphQL view fills it in as the request runs."""

    client_ip: str | None = None
    operation_name: str | None = None
    operation_type: str | None = None
    user: str | None = None
    error_codes: list[str] = field(default_factory=list)

    def add_codes(self, codes: list[str]) -> None:
        self.error_codes.extend(c for c in codes if c not in self.error_codes)


request_facts: contextvars.ContextVar[RequestFacts | None] = contextvars.ContextVar("request_facts", default=None)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request_id, message, and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure(level: str, fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Strawberry logs every client mistake with a stack trace; ours are logged where they matter.
    logging.getLogger("strawberry.execution").setLevel(logging.CRITICAL)
