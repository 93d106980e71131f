"""Answers on the wire (server.jsonwire): orjson's bytes are the standard library's compact UTF-8 bytes
(a float's value is the same), and whatever orjson refuses fails as the standard library fails."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server import jsonwire


def standard(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@pytest.mark.parametrize(
    "value",
    [
        {"data": {"me": {"id": "VXNlcjox", "email": "åsa@example.com", "roles": ["BILLING", "DPO"], "n": None}}},
        {"s": 'quote " backslash \\ newline \n tab \t nul \x00 unit \x1f del \x7f line \u2028 emoji 🎉'},
        {"ints": [0, -1, 2**31 - 1, -(2**63), 2**64 - 1], "floats": [0.1, 1.5, -2.25, 1e16, 123456.789]},
        {"nested": [[{"a": [True, False]}]], "empty": {}, "list": []},
        {1: "a non-str key"},
        {"big": 2**70},
    ],
)
def test_answers_are_the_standard_librarys_bytes(value: Any) -> None:
    assert jsonwire.dumps(value) == standard(value)


def test_what_orjson_refuses_fails_as_the_standard_library_fails() -> None:
    lone = {"s": "\ud800"}
    with pytest.raises(UnicodeEncodeError):
        standard(lone)
    with pytest.raises(UnicodeEncodeError):
        jsonwire.dumps(lone)


def test_a_float_has_the_same_value() -> None:
    floats = [1e-7, 5e-324, 1.7976931348623157e308, -0.0, 0.30000000000000004]
    assert json.loads(jsonwire.dumps(floats)) == floats
