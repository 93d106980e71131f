"""The caller's own profile, sign-in email and password."""

from __future__ import annotations

from typing import Any

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from domain.changes import Keep
from domain.errors import DomainError
from domain.services import email_change, password, profile
from domain.services.profile import LocationChange, ProfileChanges
from resolvers import changes
from resolvers.access import actor
from resolvers.context import Context
from resolvers.errors import user_errors
from schema.profile import (
    ChangePasswordInput,
    ChangePasswordPayload,
    ConfirmEmailChangeInput,
    ConfirmEmailChangePayload,
    LocationInput,
    UpdateProfileInput,
    UpdateProfilePayload,
)
from schema.types import ProfileType, UserType

_TEXT_FIELDS = ("first_name", "last_name", "email", "phone", "language", "timezone", "job_title")


async def update_profile(info: Info[Context, None], input: UpdateProfileInput) -> UpdateProfilePayload:
    caller = await actor(info)
    try:
        saved = await run_in_threadpool(
            profile.update_profile,
            info.context.deps,
            caller,
            changes_of(input),
            expected_version=input.expected_version,
            current_password=input.current_password or None,
        )
    except DomainError as error:
        return UpdateProfilePayload(errors=user_errors(error))
    return UpdateProfilePayload(profile=ProfileType.from_entity(saved))


async def confirm_email_change(info: Info[Context, None], input: ConfirmEmailChangeInput) -> ConfirmEmailChangePayload:
    caller = await actor(info)
    try:
        user, account = await run_in_threadpool(
            email_change.confirm_email_change, info.context.deps, caller, input.code
        )
    except DomainError as error:
        return ConfirmEmailChangePayload(errors=user_errors(error))
    return ConfirmEmailChangePayload(user=UserType.from_entity(user, account))


async def change_password(info: Info[Context, None], input: ChangePasswordInput) -> ChangePasswordPayload:
    caller = await actor(info)
    try:
        revoked = await run_in_threadpool(
            password.change_password,
            info.context.deps,
            caller,
            current_password=input.current_password,
            new_password=input.new_password,
        )
    except DomainError as error:
        return ChangePasswordPayload(errors=user_errors(error))
    return ChangePasswordPayload(revoked_sessions=revoked)


def changes_of(input: UpdateProfileInput) -> ProfileChanges:
    """The domain's view of the input: a left-out field (UNSET) becomes KEEP, null stays None."""
    values: dict[str, Any] = {name: changes.sent(getattr(input, name)) for name in _TEXT_FIELDS}
    return ProfileChanges(**values, location=_location(input.location))


def _location(value: LocationInput | None) -> LocationChange | None | Keep:
    if value is strawberry.UNSET or value is None:
        return changes.sent(value)
    return LocationChange(value.country, changes.optional(value.city))
