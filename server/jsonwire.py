"""JSON on the wire: orjson where it gives the same bytes and values, the standard library otherwise.

orjson writes what `json.dumps(..., ensure_ascii=False, separators=(",", ":"))` writes for everything
an answer holds (str keys, strings, ints, floats, bools, None, lists, dicts), several times faster.
Anything it refuses (a non-str key, an int past 64 bits, a string with a lone surrogate) goes to the
standard library, which answers or fails as it always did. Reading is the same: a body orjson refuses
(invalid UTF-8, NaN, a huge integer, deep nesting) is read again by `json.loads`, so its errors, and
what the request pipeline says about them, do not change.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: str | bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)
