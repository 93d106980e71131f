"""Passkeys and named authenticators over the shared fake unit of work, with a software passkey."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta

import pyotp
import pytest
from softkey import SoftPasskey

from domain.entities import Actor, AuthenticatorKind
from domain.errors import (
    AlreadyExists,
    CodeExpired,
    Invalid,
    InvalidCredentials,
    NotFound,
    PasswordResetRequired,
    ReauthRequired,
    TooManyAttempts,
    WebauthnFailed,
)
from domain.services import authenticators, mfa, passkeys, recovery, signin
from domain.services.sessions import SignedIn

from .world import IP, PASSWORD, World


def register(world: World, actor: Actor, key: SoftPasskey, name: str = "YubiKey 5C") -> passkeys.Registered:
    started = passkeys.start_registration(world.deps, actor, name)
    return passkeys.finish_registration(world.deps, actor, started.ceremony_id, key.create(started.options))


def passwordless(world: World, key: SoftPasskey, device_token: str | None = None, **bend: object) -> SignedIn:
    started = passkeys.start_login(world.deps, IP)
    credential = key.get(started.options, **bend)  # type: ignore[arg-type]
    return passkeys.complete_login(
        world.deps,
        challenge_id=started.ceremony_id,
        credential=credential,
        ip=IP,
        user_agent="pytest",
        device_token=device_token,
    )


def test_a_first_passkey_turns_mfa_on_with_recovery_codes(world: World) -> None:
    actor, key = world.signed_in(), SoftPasskey(synced=True)
    started = passkeys.start_registration(world.deps, actor, " YubiKey   5C ")
    options = json.loads(started.options)
    assert options["authenticatorSelection"] == {
        "residentKey": "required",
        "requireResidentKey": True,
        "userVerification": "required",
    }
    assert options["rp"] == {"name": "Tenantry", "id": "localhost"} and options["timeout"] == 300_000
    done = passkeys.finish_registration(world.deps, actor, started.ceremony_id, key.create(started.options))
    assert done.recovery_codes is not None and len(done.recovery_codes) == 10
    assert done.mfa.enabled and done.mfa.recovery_codes_remaining == 10
    [stored] = world.tables.authenticators.values()
    assert (stored.kind, stored.name, stored.credential_id, stored.synced) == (
        AuthenticatorKind.PASSKEY,
        "YubiKey 5C",
        key.id,
        True,
    )
    assert world.tables.sessions[actor.session_id].mfa_at == world.now  # type: ignore[index]
    assert [m.subject for m in world.tables.outbox] == ["Two-step sign-in is on"]
    assert "mfa.authenticator.add" in world.audit_actions() and "mfa.enable" in world.audit_actions()


def test_registration_excludes_existing_passkeys_and_needs_an_mfa_session(world: World) -> None:
    actor = world.signed_in()
    first = SoftPasskey()
    register(world, actor, first)
    with pytest.raises(ReauthRequired):
        passkeys.start_registration(world.deps, replace(actor, mfa_verified=False), "Phone")
    verified = replace(actor, mfa_verified=True)
    options = passkeys.start_registration(world.deps, verified, "Phone").options
    assert [c["id"] for c in json.loads(options)["excludeCredentials"]] == [first.id]
    with pytest.raises(ValueError, match="excluded"):
        first.create(options)
    done = register(world, verified, SoftPasskey(), "Phone")
    assert done.recovery_codes is None and done.mfa.recovery_codes_remaining == 10
    assert world.tables.outbox[-1].subject == "A second factor was added to your account"


def test_a_registration_challenge_is_used_once_and_expires_after_five_minutes(world: World) -> None:
    actor, key = world.signed_in(), SoftPasskey()
    started = passkeys.start_registration(world.deps, actor, "Key")
    answer = key.create(started.options)
    world.later(minutes=5)
    with pytest.raises(CodeExpired):
        passkeys.finish_registration(world.deps, actor, started.ceremony_id, answer)
    again = passkeys.start_registration(world.deps, actor, "Key")
    with pytest.raises(WebauthnFailed):  # a wrong answer spends the ceremony too
        passkeys.finish_registration(world.deps, actor, again.ceremony_id, key.create(again.options, origin="x"))
    with pytest.raises(CodeExpired):
        passkeys.finish_registration(world.deps, actor, again.ceremony_id, key.create(again.options))
    assert world.tables.authenticators == {}


@pytest.mark.parametrize("bend", [{"origin": "https://evil.example"}, {"rp_id": "evil.example"}])
def test_registration_refuses_another_origin_or_rp_id(world: World, bend: dict[str, str]) -> None:
    actor, key = world.signed_in(), SoftPasskey()
    started = passkeys.start_registration(world.deps, actor, "Key")
    with pytest.raises(WebauthnFailed) as raised:
        passkeys.finish_registration(world.deps, actor, started.ceremony_id, key.create(started.options, **bend))
    assert raised.value.code == "WEBAUTHN_FAILED" and raised.value.field == ("credential",)


def test_registration_needs_user_verification(world: World) -> None:
    with pytest.raises(WebauthnFailed):
        register(world, world.signed_in(), SoftPasskey(verify_user=False))


def test_passwordless_sign_in_counts_as_both_factors(world: World) -> None:
    actor, key = world.signed_in(), SoftPasskey()
    register(world, actor, key)
    world.later(minutes=1)
    signed_in = passwordless(world, key)
    assert signed_in.user.id == actor.user_id and signed_in.session.mfa_at == world.now
    assert signed_in.device_token is not None  # a new device, like after a password sign-in
    [stored] = world.tables.authenticators.values()
    assert stored.sign_count == 1 and stored.last_used_at == world.now
    assert world.attempts("signin:ip") == 0 and world.attempts("signin:account") == 0  # given back
    assert "passkey.login" in world.audit_actions()


def test_passwordless_sign_in_needs_user_verification(world: World) -> None:
    key = SoftPasskey()
    register(world, world.signed_in(), key)
    key.verify_user = False
    with pytest.raises(WebauthnFailed):
        passwordless(world, key)


def test_a_replayed_assertion_is_refused(world: World) -> None:
    key = SoftPasskey()
    register(world, world.signed_in(), key)
    started = passkeys.start_login(world.deps, IP)
    answer = key.get(started.options)
    sign_in = {"credential": answer, "ip": IP, "user_agent": None}
    passkeys.complete_login(world.deps, challenge_id=started.ceremony_id, **sign_in)  # type: ignore[arg-type]
    with pytest.raises(CodeExpired):
        passkeys.complete_login(world.deps, challenge_id=started.ceremony_id, **sign_in)  # type: ignore[arg-type]
    fresh = passkeys.start_login(world.deps, IP)
    with pytest.raises(WebauthnFailed):  # signed over another challenge
        passkeys.complete_login(world.deps, challenge_id=fresh.ceremony_id, **sign_in)  # type: ignore[arg-type]
    assert world.attempts("signin:ip") == 2  # the failures count like wrong passwords


@pytest.mark.parametrize("bend", [{"origin": "http://localhost:9999"}, {"rp_id": "example.com"}])
def test_sign_in_refuses_another_origin_or_rp_id(world: World, bend: dict[str, str]) -> None:
    key = SoftPasskey()
    register(world, world.signed_in(), key)
    with pytest.raises(WebauthnFailed):
        passwordless(world, key, **bend)


def test_a_counter_that_did_not_go_up_is_refused_and_mailed(world: World) -> None:
    actor, key = world.signed_in(), SoftPasskey()
    register(world, actor, key)
    passwordless(world, key, count=5)
    with pytest.raises(WebauthnFailed):
        passwordless(world, key, count=3)
    [stored] = world.tables.authenticators.values()
    assert stored.sign_count == 5
    assert world.tables.outbox[-1].subject == "A copy of your passkey may exist"
    assert '"YubiKey 5C"' in world.tables.outbox[-1].text
    assert world.audit_actions()[-1] == "mfa.passkey.clone_detected"


def test_passwordless_sign_in_from_a_known_device_counts_against_the_device(world: World) -> None:
    key = SoftPasskey()
    register(world, world.signed_in(), key)
    device = passwordless(world, key).device_token
    again = passwordless(world, key, device_token=device)
    assert again.device_token is None and world.attempts("signin:device") == 0
    with pytest.raises(WebauthnFailed):
        passwordless(world, key, device_token=device, origin="https://evil.example")
    assert world.attempts("signin:device") == 1 and world.attempts("signin:ip") == 0


def test_an_unknown_passkey_counts_against_the_client(world: World) -> None:
    for _ in range(world.deps.policy.ip_limit.count):
        with pytest.raises(WebauthnFailed):
            passwordless(world, SoftPasskey(rp_id="localhost", user_handle="eA"))
    with pytest.raises(TooManyAttempts):
        passwordless(world, SoftPasskey(rp_id="localhost", user_handle="eA"))


def test_a_passkey_answers_the_second_step_of_a_password_sign_in(world: World) -> None:
    actor, key = world.signed_in(), SoftPasskey()
    register(world, actor, key)
    user = world.user_of(actor)
    required = signin.login(world.deps, email=user.email, password=PASSWORD, ip=IP, user_agent=None)
    assert isinstance(required, signin.MfaRequired)
    assert required.methods == (AuthenticatorKind.PASSKEY,) and required.passkey_options is not None
    assert [c["id"] for c in json.loads(required.passkey_options)["allowCredentials"]] == [key.id]
    answer = key.get(required.passkey_options)
    done = passkeys.complete_mfa_login(
        world.deps, challenge=required.challenge, credential=answer, ip=IP, user_agent=None
    )
    assert done.user.id == actor.user_id and done.session.mfa_at == world.now
    with pytest.raises(CodeExpired):  # the challenge was used
        passkeys.complete_mfa_login(world.deps, challenge=required.challenge, credential=answer, ip=IP, user_agent=None)


def test_the_second_step_refuses_a_wrong_answer_and_counts_it(world: World) -> None:
    actor, key = world.signed_in(), SoftPasskey()
    register(world, actor, key)
    user = world.user_of(actor)
    required = signin.login(world.deps, email=user.email, password=PASSWORD, ip=IP, user_agent=None)
    assert isinstance(required, signin.MfaRequired) and required.passkey_options is not None
    with pytest.raises(WebauthnFailed):
        passkeys.complete_mfa_login(
            world.deps,
            challenge=required.challenge,
            credential=key.get(required.passkey_options, origin="https://evil.example"),
            ip=IP,
            user_agent=None,
        )
    assert world.attempts(mfa.CODE_LIMIT.scope) == 1


# ---------------------------------------------------------------- named authenticators


def enroll_app(world: World, actor: Actor, name: str | None = None) -> pyotp.TOTP:
    app = pyotp.parse_uri(mfa.start_enrollment(world.deps, actor, name).otpauth_uri)
    mfa.confirm_enrollment(world.deps, actor, app.at(world.now))
    return app


def test_each_totp_app_has_its_own_replay_protection(world: World) -> None:
    actor = replace(world.signed_in(), mfa_verified=True)
    first = enroll_app(world, actor)
    second = enroll_app(world, actor, "Pixel 8")
    world.later(seconds=30)
    user = world.user_of(actor)

    def step_two(code: str) -> SignedIn:
        required = signin.login(world.deps, email=user.email, password=PASSWORD, ip=IP, user_agent=None)
        assert isinstance(required, signin.MfaRequired) and required.methods == (AuthenticatorKind.TOTP,)
        return mfa.complete_login(world.deps, challenge=required.challenge, code=code, ip=IP, user_agent=None)

    step_two(first.at(world.now))
    step_two(second.at(world.now))  # the same 30 seconds, another app: accepted
    with pytest.raises(Exception, match="wrong or was used"):
        step_two(second.at(world.now))


def test_ten_factors_at_most_with_unique_names(world: World) -> None:
    actor = replace(world.signed_in(), mfa_verified=True)
    enroll_app(world, actor)
    with pytest.raises(AlreadyExists):
        mfa.start_enrollment(world.deps, actor, "authenticator APP")
    for n in range(2, 11):
        enroll_app(world, actor, f"App {n}")
    with pytest.raises(Invalid):
        passkeys.start_registration(world.deps, actor, "Key")
    assert len(world.tables.authenticators) == 10


def test_rename_mails_and_refuses_a_taken_name_or_another_users_authenticator(world: World) -> None:
    actor = replace(world.signed_in(), mfa_verified=True)
    enroll_app(world, actor)
    register(world, actor, SoftPasskey(), "Key")
    app, key = sorted(world.tables.authenticators.values(), key=lambda a: a.created_at)
    renamed = authenticators.rename(world.deps, actor, app.id, "Work phone")
    assert renamed.name == "Work phone" and world.tables.authenticators[app.id].name == "Work phone"
    assert world.tables.outbox[-1].subject == "A second factor was renamed"
    with pytest.raises(AlreadyExists):
        authenticators.rename(world.deps, actor, app.id, "key")
    other = world.signed_in("bo@example.com")
    with pytest.raises(NotFound):
        authenticators.rename(world.deps, other, key.id, "Mine")


def test_removing_needs_the_password_and_the_last_one_turns_mfa_off(world: World) -> None:
    actor = replace(world.signed_in(), mfa_verified=True)
    enroll_app(world, actor)
    register(world, actor, SoftPasskey(), "Key")
    app, key = sorted(world.tables.authenticators.values(), key=lambda a: a.created_at)
    with pytest.raises(InvalidCredentials):
        authenticators.remove(world.deps, actor, app.id, "wrong password")
    with world.deps.uow() as uow:
        signin.start_mfa_challenge(world.deps, uow, world.user_of(actor))
        uow.commit()
    user, remaining = authenticators.remove(world.deps, actor, app.id, PASSWORD)
    assert user.mfa_enabled and remaining == 10 and list(world.tables.authenticators) == [key.id]
    assert world.tables.mfa_challenges == {}  # a pending second step dies with the change
    assert world.tables.outbox[-1].subject == "A second factor was removed from your account"
    user, remaining = authenticators.remove(world.deps, actor, key.id, PASSWORD)
    assert not user.mfa_enabled and remaining == 0 and world.tables.recovery_codes == {}
    assert not world.tables.users[actor.user_id].mfa_enabled
    assert world.tables.outbox[-1].subject == "Two-step sign-in is off"
    assert world.audit_actions()[-2:] == ["mfa.authenticator.remove", "mfa.disable"]


def test_disable_removes_every_factor(world: World) -> None:
    actor = replace(world.signed_in(), mfa_verified=True)
    app = enroll_app(world, actor)
    register(world, actor, SoftPasskey(), "Key")
    world.later(seconds=30)
    mfa.disable(world.deps, actor, password=PASSWORD, code=app.at(world.now), ip=IP)
    assert world.tables.authenticators == {} and not world.tables.users[actor.user_id].mfa_enabled


def test_an_expired_login_challenge_is_refused(world: World) -> None:
    key = SoftPasskey()
    register(world, world.signed_in(), key)
    started = passkeys.start_login(world.deps, IP)
    answer = key.get(started.options)
    world.clock.advance(timedelta(minutes=5))
    with pytest.raises(CodeExpired):
        passkeys.complete_login(world.deps, challenge_id=started.ceremony_id, credential=answer, ip=IP, user_agent=None)


def test_removing_a_factor_needs_a_session_that_passed_mfa(world: World) -> None:
    actor = replace(world.signed_in(), mfa_verified=True)
    enroll_app(world, actor)
    [app] = world.tables.authenticators.values()
    with pytest.raises(ReauthRequired):  # a session from before MFA, even with the password
        authenticators.remove(world.deps, replace(actor, mfa_verified=False), app.id, PASSWORD)
    assert list(world.tables.authenticators) == [app.id]


def test_after_reported_activity_no_passkey_signs_in_and_every_passkey_is_gone(world: World) -> None:
    actor, key = world.signed_in(), SoftPasskey()
    register(world, actor, key)
    world.tables.users[actor.user_id].password_reset_required = True
    with pytest.raises(PasswordResetRequired):  # verified, yet refused until the reset
        passwordless(world, key)
    world.tables.users[actor.user_id].password_reset_required = False
    link = re.search(r"#token=([\w-]+)", world.tables.outbox[-1].text)  # the "This wasn't me" link
    assert link is not None
    recovery.report_unrecognized_activity(world.deps, token=link.group(1), ip=None, user_agent=None)
    assert world.tables.authenticators == {} and not world.tables.users[actor.user_id].mfa_enabled
    with pytest.raises(WebauthnFailed):  # an intruder's passkey would not outlast the reset
        passwordless(world, key)
