"""The user's own profile: its type and the partial, versioned update."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.entities import Location, Profile
from schema.errors import UserErrorType, user_errors_field


@strawberry.type(name="Location", description="Where the user is: a country and, optionally, a city.")
class LocationType:
    country: str = strawberry.field(description="ISO 3166-1 alpha-2.")
    city: str | None = strawberry.field(description="Free text, up to 100 characters; null when not given.")

    @staticmethod
    def from_entity(location: Location | None) -> LocationType | None:
        return LocationType(country=location.country, city=location.city) if location else None


@strawberry.type(name="Profile", description="A user's personal details.")
class ProfileType:
    first_name: str = strawberry.field(description="The user's first name, 1-100 characters.")
    last_name: str = strawberry.field(description="The user's last name, 1-100 characters.")
    phone: str | None = strawberry.field(description="E.164, e.g. +46701234567.")
    pending_email: str | None = strawberry.field(description="A new sign-in email waiting for confirmEmailChange.")
    location: LocationType | None = strawberry.field(
        description="Where the user is; its country is how a phone number without a + country code is read."
    )
    language: str | None = strawberry.field(description="BCP 47 tag, e.g. sv-SE.")
    timezone: str | None = strawberry.field(description="IANA zone, e.g. Europe/Stockholm.")
    job_title: str | None = strawberry.field(description="Up to 100 characters.")
    version: int = strawberry.field(description="Pass as expectedVersion to updateProfile.")
    updated_at: datetime = strawberry.field(description="When the profile was last changed.")

    @staticmethod
    def from_entity(p: Profile) -> ProfileType:
        assert p.updated_at is not None
        return ProfileType(
            first_name=p.first_name,
            last_name=p.last_name,
            phone=p.phone,
            pending_email=p.pending_email,
            location=LocationType.from_entity(p.location),
            language=p.language,
            timezone=p.timezone,
            job_title=p.job_title,
            version=p.version,
            updated_at=p.updated_at,
        )


@strawberry.input(name="LocationInput", description="Where the user is; replaces the whole location.")
class LocationInput:
    country: str = strawberry.field(description="ISO 3166-1 alpha-2, e.g. SE.")
    city: str | None = strawberry.field(default=strawberry.UNSET, description="Up to 100 characters.")


@strawberry.input(
    name="UpdateProfileInput",
    description="Fields left out are not changed; a field set to null is cleared where it is optional.",
)
class UpdateProfileInput:
    expected_version: int = strawberry.field(description="The profile's `version` as last read.")
    current_password: str | None = strawberry.field(
        default=strawberry.UNSET, description="Required when `email` is set."
    )
    first_name: str | None = strawberry.field(default=strawberry.UNSET, description="1-100 characters.")
    last_name: str | None = strawberry.field(default=strawberry.UNSET, description="1-100 characters.")
    email: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Starts an email change: the code goes to the new address, "
        "and `email` changes only on confirmEmailChange. Sessions only: an API token may not set it.",
    )
    phone: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="International (+46 70 123 45 67) or national in the profile's country; stored as E.164.",
    )
    location: LocationInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="Replaces the whole location; null clears it. Its country is how a national phone number is read.",
    )
    language: str | None = strawberry.field(default=strawberry.UNSET, description="BCP 47 tag, e.g. sv-SE.")
    timezone: str | None = strawberry.field(default=strawberry.UNSET, description="IANA zone, e.g. Europe/Stockholm.")
    job_title: str | None = strawberry.field(default=strawberry.UNSET, description="Up to 100 characters.")


@strawberry.type(name="UpdateProfilePayload", description="The saved profile, or why nothing was saved.")
class UpdateProfilePayload:
    profile: ProfileType | None = strawberry.field(
        default=None, description="The profile with its new version; null when errors are returned."
    )
    errors: list[UserErrorType] = user_errors_field()
