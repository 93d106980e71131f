"""The profile, email-change and password services over the shared fake unit of work (tests/unit/fakes.py)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from domain.changes import KEEP
from domain.entities import (
    Actor,
    Location,
    Profile,
    User,
    UserRole,
)
from domain.errors import (
    CodeExpired,
    InvalidCode,
    InvalidCredentials,
    PasswordReused,
    ReauthRequired,
    TooManyAttempts,
    ValidationFailed,
    VersionConflict,
    WeakPassword,
)
from domain.services import email_change, password, profile
from domain.services.profile import LocationChange, ProfileChanges, apply_changes

from .world import PASSWORD, START, World

NO_PW: dict[str, Any] = {"password_given": False}


def user_with(**profile_fields: Any) -> User:
    values = {"first_name": "Alva", "last_name": "Ekström", "updated_at": START, **profile_fields}
    return User(uuid.uuid4(), uuid.uuid4(), "alva@example.com", UserRole.MEMBER, "x", Profile(**values), START)


def field_codes(error: ValidationFailed) -> set[tuple[tuple[str, ...], str]]:
    return {(e.field, e.code) for e in error.errors}


# ---------------------------------------------------------------- apply_changes (pure)


def test_left_out_fields_keep_and_none_clears_optional_ones() -> None:
    user = user_with(phone="+46701234567", job_title="CFO", language="sv-SE")
    update = apply_changes(user, ProfileChanges(job_title=None, language="  "), password_given=False)
    assert update.profile == replace(user.profile, job_title=None, language=None)
    assert update.changed == ("language", "job_title") and update.new_email is None


def test_required_names_cannot_be_cleared() -> None:
    with pytest.raises(ValidationFailed) as raised:
        apply_changes(user_with(), ProfileChanges(first_name=None, last_name=""), password_given=False)
    assert field_codes(raised.value) == {(("first_name",), "REQUIRED"), (("last_name",), "REQUIRED")}


def test_national_phone_uses_the_country_sent_with_it_else_the_stored_one() -> None:
    sent = ProfileChanges(phone="070-123 45 67", location=LocationChange("se", " Lund "))
    update = apply_changes(user_with(), sent, **NO_PW)
    assert update.profile.phone == "+46701234567" and update.profile.location == Location("SE", "Lund")
    assert update.changed == ("phone", "location")
    norwegian = user_with(location=Location("NO"))
    assert apply_changes(norwegian, ProfileChanges(phone="412 34 567"), **NO_PW).profile.phone == "+4741234567"
    moving = ProfileChanges(phone="070-123 45 67", location=LocationChange("SE"))
    assert apply_changes(norwegian, moving, **NO_PW).profile.phone == "+46701234567"


def test_a_wrong_country_makes_national_phones_unreadable_too() -> None:
    with pytest.raises(ValidationFailed) as raised:
        apply_changes(user_with(), ProfileChanges(phone="070-123 45 67", location=LocationChange("XX")), **NO_PW)
    assert field_codes(raised.value) == {(("location", "country"), "INVALID"), (("phone",), "INVALID")}


def test_new_email_needs_the_password_and_the_same_email_is_no_change() -> None:
    user = user_with()
    with pytest.raises(ValidationFailed) as raised:
        apply_changes(user, ProfileChanges(email="new@example.com"), **NO_PW)
    assert field_codes(raised.value) == {(("current_password",), "REAUTH_REQUIRED")}
    assert isinstance(raised.value.errors[0], ReauthRequired)
    same = apply_changes(user, ProfileChanges(email=" alva@example.com "), **NO_PW)
    assert same.new_email is None and same.changed == ()
    new = apply_changes(user, ProfileChanges(email="New@Example.COM"), password_given=True)
    assert new.new_email == "New@example.com" and new.profile.pending_email == "New@example.com"
    assert new.changed == ("pending_email",)


def test_keep_is_the_default_for_every_field() -> None:
    assert all(value is KEEP for value in vars(ProfileChanges()).values())


# ---------------------------------------------------------------- update_profile


def test_stale_version_fails_before_the_password_is_tried(world: World) -> None:
    actor = world.signed_in()
    with pytest.raises(VersionConflict):
        profile.update_profile(
            world.deps, actor, ProfileChanges(email="n@example.com"), expected_version=7, current_password="wrong"
        )
    assert world.tables.attempts == {} and world.tables.outbox == []


def test_email_change_stores_a_digest_and_mails_the_code(world: World) -> None:
    actor = world.signed_in()
    changes = ProfileChanges(email="new@example.com", job_title="CFO")
    saved = profile.update_profile(world.deps, actor, changes, expected_version=1, current_password=PASSWORD)
    assert saved.pending_email == "new@example.com" and saved.version == 2 and saved.job_title == "CFO"
    assert world.user_of(actor).email == "alva@example.com"
    [mail] = world.tables.outbox
    assert mail.to == "new@example.com" and mail.subject == "Confirm your new sign-in email"
    code = mail.text.split()[2]
    change = world.tables.email_changes[actor.user_id]
    assert len(code) == 6 and code.isdigit() and code not in change.code_digest
    assert change.expires_at == START + timedelta(minutes=15) and change.attempts == 0
    assert world.tables.audit[-1].fields == ("pending_email", "job_title")


def test_email_of_another_user_answers_as_a_free_one_and_its_owner_is_warned(world: World) -> None:
    actor = world.signed_in()
    world.signed_in("Taken@Example.com")
    changes = ProfileChanges(email="taken@example.com")
    saved = profile.update_profile(world.deps, actor, changes, expected_version=1, current_password=PASSWORD)
    assert saved.pending_email == "taken@example.com" and saved.version == 2
    [warning] = world.tables.outbox
    assert warning.to == "taken@example.com" and warning.subject == "Someone tried to use your email address"
    with pytest.raises(InvalidCode):  # no code was ever sent: the change cannot be confirmed
        email_change.confirm_email_change(world.deps, actor, "000000")


def test_wrong_password_is_invalid_credentials(world: World) -> None:
    actor = world.signed_in()
    with pytest.raises(InvalidCredentials):
        profile.update_profile(
            world.deps, actor, ProfileChanges(email="n@example.com"), expected_version=1, current_password="nope"
        )
    assert world.user_of(actor).profile.pending_email is None


# ---------------------------------------------------------------- confirm_email_change


def started(world: World, actor: Actor, email: str = "new@example.com") -> str:
    version = world.user_of(actor).profile.version
    changes = ProfileChanges(email=email)
    profile.update_profile(world.deps, actor, changes, expected_version=version, current_password=PASSWORD)
    return world.tables.outbox[-1].text.split()[2]


def test_code_confirms_until_the_last_second_of_its_fifteen_minutes(world: World) -> None:
    actor = world.signed_in()
    code = started(world, actor)
    world.clock.now = START + timedelta(minutes=15) - timedelta(microseconds=1)
    user, _ = email_change.confirm_email_change(world.deps, actor, f" {code} ")
    assert user.email == "new@example.com" and user.profile.pending_email is None
    assert world.tables.outbox[-1].to == "alva@example.com"
    assert world.tables.audit[-1].action == "email.change" and world.tables.audit[-1].fields == ("email",)


def test_code_expires_after_fifteen_minutes(world: World) -> None:
    actor = world.signed_in()
    code = started(world, actor)
    world.clock.now = START + timedelta(minutes=15)
    with pytest.raises(CodeExpired):
        email_change.confirm_email_change(world.deps, actor, code)
    assert world.user_of(actor).email == "alva@example.com"


def test_five_wrong_tries_void_the_code_and_each_is_kept_though_it_failed(world: World) -> None:
    actor = world.signed_in()
    code = started(world, actor)
    wrong = ("1" if code[0] != "1" else "2") + code[1:]
    for left in (4, 3, 2, 1):
        with pytest.raises(InvalidCode, match=f"{left} tr"):
            email_change.confirm_email_change(world.deps, actor, wrong)
    with pytest.raises(InvalidCode, match="no longer works"):
        email_change.confirm_email_change(world.deps, actor, wrong)
    with pytest.raises(TooManyAttempts):
        email_change.confirm_email_change(world.deps, actor, code)


def test_a_new_request_voids_the_old_code_and_its_tries(world: World) -> None:
    actor = world.signed_in()
    old = started(world, actor, "first@example.com")
    with pytest.raises(InvalidCode):
        email_change.confirm_email_change(world.deps, actor, "000000" if old != "000000" else "111111")
    new = started(world, actor, "second@example.com")
    assert world.tables.email_changes[actor.user_id].attempts == 0
    if old != new:
        with pytest.raises(InvalidCode):
            email_change.confirm_email_change(world.deps, actor, old)
    assert email_change.confirm_email_change(world.deps, actor, new)[0].email == "second@example.com"


# ---------------------------------------------------------------- change_password


def test_change_password_keeps_the_current_session_only(world: World) -> None:
    actor = world.signed_in()
    world.session(world.user_of(actor))
    revoked = password.change_password(world.deps, actor, current_password=PASSWORD, new_password="saffron-lantern-9")
    assert revoked == 1
    assert list(world.tables.sessions) == [actor.session_id]
    assert world.deps.hasher.verify("saffron-lantern-9", world.user_of(actor).password_hash)
    assert world.tables.outbox[-1].subject == "Your password was changed"
    assert world.tables.audit[-1].fields == ("password",)


def test_same_password_in_another_unicode_form_is_reused(world: World) -> None:
    composed = "Ångström-garden-é"
    actor = world.signed_in()
    world.user_of(actor).password_hash = world.deps.hasher.hash(composed)
    with pytest.raises(PasswordReused):
        password.change_password(
            world.deps, actor, current_password=composed, new_password="A\u030angstro\u0308m-garden-e\u0301"
        )


def test_weak_password_is_refused_before_the_current_one_is_checked(world: World) -> None:
    actor = world.signed_in()
    with pytest.raises(WeakPassword, match="last name"):
        password.change_password(world.deps, actor, current_password="wrong", new_password="hello-EKSTRÖM-hello")
    assert world.tables.attempts == {}
