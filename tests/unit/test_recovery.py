"""New-device alerts (domain/alerts.py), "this wasn't me" and password recovery
(domain/services/recovery.py) on the fake unit of work."""

from __future__ import annotations

import re

import pytest

from domain import alerts, codes, devices
from domain.entities import UserRole
from domain.errors import InvalidCode, PasswordResetRequired, PasswordReused, TooManyAttempts, WeakPassword
from domain.services import recovery, signin
from domain.services.sessions import SignedIn

from .world import PASSWORD, World

FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
NEW = "copper-meadow-lantern-77"


def sign_in(world: World, ip: str = "192.0.2.10", agent: str = "pytest", device: str | None = None) -> SignedIn:
    result = signin.login(
        world.deps, email="alva@example.com", password=PASSWORD, ip=ip, user_agent=agent, device_token=device
    )
    assert isinstance(result, SignedIn)
    return result


def alerts_to(world: World, address: str = "alva@example.com") -> list[str]:
    return [m.text for m in world.mails_to(address) if m.subject == "New sign-in to your account"]


def token_in(text: str) -> str:
    found = re.search(r"#token=([\w-]+)", text)
    assert found, text
    return found.group(1)


def test_the_first_sign_in_sends_no_alert_and_a_new_device_does(world: World) -> None:
    world.user(timezone="Europe/Stockholm")
    first = sign_in(world)
    assert alerts_to(world) == []
    sign_in(world, device=first.device_token)  # the same device, by its token
    sign_in(world, ip="192.0.2.77")  # the same browser in the same /24, without its token
    assert alerts_to(world) == []
    sign_in(world, ip="198.51.100.5", agent=FIREFOX)
    [text] = alerts_to(world)
    assert "Firefox 120 on Ubuntu" in text and "198.51.100.5" in text
    assert "09:00 UTC" in text and "10:00 Europe/Stockholm" in text
    assert text.count("http://127.0.0.1:8000/report-activity#token=") == 1


def test_a_device_unseen_for_90_days_is_new_again(world: World) -> None:
    world.user()
    first = sign_in(world)
    world.later(days=91)
    sign_in(world, device=first.device_token)
    assert len(alerts_to(world)) == 1


