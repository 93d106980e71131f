"""Partial updates: the marker for a field the caller left out, and shared pieces of input."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from domain.entities import Address
from domain.errors import Collector
from domain.rules import geo, text

MAX_ADDRESS_LINE_LENGTH = 200
MAX_CITY_LENGTH = 100


class Keep(enum.Enum):
    """Marks an input field the caller left out: the stored value stays as it is."""

    KEEP = "KEEP"


KEEP = Keep.KEEP


def changed_fields(before: object, after: object, names: Iterable[str]) -> tuple[str, ...]:
    """The attributes among `names` whose values differ between two versions of a record."""
    return tuple(name for name in names if getattr(before, name) != getattr(after, name))


def validate_address(raw: Address, root: tuple[str, ...] = ("address",)) -> Address:
    """A postal address as typed, checked: line1, postal code and city required, the postal code in
    the country's format (Google's address data), the country an assigned ISO 3166-1 alpha-2 code.

    Every wrong part is reported at once, with field paths under `root`.
    """
    errors = Collector()

    def line(value: str | None, name: str, label: str, max_len: int, required: bool) -> str | None:
        return errors.check(text.clean_text, value, (*root, name), max_len=max_len, required=required, label=label)

    # The postal code is checked against the country, but errors are reported in input order.
    country_errors = Collector()
    country = country_errors.check(geo.country_code, raw.country, (*root, "country"))
    line1 = line(raw.line1, "line1", "Address line 1", MAX_ADDRESS_LINE_LENGTH, True)
    line2 = line(raw.line2, "line2", "Address line 2", MAX_ADDRESS_LINE_LENGTH, False)
    postal = errors.check(geo.postal_code, raw.postal_code, country or "", (*root, "postal_code"))
    city = line(raw.city, "city", "The city", MAX_CITY_LENGTH, True)
    region = line(raw.region, "region", "The region", MAX_CITY_LENGTH, False)
    errors.errors.extend(country_errors.errors)
    errors.raise_if_any()
    assert line1 is not None and city is not None and country is not None and postal is not None
    return Address(line1=line1, line2=line2, postal_code=postal, city=city, region=region, country=country)
