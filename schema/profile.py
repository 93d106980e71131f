"""Inputs and payloads of the profile, sign-in email and password mutations.

In UpdateProfileInput a field left out arrives as strawberry.UNSET (not changed) and a field sent
as null arrives as None (cleared, or REQUIRED where the field cannot be empty).
"""

from __future__ import annotations

import strawberry

from schema.errors import UserErrorType, user_errors_field
from schema.types import ProfileType, UserType


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
        "and `email` changes only on confirmEmailChange.",
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


@strawberry.input(
    name="ConfirmEmailChangeInput", description="The code that makes the pending email the sign-in email."
)
class ConfirmEmailChangeInput:
    code: str = strawberry.field(
        description="The 6-digit code mailed to the new address; valid 15 minutes, void after 5 wrong tries."
    )


@strawberry.type(name="ConfirmEmailChangePayload", description="The user with the new sign-in email.")
class ConfirmEmailChangePayload:
    user: UserType | None = strawberry.field(
        default=None, description="The user, signing in with the new email from now on; null when errors are returned."
    )
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="ChangePasswordInput", description="The caller's current password and the new one.")
class ChangePasswordInput:
    current_password: str = strawberry.field(
        description="The caller's current password; a wrong one counts as a failed sign-in."
    )
    new_password: str = strawberry.field(
        description="12-256 characters; not a common password, and not containing your email name or your names."
    )


@strawberry.type(
    name="ChangePasswordPayload",
    description="On success the session that made the change stays signed in and the user's other sessions end.",
)
class ChangePasswordPayload:
    revoked_sessions: int = strawberry.field(
        default=0, description="How many of the caller's other sessions were signed out."
    )
    errors: list[UserErrorType] = user_errors_field()
