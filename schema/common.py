"""Shapes several features share: the Node interface and postal addresses."""

from __future__ import annotations

import strawberry

from domain.entities import Address


@strawberry.interface(name="Node", description="An object with a global ID, for client caches and `node(id:)`.")
class NodeType:
    id: strawberry.ID = strawberry.field(
        description="The object's global ID: opaque, stable, and accepted by `node(id:)`."
    )


@strawberry.type(name="Address", description="A postal address.")
class AddressType:
    line1: str = strawberry.field(description="Street and number, or another first address line.")
    line2: str | None = strawberry.field(description="A second address line; null when there is none.")
    postal_code: str = strawberry.field(
        description="Checked against the country's format; stored upper-case with single spaces."
    )
    city: str = strawberry.field(description="The city or town.")
    region: str | None = strawberry.field(description="State, province or county; null when there is none.")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2.")

    @staticmethod
    def from_entity(a: Address | None) -> AddressType | None:
        if a is None:
            return None
        return AddressType(
            line1=a.line1,
            line2=a.line2,
            postal_code=a.postal_code,
            city=a.city,
            region=a.region,
            country=a.country,
        )


@strawberry.input(name="AddressInput", description="A postal address; it replaces the stored one as a whole.")
class AddressInput:
    line1: str = strawberry.field(description="Street and number, or another first address line; 1-200 characters.")
    line2: str | None = strawberry.field(
        default=strawberry.UNSET, description="Up to 200 characters; left out, null or blank for none."
    )
    postal_code: str = strawberry.field(
        description="In the country's format where it has one (Google's address data), up to 16 characters."
    )
    city: str = strawberry.field(description="1-100 characters.")
    region: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="State, province or county, up to 100 characters; left out, null or blank for none.",
    )
    country: str = strawberry.field(description="ISO 3166-1 alpha-2, e.g. SE (GB, not UK).")
