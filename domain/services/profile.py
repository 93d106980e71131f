"""The signed-in user's own profile.

`update_profile` is a partial update: a field the caller left out is `KEEP`, an optional field sent
as None (or blank) is cleared, and a required one (first and last name, the sign-in email) sent as
None is REQUIRED. Every field is checked before anything is written, and a stale `expected_version`
changes nothing (VERSION_CONFLICT).

A new sign-in email is not applied at once: it becomes `pending_email` and a code is mailed to it
(see `email_change`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from domain import limits
from domain.changes import KEEP, Keep, changed_fields
from domain.deps import Deps
from domain.entities import Actor, Location, Profile, User
from domain.errors import Collector, ReauthRequired, Required, VersionConflict
from domain.rules import geo, locale, text
from domain.rules.email import normalize_email
from domain.rules.phone import normalize_phone
from domain.services import email_change
from domain.services.common import load_user
from domain.services.signin import check_password

MAX_NAME_LENGTH = 100
MAX_CITY_LENGTH = 100
MAX_JOB_TITLE_LENGTH = 100
_FIELDS = ("first_name", "last_name", "pending_email", "phone", "location", "language", "timezone", "job_title")


@dataclass(frozen=True)
class LocationChange:
    country: str
    city: str | None = None


@dataclass(frozen=True)
class ProfileChanges:
    """What the caller sent: a value, None to clear (or REQUIRED for required fields), or KEEP."""

    first_name: str | None | Keep = KEEP
    last_name: str | None | Keep = KEEP
    email: str | None | Keep = KEEP
    phone: str | None | Keep = KEEP
    location: LocationChange | None | Keep = KEEP
    language: str | None | Keep = KEEP
    timezone: str | None | Keep = KEEP
    job_title: str | None | Keep = KEEP


@dataclass(frozen=True)
class ProfileUpdate:
    """A checked update: the new profile, the new sign-in email to confirm (if any), what changed."""

    profile: Profile
    new_email: str | None
    changed: tuple[str, ...]


def apply_changes(user: User, changes: ProfileChanges, *, password_given: bool) -> ProfileUpdate:
    """Check every sent field against the rules and apply them to the user's profile (pure).

    Phone numbers in national format are read with the profile's country: the one sent in the same
    input if any, else the stored one. Raises ValidationFailed with every wrong field.
    """
    p = user.profile
    errors = Collector()
    first = _name(errors, changes.first_name, p.first_name, "first_name", "The first name")
    last = _name(errors, changes.last_name, p.last_name, "last_name", "The last name")
    location = _location(errors, changes.location, p.location)
    region = location.country if location else None

    def phone(value: str) -> str:
        return normalize_phone(value, ("phone",), country=region)

    new = replace(
        p,
        first_name=first,
        last_name=last,
        location=location,
        phone=_optional(errors, changes.phone, p.phone, phone),
        language=_optional(errors, changes.language, p.language, lambda v: locale.language_tag(v, ("language",))),
        timezone=_optional(errors, changes.timezone, p.timezone, lambda v: locale.timezone(v, ("timezone",))),
        job_title=_optional(errors, changes.job_title, p.job_title, _job_title),
    )
    new_email = _new_email(errors, user, changes.email, password_given=password_given)
    errors.raise_if_any()
    if new_email is not None:
        new = replace(new, pending_email=new_email)
    return ProfileUpdate(new, new_email, changed_fields(p, new, _FIELDS))


def update_profile(
    deps: Deps, actor: Actor, changes: ProfileChanges, *, expected_version: int, current_password: str | None
) -> Profile:
    """Apply a partial update to the caller's own profile and return it with its new version.

    A new `email` needs the current password (REAUTH_REQUIRED, INVALID_CREDENTIALS counted like
    sign-in failures) and at most 5 changes an hour; it becomes `pending_email` and a code is
    mailed to it, voiding any earlier code. Whether another user signs in with the address is
    never answered here: the answer is the same, and that owner is told instead (email_change.start).
    """
    with deps.uow(write=False) as uow:
        user = load_user(uow, actor.user_id)
    update = apply_changes(user, changes, password_given=bool(current_password))
    if user.profile.version != expected_version:  # fail before spending a password attempt
        raise _version_conflict()
    if update.new_email is not None:
        check_password(deps, user, current_password or "", actor.ip_address, field=("current_password",))
        limits.spend(deps.uow, deps.clock(), [(email_change.LIMIT, str(user.id))])
    now = deps.clock()
    profile = replace(update.profile, updated_at=now)
    with deps.uow() as uow:
        if not uow.profiles.update(user.id, expected_version, profile):
            raise _version_conflict()
        if update.new_email is not None:
            email_change.start(deps, uow, user, update.new_email)
        uow.audit.add(actor.audit("profile.update", "User", user.id, fields=update.changed))
        saved = uow.users.get(user.id)
        uow.commit()
    assert saved is not None
    return saved.profile


def name(value: str | None, field: tuple[str, ...], label: str) -> str:
    """A user's first or last name, trimmed; raises Required when blank, TooLong past 100 characters
    or Invalid for control or formatting characters."""
    checked = text.clean_text(value, field, max_len=MAX_NAME_LENGTH, required=True, label=label)
    assert checked is not None  # required
    return checked


def _name(errors: Collector, sent: str | None | Keep, stored: str, field: str, label: str) -> str:
    if isinstance(sent, Keep):
        return stored
    checked = errors.check(name, sent, (field,), label)
    return stored if checked is None else checked  # a wrong name is reported; the update is not saved


def _optional(
    errors: Collector, sent: str | None | Keep, stored: str | None, check: Callable[[str], str | None]
) -> str | None:
    """KEEP keeps, None or blank clears, anything else must pass `check`."""
    if isinstance(sent, Keep):
        return stored
    if sent is None or not sent.strip():
        return None
    return errors.check(check, sent)


def _location(errors: Collector, sent: LocationChange | None | Keep, stored: Location | None) -> Location | None:
    """The whole location is replaced when sent; a country that fails the check gives None."""
    if isinstance(sent, Keep):
        return stored
    if sent is None:
        return None
    country = errors.check(geo.country_code, sent.country, ("location", "country"))
    city = errors.check(text.clean_text, sent.city, ("location", "city"), max_len=MAX_CITY_LENGTH, label="The city")
    return Location(country, city) if country else None


def _job_title(value: str) -> str | None:
    return text.clean_text(value, ("job_title",), max_len=MAX_JOB_TITLE_LENGTH, label="The job title")


def _new_email(errors: Collector, user: User, sent: str | None | Keep, *, password_given: bool) -> str | None:
    """The address to confirm, or None when left out or equal to the current sign-in email."""
    if isinstance(sent, Keep):
        return None
    if sent is None:
        errors.errors.append(Required("The sign-in email cannot be removed.", ("email",)))
        return None
    email = errors.check(normalize_email, sent, ("email",))
    if email is None or email == user.email:
        return None
    if not password_given:
        errors.errors.append(
            ReauthRequired("Enter your current password to change your sign-in email.", ("current_password",))
        )
    return email


def _version_conflict() -> VersionConflict:
    return VersionConflict(
        "Your profile was changed by someone else in the meantime; reload it and apply your changes again.",
        ("expected_version",),
    )
