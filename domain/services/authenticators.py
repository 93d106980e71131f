"""A user's named second factors (TOTP apps and passkeys): adding one, renaming, removing, listing.

Adding and removing take the account's lock first, so two concurrent requests cannot both add the
tenth factor, or both remove "one of two" and leave MFA on with none. The first factor of either
kind turns MFA on and creates the recovery codes; removing the last turns MFA off.
"""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from domain import alerts, mails, totp
from domain.deps import Deps
from domain.entities import Actor, Authenticator, AuthenticatorKind, User
from domain.errors import AlreadyExists, Invalid, NotFound, ReauthRequired, Required, TooLong
from domain.ports import UnitOfWork
from domain.services.common import load_user, locked_account
from domain.services.signin import check_password

MAX_AUTHENTICATORS = 10
MAX_NAME = 64
DEFAULT_NAMES = {AuthenticatorKind.TOTP: "Authenticator app", AuthenticatorKind.PASSKEY: "Passkey"}
KIND_TEXT = {AuthenticatorKind.TOTP: "authenticator app", AuthenticatorKind.PASSKEY: "passkey"}


def check_name(name: str) -> str:
    """A name as stored: trimmed, 1-64 characters. Raises Required or TooLong."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise Required("Give the authenticator a name.", ("name",))
    if len(cleaned) > MAX_NAME:
        raise TooLong(f"A name has at most {MAX_NAME} characters.", ("name",))
    return cleaned


def default_name(existing: list[Authenticator], kind: AuthenticatorKind) -> str:
    """ "Authenticator app", then "Authenticator app 2" and so on: the first name not taken."""
    taken = {a.name.casefold() for a in existing}
    base = DEFAULT_NAMES[kind]
    candidates = [base, *(f"{base} {i}" for i in range(2, MAX_AUTHENTICATORS + 2))]
    return next(n for n in candidates if n.casefold() not in taken)


def check_room(user: User, actor: Actor, existing: list[Authenticator], name: str) -> None:
    """Whether this caller may add a factor named `name` now.

    Raises ReauthRequired (MFA is on but this session did not pass it), Invalid (10 already) and
    AlreadyExists (the name is taken).
    """
    if user.mfa_enabled and not actor.mfa_verified:
        raise ReauthRequired("Sign in again with your second factor before adding another one.")
    if len(existing) >= MAX_AUTHENTICATORS:
        raise Invalid(f"You have {MAX_AUTHENTICATORS} second factors already; remove one first.")
    if any(a.name.casefold() == name.casefold() for a in existing):
        raise AlreadyExists("You have an authenticator with this name already.", ("name",))


def add_factor(deps: Deps, uow: UnitOfWork, actor: Actor, new: Authenticator) -> list[str] | None:
    """Store a verified factor inside the caller's transaction; the recovery codes when it turned MFA on.

    Takes the account lock, then checks again what check_room checked before the ceremony.
    """
    user = load_user(uow, actor.user_id)
    locked_account(uow, user.account_id)
    user = load_user(uow, actor.user_id)
    check_room(user, actor, uow.authenticators.for_users([user.id])[user.id], new.name)
    uow.authenticators.add(new)
    uow.audit.add(actor.audit("mfa.authenticator.add", "Authenticator", new.id, ("kind", "name")))
    now = deps.clock()
    codes = None
    if uow.mfa.enable(user.id, now):
        codes = totp.new_recovery_codes()
        uow.mfa.replace_recovery_codes(user.id, [recovery_digest(deps, user.id, c) for c in codes], now)
        uow.outbox.add(mails.render("mfa_enabled", user.email, report_link=alerts.report_link(deps, uow, user.id)))
        uow.audit.add(actor.audit("mfa.enable", "User", user.id, ("mfa", "recovery_codes")))
        if actor.session_id is not None:  # this session just proved the new factor
            uow.sessions.mark_mfa(actor.session_id, now)
    else:
        link = alerts.report_link(deps, uow, user.id)
        uow.outbox.add(
            mails.render("authenticator_added", user.email, kind=KIND_TEXT[new.kind], label=new.name, report_link=link)
        )
    uow.mfa.void_challenges(user.id)  # a second step started before the change must not finish
    return codes


def rename(deps: Deps, actor: Actor, authenticator_id: UUID | None, name: str) -> Authenticator:
    """Give one of the caller's authenticators another name. Raises NotFound, AlreadyExists, Required, TooLong."""
    cleaned = check_name(name)
    with deps.uow() as uow:
        user = load_user(uow, actor.user_id)
        existing = uow.authenticators.for_users([user.id])[user.id]
        target = _find(existing, authenticator_id)
        if any(a.name.casefold() == cleaned.casefold() and a.id != target.id for a in existing):
            raise AlreadyExists("You have an authenticator with this name already.", ("name",))
        uow.authenticators.rename(user.id, target.id, cleaned)
        text = KIND_TEXT[target.kind]
        link = alerts.report_link(deps, uow, user.id)
        renamed = mails.render(
            "authenticator_renamed", user.email, kind=text, old=target.name, label=cleaned, report_link=link
        )
        uow.outbox.add(renamed)
        uow.audit.add(actor.audit("mfa.authenticator.rename", "Authenticator", target.id, ("name",)))
        uow.commit()
    return replace(target, name=cleaned)


