"""Persisted queries without HTTP: the manifest file, the hash checks, the bounded registrations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from strawberry.http import GraphQLRequestData

from server import persisted
from server.persisted import PersistedQueries, PersistedQueryRefused, load_manifest, sha256

ME = "query Me { me { id } }"


def request(query: str | None, digest: str | None = None, version: object = 1) -> GraphQLRequestData:
    extensions = {"persistedQuery": {"version": version, "sha256Hash": digest}} if digest else None
    return GraphQLRequestData(query=query, variables=None, operation_name=None, extensions=extensions)


def refusal(queries: PersistedQueries, data: GraphQLRequestData, *, via_cookie: bool = False) -> tuple[int, str]:
    with pytest.raises(PersistedQueryRefused) as caught:
        queries.resolve(data, via_cookie=via_cookie)
    return caught.value.status, caught.value.code


def test_manifest_is_read_and_every_entry_checked(tmp_path: Path) -> None:
    assert load_manifest(tmp_path / "missing.json") == {}
    good = tmp_path / "good.json"
    good.write_text(json.dumps({sha256(ME): ME}))
    assert load_manifest(good) == {sha256(ME): ME}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({sha256(ME): ME + " "}))
    with pytest.raises(ValueError, match="is not the SHA-256 of its text"):
        load_manifest(bad)


def test_a_hash_runs_from_the_manifest_or_after_registration_and_is_refused_before() -> None:
    queries = PersistedQueries({sha256(ME): ME}, persisted_only=False)
    assert queries.resolve(request(None, sha256(ME)), via_cookie=False).query == ME
    other = "{ me { email } }"
    assert refusal(queries, request(None, sha256(other))) == (200, "PERSISTED_QUERY_NOT_FOUND")
    assert queries.resolve(request(other, sha256(other)), via_cookie=False).query == other
    assert queries.resolve(request(None, sha256(other).upper()), via_cookie=False).query == other


def test_a_wrong_hash_or_version_is_a_bad_request() -> None:
    queries = PersistedQueries({}, persisted_only=False)
    assert refusal(queries, request(ME, sha256(ME + "x"))) == (400, "PERSISTED_QUERY_HASH_MISMATCH")
    assert refusal(queries, request(ME, sha256(ME), version=2)) == (400, "PERSISTED_QUERY_NOT_SUPPORTED")
    assert refusal(queries, request(ME, "abc")) == (400, "BAD_REQUEST")
    assert refusal(queries, request(None, sha256(ME))) == (200, "PERSISTED_QUERY_NOT_FOUND")  # nothing registered


def test_persisted_only_holds_cookies_to_the_manifest_and_nobody_else() -> None:
    queries = PersistedQueries({sha256(ME): ME}, persisted_only=True)
    other = "{ me { email } }"
    assert queries.resolve(request(ME), via_cookie=True).query == ME  # text whose hash is in the manifest
    assert queries.resolve(request(None, sha256(ME)), via_cookie=True).query == ME
    assert refusal(queries, request(other), via_cookie=True) == (403, "PERSISTED_QUERY_REQUIRED")
    assert queries.resolve(request(other, sha256(other)), via_cookie=False).query == other  # registered
    assert refusal(queries, request(None, sha256(other)), via_cookie=True) == (403, "PERSISTED_QUERY_REQUIRED")
    assert refusal(queries, request(None), via_cookie=True) == (403, "PERSISTED_QUERY_REQUIRED")
    assert queries.resolve(request(other), via_cookie=False).query == other


def test_registrations_are_bounded_oldest_unused_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(persisted, "MAX_ENTRIES", 2)
    queries = PersistedQueries({}, persisted_only=False)
    documents = [f"{{ n{i}: __typename }}" for i in range(3)]
    for text in documents[:2]:
        queries.resolve(request(text, sha256(text)), via_cookie=False)
    queries.resolve(request(None, sha256(documents[0])), via_cookie=False)  # used: now the newest
    queries.resolve(request(documents[2], sha256(documents[2])), via_cookie=False)
    assert refusal(queries, request(None, sha256(documents[1])))[1] == "PERSISTED_QUERY_NOT_FOUND"
    for text in (documents[0], documents[2]):
        assert queries.resolve(request(None, sha256(text)), via_cookie=False).query == text
    monkeypatch.setattr(persisted, "MAX_CHARS", 10)
    long = "{ a: __typename }"
    queries.resolve(request(long, sha256(long)), via_cookie=False)  # too long to keep: not registered
    assert refusal(queries, request(None, sha256(long)))[1] == "PERSISTED_QUERY_NOT_FOUND"
