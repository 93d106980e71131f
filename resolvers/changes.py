"""From Strawberry inputs to the domain's partial updates: left out (UNSET) becomes KEEP."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import strawberry

from domain.changes import KEEP, Keep
from domain.entities import Address
from schema.common import AddressInput

C = TypeVar("C")
T = TypeVar("T")


def partial(input: object, change_type: type[C], **given: Any) -> C:
    """The domain's partial update from a mutation input: each field of the `change_type` dataclass
    takes the input's field of the same name (left out: KEEP), unless it is `given` here."""
    assert dataclasses.is_dataclass(change_type)
    values = {
        f.name: given[f.name] if f.name in given else sent(getattr(input, f.name))
        for f in dataclasses.fields(change_type)
    }
    return change_type(**values)


def sent(value: T) -> T | Keep:
    """A field left out of the input keeps its stored value; null stays None (clear it)."""
    return KEEP if value is strawberry.UNSET else value


def optional(value: T | None) -> T | None:
    """An optional field inside a nested input: left out means null."""
    return None if value is strawberry.UNSET else value


def address(value: AddressInput | None) -> Address | None | Keep:
    """The typed address, not yet validated (the domain checks it and reports every bad part)."""
    if value is strawberry.UNSET:
        return KEEP
    if value is None:
        return None
    return Address(
        line1=value.line1,
        line2=optional(value.line2),
        postal_code=value.postal_code,
        city=value.city,
        region=optional(value.region),
        country=value.country,
    )
