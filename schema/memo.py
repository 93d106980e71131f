"""Remembering what is made from objects that never change, by the objects themselves.

A contact shown on every settings page is the same row, read again: the repository hands back the
same immutable entity for an unchanged row (persistence.prepared), and from there on everything made
from it can be remembered by that entity's identity rather than by its value (hashing two UUIDs, a
string and two datetimes costs more than making a small object). An entry holds its key object, so
no other object can take its id while the entry lives; the table is bounded and starts over when full.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")
SIZE = 16384  # entries per table: a few MB at most

UNCHANGING = "__tenantry_unchanging__"


class ByIdentity(Generic[K, V]):
    """`make(key)`, remembered by the key object's identity. Only for keys that never change, and a
    `make` whose result depends on nothing else (the result is shared, so nobody may change it)."""

    __slots__ = ("_made", "_make", "_size")

    def __init__(self, make: Callable[[K], V], size: int = SIZE) -> None:
        self._make = make
        self._size = size
        self._made: dict[int, tuple[K, V]] = {}

    def __call__(self, key: K) -> V:
        found = self._made.get(id(key))
        if found is not None and found[0] is key:
            return found[1]
        made = self._make(key)
        if len(self._made) >= self._size:
            self._made.clear()
        self._made[id(key)] = (key, made)
        return made


def unchanging(cls: type[Any]) -> type[Any]:
    """Marks a Strawberry type whose instances are never changed once made: an execution plan
    (schema.compiled) may then remember an instance's answer to a selection of plain attributes."""
    setattr(cls, UNCHANGING, True)
    return cls


def is_unchanging(value: Any) -> bool:
    return getattr(value.__class__, UNCHANGING, False) is True
