"""updateProfile: the caller's own profile (a new sign-in email waits for its code)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.changes import KEEP, Keep
from domain.entities import Profile, Via
from domain.services import profile
from domain.services.profile import LocationChange, ProfileChanges
from resolvers import changes
from resolvers.access import caller, out_of_scope
from resolvers.context import Context
from resolvers.errors import attempt
from schema.profile import LocationInput, ProfileType, UpdateProfileInput, UpdateProfilePayload


async def update_profile(info: Info[Context, None], input: UpdateProfileInput) -> UpdateProfilePayload:
    actor = await caller(info)
    if actor.via is Via.API_TOKEN and input.email:  # PROFILE_WRITE stops short of the sign-in email
        raise out_of_scope("Changing the sign-in email is for sessions only: API tokens may not.", ())
    password = input.current_password or None

    def work() -> Profile:
        return profile.update_profile(
            info.context.deps,
            actor,
            changes_of(input),
            expected_version=input.expected_version,
            current_password=password,
        )

    return await attempt(
        info.context,
        UpdateProfilePayload,
        work,
        lambda saved: UpdateProfilePayload(profile=ProfileType.from_entity(saved)),
    )


def changes_of(input: UpdateProfileInput) -> ProfileChanges:
    """The domain's view of the input: a left-out field (UNSET) becomes KEEP, null stays None."""
    return changes.partial(input, ProfileChanges, location=_location(input.location))


def _location(value: LocationInput | None) -> LocationChange | None | Keep:
    if value is strawberry.UNSET:
        return KEEP
    if value is None:
        return None
    return LocationChange(value.country, changes.optional(value.city))
