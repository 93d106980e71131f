"""Idempotency keys: which keys are accepted, what a request's fingerprint covers, what a stored key
means for the next request with it, and how a response is sealed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.exceptions import InvalidTag

from domain.idempotency import (
    MAX_KEY_LENGTH,
    TTL,
    Record,
    StoredResponse,
    Verdict,
    fingerprint,
    key_digest,
    key_problem,
    scope,
    verdict,
)
from domain.security import Keyring

KEYRING = Keyring("k" * 40)
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("key", ["a", "x" * MAX_KEY_LENGTH, "order 42/retry #1", "~!{}", "550e8400-e29b-41d4"])
def test_printable_ascii_keys_up_to_255_characters_are_accepted(key: str) -> None:
    assert key_problem(key) is None


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "An Idempotency-Key must be 1 to 255 characters long."),
        ("x" * 256, "An Idempotency-Key must be 1 to 255 characters long."),
        ("tab\t", "An Idempotency-Key may hold only printable ASCII characters."),
        ("caf\u00e9", "An Idempotency-Key may hold only printable ASCII characters."),
        ("del\x7f", "An Idempotency-Key may hold only printable ASCII characters."),
        ("line\nbreak", "An Idempotency-Key may hold only printable ASCII characters."),
    ],
)
def test_other_keys_are_refused_with_a_sentence(key: str, problem: str) -> None:
    assert key_problem(key) == problem


def test_keys_belong_to_the_credential_or_else_the_client_address() -> None:
    assert scope("session:1234", "10.0.0.1") == "session:1234"
    assert scope(None, "10.0.0.1") == "client:10.0.0.1"
    assert scope(None, "2001:db8:1:2:3:4:5:6") == "client:2001:db8:1:2::/64"
    assert scope(None, None) == "client:-"


def test_the_fingerprint_covers_document_operation_and_variables_but_not_their_json_order() -> None:
    base = fingerprint(KEYRING, "mutation { x }", None, {"a": 1, "b": [1, 2]})
    assert fingerprint(KEYRING, "mutation { x }", None, {"b": [1, 2], "a": 1}) == base
    assert fingerprint(KEYRING, "mutation { x }", None, {"a": 2, "b": [1, 2]}) != base
    assert fingerprint(KEYRING, "mutation { y }", None, {"a": 1, "b": [1, 2]}) != base
    assert fingerprint(KEYRING, "mutation { x }", "X", {"a": 1, "b": [1, 2]}) != base
    assert fingerprint(KEYRING, "mutation { x }", None, None) == fingerprint(KEYRING, "mutation { x }", None, {})


def test_digests_are_keyed() -> None:
    other = Keyring("o" * 40)
    assert key_digest(KEYRING, "k1") != key_digest(other, "k1")
    assert fingerprint(KEYRING, "q", None, {"password": "p"}) != fingerprint(other, "q", None, {"password": "p"})
    assert "k1" not in key_digest(KEYRING, "k1")


def test_a_sealed_response_opens_byte_for_byte_and_only_with_the_keyring() -> None:
    stored = StoredResponse(200, "application/json", '{"data":{"x":"\u00e5\\n"}}\n'.encode())
    sealed = stored.seal(KEYRING)
    assert b"data" not in sealed.encode() and "application/json" not in sealed
    assert StoredResponse.unseal(KEYRING, sealed) == stored
    with pytest.raises(InvalidTag):
        StoredResponse.unseal(Keyring("o" * 40), sealed)


def record(**changes: object) -> Record:
    values: dict[str, object] = dict(fingerprint="f", expires_at=NOW + TTL, locked_until=None, sealed=None)
    values.update(changes)
    return Record(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("stored", "asked", "expected"),
    [
        (record(sealed="s"), "f", Verdict.REPLAY),
        (record(sealed="s"), "g", Verdict.REUSED),
        (record(locked_until=NOW + timedelta(seconds=5)), "f", Verdict.IN_USE),
        (record(locked_until=NOW + timedelta(seconds=5)), "g", Verdict.REUSED),
        (record(locked_until=NOW - timedelta(seconds=1)), "f", Verdict.RUN),  # its holder died
        (record(locked_until=NOW), "f", Verdict.RUN),
        (record(expires_at=NOW, sealed="s"), "g", Verdict.RUN),  # 24 hours are over
        (record(expires_at=NOW, locked_until=NOW + timedelta(seconds=5)), "f", Verdict.RUN),
    ],
)
def test_what_a_stored_key_means_for_the_next_request(stored: Record, asked: str, expected: Verdict) -> None:
    assert verdict(stored, asked, NOW) is expected
