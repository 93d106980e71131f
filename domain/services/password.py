"""Changing the signed-in user's password."""

from __future__ import annotations

from domain import alerts, mails
from domain.deps import Deps
from domain.devices import user_hasher_key
from domain.entities import Actor, Mail, User
from domain.errors import Collector, InvalidCredentials, Required
from domain.rules.passwords import check_new_password
from domain.security import normalize_password
from domain.services import api_tokens
from domain.services.common import load_user
from domain.services.signin import check_password

_NEW = ("new_password",)
_CURRENT = ("current_password",)


def change_password(deps: Deps, actor: Actor, *, current_password: str, new_password: str) -> int:
    """Replace the caller's password, sign out their other sessions and revoke their API tokens;
    return how many sessions ended.

    The new password must pass the NIST SP 800-63B policy (WEAK_PASSWORD, INVALID past 256
    characters) before the current one is checked, so a weak choice costs no sign-in attempt; a
    wrong current password is INVALID_CREDENTIALS and counts like a failed sign-in; the same
    password again is PASSWORD_REUSED. The session making the change stays signed in, and the user
    is mailed a notice.
    """
    _require(current_password, new_password)
    with deps.uow(write=False) as uow:
        user = load_user(uow, actor.user_id)
    _check_policy(user, new_password, current_matches=False)
    check_password(deps, user, current_password, actor.ip_address, field=_CURRENT)
    same = normalize_password(new_password, _NEW) == normalize_password(current_password, _CURRENT)
    _check_policy(user, new_password, current_matches=same)
    with deps.hasher.slot(user_hasher_key(user.id), known=True):  # the checked owner goes first
        new_hash = deps.hasher.hash(new_password)
    with deps.uow() as uow:
        if not uow.profiles.set_password(user.id, user.password_hash, new_hash):
            # Another request changed the password since it was checked: the one given is no longer current.
            raise InvalidCredentials("The password is wrong.", _CURRENT)
        revoked = uow.sessions.delete_others(user.id, actor.session_id)
        tokens = api_tokens.revoke_all(deps, uow, user)
        uow.outbox.add(_notice(user, revoked, tokens, alerts.report_link(deps, uow, user.id)))
        uow.mfa.void_challenges(user.id)  # a second step started before the change must not finish
        uow.audit.add(actor.audit("password.change", "User", user.id, fields=("password",)))
        uow.commit()
    return revoked


def _require(current_password: str, new_password: str) -> None:
    errors = Collector()
    if not current_password:
        errors.errors.append(Required("Enter your current password.", _CURRENT))
    if not new_password:
        errors.errors.append(Required("Choose a new password.", _NEW))
    errors.raise_if_any()


def _check_policy(user: User, new_password: str, *, current_matches: bool) -> None:
    check_new_password(
        new_password,
        email=user.email,
        first_name=user.profile.first_name,
        last_name=user.profile.last_name,
        current_matches=current_matches,
        field=_NEW,
    )


def _notice(user: User, revoked: int, tokens: int, report_link: str) -> Mail:
    signed_out = (
        f"{revoked} other {'session was' if revoked == 1 else 'sessions were'} signed out."
        if revoked
        else "No other sessions were signed in."
    )
    return mails.render(
        "password_changed",
        user.email,
        first_name=user.profile.first_name,
        signed_out=signed_out,
        tokens_revoked=api_tokens.revoked_sentence(tokens),
        report_link=report_link,
    )
