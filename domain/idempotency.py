"""Idempotency keys: a change retried with the same key answers with its first response instead
of running again (as Stripe's and Shopify's writes do).

A key belongs to one credential (a session, later an API token; for anonymous callers their
client address, as limits count them), for 24 hours. It is claimed in the database before the
change runs, so two requests with one key, in one process or in several, never both run it; the
claim is a lease, so a process that dies mid-way blocks the key for `LEASE` at most. Stored are
only keyed digests of the key and of the request (which may hold a password or a code) and the
response encrypted (it may hold a token or a code).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from domain.limits import client_key
from domain.ports import Keyring

TTL = timedelta(hours=24)
# Longer than any request runs (the database waits up to 30 s for a lock), so a claim still
# running is never taken over; a claim left by a process that died frees up after it.
LEASE = timedelta(seconds=60)
MAX_KEY_LENGTH = 255
KEY_PURPOSE = "idempotency-key"
REQUEST_PURPOSE = "idempotency-request"
RESPONSE_PURPOSE = "idempotency-response"


def key_problem(key: str) -> str | None:
    """Why a key is refused (a sentence for the client), or None when it is fine."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        return f"An Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters long."
    if not all(" " <= ch <= "~" for ch in key):
        return "An Idempotency-Key may hold only printable ASCII characters."
    return None


def scope(credential_key: str | None, client_ip: str | None) -> str:
    """Whose keys a key is among: the credential's, or an anonymous caller's client address."""
    if credential_key is not None:
        return credential_key
    return f"client:{client_key(client_ip) or '-'}"


def key_digest(keyring: Keyring, key: str) -> str:
    return keyring.digest(KEY_PURPOSE, key)


def fingerprint(keyring: Keyring, query: str, operation_name: str | None, variables: object) -> str:
    """A keyed digest of what a request asks for: the document, the operation and the variables
    (their order in a JSON object does not matter; the document's text does)."""
    canonical = json.dumps(
        [query, operation_name, variables or {}], sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return keyring.digest(REQUEST_PURPOSE, canonical)


@dataclass(frozen=True)
class StoredResponse:
    """What a replay answers: the first response's status, media type and body, byte for byte."""

    status: int
    media_type: str
    body: bytes

    def seal(self, keyring: Keyring) -> str:
        head = f"{self.status}\n{self.media_type}\n".encode("ascii")
        return keyring.encrypt(RESPONSE_PURPOSE, head + self.body)

    @classmethod
    def unseal(cls, keyring: Keyring, sealed: str) -> StoredResponse:
        status, media_type, body = keyring.decrypt(RESPONSE_PURPOSE, sealed).split(b"\n", 2)
        return cls(int(status), media_type.decode("ascii"), body)


@dataclass(frozen=True)
class Record:
    """A key as stored: the request it was first used for, until when, and its claim or response."""

    fingerprint: str
    expires_at: datetime
    locked_until: datetime | None
    sealed: str | None


class Verdict(Enum):
    RUN = "run"  # the key is free (new, expired, or its claim lapsed): claim it and run
    REPLAY = "replay"  # the first response is stored: answer with it
    IN_USE = "in use"  # another request holds the key right now
    REUSED = "reused"  # the key was used for another request


def verdict(record: Record, fingerprint: str, now: datetime) -> Verdict:
    """What a request with this fingerprint does about a key already stored as `record`."""
    if record.expires_at <= now:
        return Verdict.RUN
    if record.fingerprint != fingerprint:
        return Verdict.REUSED
    if record.sealed is not None:
        return Verdict.REPLAY
    if record.locked_until is not None and record.locked_until > now:
        return Verdict.IN_USE
    return Verdict.RUN
