"""Input types. Fields left out arrive as strawberry.UNSET; optional ones sent as null arrive as None."""

from __future__ import annotations

import strawberry


@strawberry.input(name="LoginInput")
class LoginInput:
    email: str
    password: str


@strawberry.input(name="RevokeSessionInput")
class RevokeSessionInput:
    session_id: strawberry.ID = strawberry.field(description="A Session's global ID from me.sessions.")


@strawberry.input(name="AddressInput", description="A postal address; it replaces the stored one as a whole.")
class AddressInput:
    line1: str
    line2: str | None = strawberry.UNSET
    postal_code: str
    city: str
    region: str | None = strawberry.UNSET
    country: str = strawberry.field(description="ISO 3166-1 alpha-2.")
