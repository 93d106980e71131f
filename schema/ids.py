"""Relay-style global IDs: base64url of "Type:uuid". Opaque to clients, typed for us."""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache
from uuid import UUID


@lru_cache(maxsize=16384)  # every answer shows the same few IDs again and again (the caller's, its account's)
def to_global_id(type_name: str, raw_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{raw_id}".encode()).decode("ascii").rstrip("=")


def from_global_id(value: str, expected_type: str | None = None) -> tuple[str, UUID] | None:
    """The (type, uuid) behind a global ID, or None for anything malformed or of another type."""
    if not value or len(value) > 100:
        return None
    try:
        decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
        type_name, _, raw = decoded.partition(":")
        parsed = UUID(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if expected_type is not None and type_name != expected_type:
        return None
    return type_name, parsed


def uuid_of(value: str, expected_type: str) -> UUID | None:
    found = from_global_id(value, expected_type)
    return found[1] if found else None
