"""API tokens (domain/services/api_tokens.py, domain/rules/api_tokens.py) on the fake unit of work."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from domain.entities import Actor, ApiScope, UserRole, Via
from domain.errors import (
    AlreadyExists,
    Invalid,
    InvalidCredentials,
    NotFound,
    ReauthRequired,
    TooManyAttempts,
    ValidationFailed,
)
from domain.rules import api_tokens as rules
from domain.services import api_tokens, password, recovery

from .world import PASSWORD, World

READ = [ApiScope.PROFILE_READ]


def create(world: World, actor: Actor, name: str = "CI", scopes: list[ApiScope] | None = None, **more: object) -> str:
    values: dict[str, object] = {"expires_in_days": 90, "current_password": PASSWORD, **more}
    _, secret = api_tokens.create_api_token(
        world.deps,
        actor,
        name=name,
        scopes=READ if scopes is None else scopes,
        expires_in_days=values["expires_in_days"],  # type: ignore[arg-type]
        current_password=values["current_password"],  # type: ignore[arg-type]
    )
    return secret


def codes_of(error: pytest.ExceptionInfo[Exception]) -> list[tuple[str, tuple[str, ...]]]:
    found = error.value.errors if isinstance(error.value, ValidationFailed) else [error.value]
    return [(e.code, e.field) for e in found]  # type: ignore[attr-defined]


def test_secrets_have_the_prefix_256_random_bits_and_a_checksum() -> None:
    secret = rules.new_secret()
    assert secret.startswith("tnt_pat_") and len(secret) == 8 + 43 + 6
    assert rules.is_well_formed(secret) and rules.new_secret() != secret
    typo = secret[:20] + ("A" if secret[20] != "A" else "B") + secret[21:]
    assert not rules.is_well_formed(typo)  # one wrong character: the checksum tells, no database needed
    assert not rules.is_well_formed(secret[:-1]) and not rules.is_well_formed("tnt_xxx_" + secret[8:])
    assert not rules.is_well_formed(secret[:-6] + "!!!!!!")
    assert rules.shown_prefix(secret) == secret[:14]


def test_creating_a_token_stores_only_its_digest_and_tells_the_owner(world: World) -> None:
    actor = world.signed_in()
    secret = create(world, actor, "  Deploy   bot ", [ApiScope.ACCOUNT_READ, ApiScope.PROFILE_READ])
    [token] = world.tables.api_tokens.values()
    assert token.name == "Deploy bot" and token.scopes == (ApiScope.PROFILE_READ, ApiScope.ACCOUNT_READ)
    assert token.token_hash == world.deps.keyring.digest(api_tokens.PURPOSE, secret)
    assert secret not in repr(world.tables) and token.prefix == secret[:14]
    assert token.expires_at == world.now + timedelta(days=90)
    assert world.audit_actions() == ["token.create"]
    [mail] = world.mails_to("alva@example.com")
    assert mail.subject == "A new API token was created for your account"
    assert "Deploy bot" in mail.text and token.prefix in mail.text and secret not in mail.text


def test_every_bad_input_is_reported_at_once(world: World) -> None:
    actor = world.signed_in()
    with pytest.raises(ValidationFailed) as error:
        create(world, actor, " ", [], expires_in_days=0, current_password="")
    assert codes_of(error) == [
        ("REQUIRED", ("name",)),
        ("REQUIRED", ("scopes",)),
        ("INVALID", ("expires_in_days",)),
        ("REQUIRED", ("current_password",)),
    ]
    with pytest.raises(ValidationFailed) as error:
        create(world, actor, "x" * 101, expires_in_days=367)
    assert codes_of(error) == [("TOO_LONG", ("name",)), ("INVALID", ("expires_in_days",))]
    create(world, actor, "x" * 100, expires_in_days=366)


def test_scopes_the_role_does_not_allow_are_refused(world: World) -> None:
    member = world.signed_in()
    with pytest.raises(ValidationFailed, match="ACCOUNT_WRITE, AUDIT_READ") as error:
        create(world, member, scopes=[ApiScope.PROFILE_READ, ApiScope.ACCOUNT_WRITE, ApiScope.AUDIT_READ])
    assert codes_of(error) == [("SCOPE_NOT_ALLOWED", ("scopes",))]
    admin = world.signed_in("admin@example.com", role=UserRole.ACCOUNT_ADMIN)
    create(world, admin, scopes=[ApiScope.ACCOUNT_WRITE, ApiScope.AUDIT_READ])
    with pytest.raises(ValidationFailed, match="TRANSFERS_RESOLVE"):
        create(world, admin, "resolve", scopes=[ApiScope.TRANSFERS_RESOLVE])


def test_the_password_is_checked_like_a_sign_in(world: World) -> None:
    actor = world.signed_in()
    with pytest.raises(InvalidCredentials) as error:
        create(world, actor, current_password="not-my-password")
    assert error.value.field == ("current_password",) and world.tables.api_tokens == {}
    assert world.attempts("signin:account") == 1


def test_with_mfa_on_only_a_session_that_passed_mfa_may_create_one(world: World) -> None:
    actor = world.signed_in()
    world.tables.users[actor.user_id].mfa_enabled_at = world.now
    with pytest.raises(ReauthRequired):
        create(world, actor)
    create(world, replace(actor, mfa_verified=True))


def test_names_are_unique_among_live_tokens_and_20_may_live(world: World) -> None:
    actor = world.signed_in()
    create(world, actor, "CI")
    with pytest.raises(AlreadyExists) as error:
        create(world, actor, "ci")
    assert error.value.field == ("name",)
    [token] = world.tables.api_tokens.values()
    api_tokens.revoke_api_token(world.deps, actor, token.id)
    create(world, actor, "CI")  # a revoked token's name is free again
    for n in range(19):
        create(world, actor, f"bot {n}")
    with pytest.raises(Invalid, match="20 live API tokens"):
        create(world, actor, "one too many")


def test_a_token_authenticates_as_its_owner_with_its_scopes(world: World) -> None:
    actor = world.signed_in("admin@example.com", role=UserRole.ACCOUNT_ADMIN)
    secret = create(world, actor, scopes=[ApiScope.ACCOUNT_WRITE, ApiScope.PROFILE_READ])
    found = api_tokens.authenticate(world.deps, secret, "198.51.100.7")
    assert found is not None and found.user.id == actor.user_id
    assert found.scopes == {ApiScope.ACCOUNT_WRITE, ApiScope.PROFILE_READ}
    assert found.credential_key == f"token:{found.token.id}" and found.session_id is None
    acting = found.actor("198.51.100.7")
    assert acting.via is Via.API_TOKEN and acting.token_id == found.token.id and acting.session_id is None
    assert acting.audit("x.y", "User", actor.user_id).api_token_id == found.token.id


def test_malformed_unknown_revoked_and_expired_tokens_do_not_authenticate(world: World) -> None:
    actor = world.signed_in()
    secret = create(world, actor)
    commits = world.db.commits
    typo = secret[:-1] + ("x" if secret[-1] != "x" else "y")
    assert api_tokens.authenticate(world.deps, typo, None) is None
    assert api_tokens.authenticate(world.deps, rules.new_secret(), None) is None
    assert world.db.commits == commits
    world.later(days=90)
    assert api_tokens.authenticate(world.deps, secret, None) is None
    other = create(world, actor, "other")
    api_tokens.revoke_api_token(
        world.deps, actor, next(t.id for t in world.tables.api_tokens.values() if t.name == "other")
    )
    assert api_tokens.authenticate(world.deps, other, None) is None


def test_use_is_written_at_most_once_a_minute(world: World) -> None:
    secret = create(world, world.signed_in())
    api_tokens.authenticate(world.deps, secret, "192.0.2.1")
    first = world.now
    world.later(seconds=30)
    api_tokens.authenticate(world.deps, secret, "192.0.2.2")
    [token] = world.tables.api_tokens.values()
    assert (token.last_used_at, token.last_used_ip) == (first, "192.0.2.1")
    world.later(seconds=31)
    api_tokens.authenticate(world.deps, secret, "192.0.2.2")
    [token] = world.tables.api_tokens.values()
    assert (token.last_used_at, token.last_used_ip) == (world.now, "192.0.2.2")


def test_a_demoted_owner_s_token_shrinks_and_a_removed_owner_s_dies(world: World) -> None:
    admin = world.signed_in("admin@example.com", role=UserRole.ACCOUNT_ADMIN)
    secret = create(world, admin, scopes=[ApiScope.ACCOUNT_WRITE, ApiScope.ACCOUNT_READ])
    world.tables.users[admin.user_id].role = UserRole.MEMBER
    found = api_tokens.authenticate(world.deps, secret, None)
    assert found is not None and found.scopes == {ApiScope.ACCOUNT_READ}
    del world.tables.users[admin.user_id]
    assert api_tokens.authenticate(world.deps, secret, None) is None


def test_owners_revoke_their_own_and_account_admins_anyone_s_in_the_account(world: World) -> None:
    account = world.account()
    member = world.signed_in(account=account)
    other = world.signed_in("bo@example.com", account=account)
    admin = world.signed_in("admin@example.com", account=account, role=UserRole.ACCOUNT_ADMIN)
    stranger = world.signed_in("eve@example.com", role=UserRole.ACCOUNT_ADMIN)
    create(world, member)
    [token] = world.tables.api_tokens.values()
    for outsider in (other, stranger):
        with pytest.raises(NotFound) as error:
            api_tokens.revoke_api_token(world.deps, outsider, token.id)
        assert error.value.field == ("api_token_id",)
    with pytest.raises(NotFound):
        api_tokens.revoke_api_token(world.deps, member, uuid.uuid4())
    revoked = api_tokens.revoke_api_token(world.deps, admin, token.id)
    assert revoked.revoked_at == world.now == world.tables.api_tokens[token.id].revoked_at
    event = world.tables.audit[-1]
    assert (event.action, event.actor_user_id, event.user_id) == ("token.revoke", admin.user_id, member.user_id)
    mail = world.mails_to("alva@example.com")[-1]
    assert mail.subject == "An API token of your account was revoked" and "an administrator" in mail.text
    api_tokens.revoke_api_token(world.deps, member, token.id)  # again: nothing more happens
    assert len(world.mails_to("alva@example.com")) == 2


def test_a_leaked_token_is_revoked_by_anyone_and_its_owner_told(world: World) -> None:
    secret = create(world, world.signed_in())
    api_tokens.revoke_leaked(world.deps, secret, "203.0.113.5", None)
    [token] = world.tables.api_tokens.values()
    assert token.revoked_at == world.now
    assert world.mails_to("alva@example.com")[-1].subject == "Your API token was reported as leaked and is revoked"
    assert world.tables.audit[-1].action == "token.revoke_leaked" and world.tables.audit[-1].actor_user_id is None
    mails = len(world.tables.outbox)
    api_tokens.revoke_leaked(world.deps, secret, "203.0.113.5", None)  # again, and an unknown one: the same answer
    api_tokens.revoke_leaked(world.deps, rules.new_secret(), "203.0.113.5", None)
    assert len(world.tables.outbox) == mails
    with pytest.raises(Invalid):
        api_tokens.revoke_leaked(world.deps, "tnt_pat_typo", "203.0.113.5", None)


def test_leak_reports_are_limited_per_client(world: World) -> None:
    for _ in range(api_tokens.LEAK_LIMIT.count):
        api_tokens.revoke_leaked(world.deps, rules.new_secret(), "203.0.113.5", None)
    with pytest.raises(TooManyAttempts):
        api_tokens.revoke_leaked(world.deps, rules.new_secret(), "203.0.113.5", None)


def test_a_password_change_revokes_every_token_and_says_so(world: World) -> None:
    actor = world.signed_in()
    create(world, actor, "a")
    create(world, actor, "b")
    password.change_password(world.deps, actor, current_password=PASSWORD, new_password="copper-meadow-lantern-77")
    assert all(t.revoked_at == world.now for t in world.tables.api_tokens.values())
    assert "2 API tokens were revoked." in world.mails_to("alva@example.com")[-1].text


def test_a_report_of_unrecognized_activity_revokes_every_token(world: World) -> None:
    actor = world.signed_in()
    create(world, actor)
    world.tables.report_tokens.clear()
    with world.db() as uow:
        from domain import alerts

        link = alerts.report_link(world.deps, uow, actor.user_id)
        uow.commit()
    recovery.report_unrecognized_activity(world.deps, token=link.split("=")[-1], ip=None, user_agent=None)
    assert all(t.revoked_at is not None for t in world.tables.api_tokens.values())


def test_owners_are_reminded_once_seven_days_before_expiry(world: World) -> None:
    create(world, world.signed_in(), expires_in_days=10)
    assert api_tokens.send_expiry_reminders(world.deps) == 0
    world.later(days=3, seconds=1)
    assert api_tokens.send_expiry_reminders(world.deps) == 1
    assert api_tokens.send_expiry_reminders(world.deps) == 0
    assert [m.subject for m in world.mails_to("alva@example.com")][-1] == "Your API token expires soon"


def test_ended_tokens_stay_listed_30_days_newest_first(world: World) -> None:
    actor = world.signed_in()
    create(world, actor, "old", expires_in_days=1)
    world.later(minutes=1)
    create(world, actor, "new")
    assert [t.name for t in api_tokens.tokens_for_users(world.deps, [actor.user_id])[actor.user_id]] == ["new", "old"]
    world.later(days=31)
    assert [t.name for t in api_tokens.tokens_for_users(world.deps, [actor.user_id])[actor.user_id]] == ["new"]
