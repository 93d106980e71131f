"""From Strawberry inputs to the domain's partial updates: left out (UNSET) becomes KEEP."""

from __future__ import annotations

from typing import Any

import strawberry

from domain.changes import KEEP, Keep
from domain.entities import Address
from schema.inputs import AddressInput


def sent(value: Any) -> Any:
    """A field left out of the input keeps its stored value; null stays None (clear it)."""
    return KEEP if value is strawberry.UNSET else value


def optional(value: Any) -> Any:
    """An optional field inside a nested input: left out means null."""
    return None if value is strawberry.UNSET else value


def address(value: AddressInput | None) -> Address | None | Keep:
    """The typed address, not yet validated (the domain checks it and reports every bad part)."""
    if value is strawberry.UNSET or value is None:
        return sent(value)
    return Address(
        line1=value.line1,
        line2=optional(value.line2),
        postal_code=value.postal_code,
        city=value.city,
        region=optional(value.region),
        country=value.country,
    )