def test_networks_are_24_for_ipv4_and_64_for_ipv6() -> None:
    assert alerts.network_of("192.0.2.77") == "192.0.2.0/24"
    assert alerts.network_of("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert alerts.describe_agent(None) == "An unknown browser or app on an unknown system"


def test_the_report_link_ends_sessions_and_requires_a_reset(world: World) -> None:
    account = world.account()
    world.user("admin@example.com", account=account, role=UserRole.ACCOUNT_ADMIN)
    alva = world.user(account=account)
    first = sign_in(world)
    sign_in(world, ip="198.51.100.5", agent=FIREFOX)
    token = token_in(alerts_to(world)[0])
    assert world.deps.keyring.digest(alerts.REPORT_PURPOSE, token) in world.tables.report_tokens  # only its digest
    recovery.report_unrecognized_activity(world.deps, token=token, ip="203.0.113.9", user_agent=FIREFOX)
    assert world.tables.sessions == {} and world.tables.users[alva.id].password_reset_required
    assert [m.subject for m in world.mails_to("admin@example.com")] == ["A user reported activity that was not theirs"]
    with pytest.raises(PasswordResetRequired):
        sign_in(world, device=first.device_token)  # even the known device with the right password
    with pytest.raises(InvalidCode):  # single use
        recovery.report_unrecognized_activity(world.deps, token=token, ip=None, user_agent=None)
    assert "security.activity_reported" in world.audit_actions()


def test_a_report_of_a_cloud_admin_tells_every_cloud_admin(world: World) -> None:
    world.user("root@example.com", role=UserRole.CLOUD_ADMIN)
    world.user(role=UserRole.CLOUD_ADMIN)
    sign_in(world)
    sign_in(world, ip="198.51.100.5", agent=FIREFOX)
    token = token_in(alerts_to(world)[0])
    world.later(days=8)
    with pytest.raises(InvalidCode):  # older than 7 days
        recovery.report_unrecognized_activity(world.deps, token=token, ip=None, user_agent=None)
    sign_in(world, ip="203.0.113.1", agent=FIREFOX)
    recovery.report_unrecognized_activity(world.deps, token=token_in(alerts_to(world)[-1]), ip=None, user_agent=None)
    assert len(world.mails_to("root@example.com")) == 1


def reset_code(world: World, address: str = "alva@example.com") -> str:
    text = [m.text for m in world.mails_to(address) if m.subject == "Your password reset code"][-1]
    found = re.search(r"\b([2-9A-Z]{5}-[2-9A-Z]{5})\b", text)
    assert found, text
    return found.group(1)


def test_reset_codes_are_10_unambiguous_characters_stored_hashed(world: World) -> None:
    alva = world.user()
    recovery.request_password_reset(world.deps, email="ALVA@example.com", ip="192.0.2.1", user_agent=None)
    code = reset_code(world).replace("-", "")
    assert len(code) == 10 and set(code) <= set(codes.UNAMBIGUOUS)
    assert code not in repr(world.tables.reset_codes[alva.id])


def test_unknown_emails_get_the_same_answer_and_no_mail(world: World) -> None:
    recovery.request_password_reset(world.deps, email="nobody@example.com", ip="192.0.2.1", user_agent=None)
    assert world.tables.outbox == [] and world.tables.audit == []
    assert world.attempts("reset:mail") == 1  # the same work was done


def test_three_mails_per_address_and_twenty_requests_per_client_an_hour(world: World) -> None:
    world.user()
    for _ in range(5):
        recovery.request_password_reset(world.deps, email="alva@example.com", ip="192.0.2.1", user_agent=None)
    assert len(world.mails_to("alva@example.com")) == 3
    for _ in range(15):
        recovery.request_password_reset(world.deps, email="x@example.com", ip="192.0.2.1", user_agent=None)
    with pytest.raises(TooManyAttempts):
        recovery.request_password_reset(world.deps, email="y@example.com", ip="192.0.2.1", user_agent=None)


def test_a_reset_sets_the_password_ends_sessions_and_keeps_mfa(world: World) -> None:
    alva = world.user()
    world.session(alva)
    world.tables.users[alva.id].password_reset_required = True
    recovery.request_password_reset(world.deps, email=alva.email, ip=None, user_agent=None)
    recovery.reset_password(
        world.deps, email=alva.email, code=reset_code(world).lower(), new_password=NEW, ip=None, user_agent=None
    )
    user = world.tables.users[alva.id]
    assert world.deps.hasher.verify(NEW, user.password_hash) and not user.password_reset_required
    assert world.tables.sessions == {} and world.tables.reset_codes == {}
    assert world.audit_actions()[-1] == "password.reset"
    assert world.mails_to(alva.email)[-1].subject == "Your password was reset"


def test_a_reset_checks_the_rules_and_counts_every_try(world: World) -> None:
    alva = world.user()
    recovery.request_password_reset(world.deps, email=alva.email, ip=None, user_agent=None)
    code = reset_code(world)
    with pytest.raises(WeakPassword):
        recovery.reset_password(world.deps, email=alva.email, code=code, new_password="short", ip=None, user_agent=None)
    with pytest.raises(PasswordReused):
        recovery.reset_password(
            world.deps, email=alva.email, code=code, new_password=PASSWORD, ip=None, user_agent=None
        )
    for _ in range(4):  # PASSWORD_REUSED spent one (its code matched); WEAK_PASSWORD none
        with pytest.raises(InvalidCode):
            recovery.reset_password(
                world.deps, email=alva.email, code="ABCDE-FGHJK", new_password=NEW, ip=None, user_agent=None
            )
    with pytest.raises(InvalidCode):  # five tries in all, the right code too once they are spent
        recovery.reset_password(world.deps, email=alva.email, code=code, new_password=NEW, ip=None, user_agent=None)


def test_a_new_code_voids_the_old_one(world: World) -> None:
    alva = world.user()
    recovery.request_password_reset(world.deps, email=alva.email, ip=None, user_agent=None)
    old = reset_code(world)
    recovery.request_password_reset(world.deps, email=alva.email, ip=None, user_agent=None)
    with pytest.raises(InvalidCode):
        recovery.reset_password(world.deps, email=alva.email, code=old, new_password=NEW, ip=None, user_agent=None)
    assert devices.TTL  # the known-device module is what alerts build on


def test_a_reset_answers_alike_for_a_known_and_an_unknown_email_until_the_code_is_right(world: World) -> None:
    alva = world.user()  # Alva Ekström
    for email in (alva.email, "nobody@example.com"):
        with pytest.raises(WeakPassword):  # depends on the input only
            recovery.reset_password(
                world.deps, email=email, code="ABCDE-FGHJK", new_password="short", ip=None, user_agent=None
            )
        with pytest.raises(InvalidCode):  # the name in the password is not checked before the code
            recovery.reset_password(
                world.deps,
                email=email,
                code="ABCDE-FGHJK",
                new_password="sea-by-ekström-harbour",
                ip=None,
                user_agent=None,
            )
    recovery.request_password_reset(world.deps, email=alva.email, ip=None, user_agent=None)
    with pytest.raises(WeakPassword):  # with the right code the personal rule applies
        recovery.reset_password(
            world.deps,
            email=alva.email,
            code=reset_code(world),
            new_password="sea-by-ekström-harbour",
            ip=None,
            user_agent=None,
        )
