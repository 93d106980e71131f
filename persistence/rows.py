"""Shared pieces of the row <-> entity mapping: the repository base, the address columns, joined rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import Connection

from domain.entities import Address


class Row(Protocol):
    """A row read by column name: SQLAlchemy's RowMapping, or a plain dict of one joined table's columns."""

    def __getitem__(self, key: str, /) -> Any: ...


class Repository:
    """A repository works on the unit of work's connection, inside its transaction.

    `stamps`: in a read-only unit of work, the contacts stamp of each account its look-ups read
    (`accounts.contacts_stamp`, persistence.contacts), shared by its repositories; None otherwise."""

    def __init__(self, conn: Connection, stamps: dict[UUID, int] | None = None) -> None:
        self.conn = conn
        self.stamps = stamps


def address_from_row(r: Row) -> Address:
    """An address stored in the address_* columns (accounts, billing profile and its history)."""
    return Address(
        line1=r["address_line1"],
        line2=r["address_line2"],
        postal_code=r["address_postal_code"],
        city=r["address_city"],
        region=r["address_region"],
        country=r["address_country"],
    )


def address_to_row(a: Address | None) -> dict[str, str | None]:
    """The address_* columns of `a`, all None when there is no address."""
    return {
        "address_line1": a.line1 if a else None,
        "address_line2": a.line2 if a else None,
        "address_postal_code": a.postal_code if a else None,
        "address_city": a.city if a else None,
        "address_region": a.region if a else None,
        "address_country": a.country if a else None,
    }


def labelled(table: Any, prefix: str) -> list[Any]:
    """Every column of `table`, labelled with `prefix`, for a select that joins several tables."""
    return [c.label(f"{prefix}{c.name}") for c in table.c]


def unprefixed(row: Any, prefix: str) -> dict[str, Any]:
    """The columns of one joined table, back under their own names."""
    return {k[len(prefix) :]: v for k, v in row._mapping.items() if k.startswith(prefix)}


def splitter(*tables: Any) -> Callable[[dict[str, Any]], tuple[dict[str, Any], ...]]:
    """For `Prepared(select of labelled(tables...), build=splitter(tables...))`: a row as one dict of
    column values per table, remembered by the row (persistence.prepared), so shared: read only."""

    def parts(row: dict[str, Any]) -> tuple[dict[str, Any], ...]:
        return tuple(split(tuple(row.values()), *tables))

    return parts


def split(row: Any, *tables: Any) -> list[dict[str, Any]]:
    """A row of a select of every column of `tables` in turn (as `labelled` lists them), as one
    dict of column values per table, by position: no label is looked up."""
    parts, start = [], 0
    for table in tables:
        names = table.c.keys()
        parts.append(dict(zip(names, row[start : start + len(names)], strict=True)))
        start += len(names)
    return parts