def remove(deps: Deps, actor: Actor, authenticator_id: UUID | None, password: str) -> tuple[User, int]:
    """Remove one of the caller's authenticators, with the password; the last one turns MFA off.

    Returns the user as it is afterwards and their unused recovery codes. Raises Required,
    InvalidCredentials, TooManyAttempts, NotFound.
    """
    if not password:
        raise Required("Enter your password.", ("current_password",))
    with deps.uow(write=False) as uow:
        user = load_user(uow, actor.user_id)
    if user.mfa_enabled and not actor.mfa_verified:  # as for adding one: a password alone is not enough
        raise ReauthRequired("Sign in again with your second factor before removing one.")
    check_password(deps, user, password, actor.ip_address)
    with deps.uow() as uow:
        locked_account(uow, user.account_id)
        user = load_user(uow, actor.user_id)
        existing = uow.authenticators.for_users([user.id])[user.id]
        target = _find(existing, authenticator_id)
        uow.authenticators.remove(user.id, target.id)
        uow.audit.add(actor.audit("mfa.authenticator.remove", "Authenticator", target.id))
        if len(existing) == 1:
            uow.mfa.disable(user.id)
            user.mfa_enabled_at = None
            uow.outbox.add(mails.render("mfa_disabled", user.email, report_link=alerts.report_link(deps, uow, user.id)))
            uow.audit.add(actor.audit("mfa.disable", "User", user.id, ("mfa", "recovery_codes")))
        else:
            text = KIND_TEXT[target.kind]
            link = alerts.report_link(deps, uow, user.id)
            uow.outbox.add(
                mails.render("authenticator_removed", user.email, kind=text, label=target.name, report_link=link)
            )
        uow.mfa.void_challenges(user.id)  # a second step started before the change must not finish
        remaining = uow.mfa.recovery_codes_remaining([user.id])[user.id]
        uow.commit()
    return user, remaining


def authenticators_for_users(deps: Deps, user_ids: list[UUID]) -> dict[UUID, list[Authenticator]]:
    """Every authenticator of each user, oldest first, in one statement for all of them."""
    with deps.uow(write=False) as uow:
        return uow.authenticators.for_users(user_ids)


def recovery_digest(deps: Deps, user_id: UUID, code: str) -> str:
    """The keyed digest a recovery code is stored as (bound to its user)."""
    canonical = totp.canonical_recovery_code(code)
    assert canonical is not None
    return deps.keyring.digest("mfa-recovery", f"{user_id}:{canonical}")


def _find(existing: list[Authenticator], authenticator_id: UUID | None) -> Authenticator:
    for a in existing:
        if a.id == authenticator_id:
            return a
    raise NotFound("No such authenticator.", ("authenticator_id",))
