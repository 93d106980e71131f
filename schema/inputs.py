"""Input types. Fields left out arrive as strawberry.UNSET; optional ones sent as null arrive as None."""

from __future__ import annotations

import strawberry


@strawberry.input(name="LoginInput", description="The credentials for step one of signing in.")
class LoginInput:
    email: str = strawberry.field(description="The sign-in email.")
    password: str = strawberry.field(description="The password, exactly as typed.")


@strawberry.input(name="RevokeSessionInput", description="Which of the caller's own sessions to end.")
class RevokeSessionInput:
    session_id: strawberry.ID = strawberry.field(description="A Session's global ID from me.sessions.")


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
