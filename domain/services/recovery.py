"""Password recovery and "this wasn't me": a mailed reset code, and the link in security mails.

requestPasswordReset answers the same for every email, after the same work: the code is made and
the per-address counter counted either way; only a user's own address gets the mail. A reset
code is 10 characters of an unambiguous alphabet (about 49 bits), valid 15 minutes, 5 tries in
all (each counted before the comparison), stored as a keyed digest; a new code voids the old one.
Every failure of resetPassword reads alike, so it tells nothing about who has an account.
"""

from __future__ import annotations

from datetime import timedelta

from domain import alerts, codes, limits, mails
from domain.deps import Deps
from domain.devices import user_hasher_key
from domain.entities import AuditEvent, AuthenticatorKind, Mail, PasswordResetCode, User, UserRole
from domain.errors import Collector, DomainError, InvalidCode, PasswordReused, Required
from domain.limits import Limit
from domain.ports import UnitOfWork
from domain.rules.passwords import check_new_password
from domain.services import api_tokens
from domain.services.signin import MAX_EMAIL_INPUT

RESET_CODE = codes.CodeKind("password-reset", "ask for a new code", digits=10, alphabet=codes.UNAMBIGUOUS)
IP_LIMIT = Limit("reset:ip", 20, timedelta(hours=1))
MAIL_LIMIT = Limit("reset:mail", 3, timedelta(hours=1))
MAX_TOKEN_INPUT = 200
_WRONG = "The code is wrong or no longer works; check the email address, or ask for a new code."
_NEW = ("new_password",)


def request_password_reset(deps: Deps, *, email: str, ip: str | None, user_agent: str | None) -> None:
    """Mail a reset code when `email` signs a user in (at most 3 an hour); answer the same otherwise.

    Raises Required for a blank email, TooManyAttempts past 20 requests an hour from one client.
    """
    if not email.strip():
        raise Required("Enter your email address.", ("email",))
    now = deps.clock()
    client = limits.client_key(ip)
    if client:
        limits.spend(deps.uow, now, [(IP_LIMIT, client)])
    address = email.strip()[:MAX_EMAIL_INPUT]
    key = deps.keyring.digest("limit", address.casefold())
    with deps.uow(write=False) as uow:
        user = uow.users.by_email(address) if len(email) <= MAX_EMAIL_INPUT else None
    code, digest = RESET_CODE.issue(deps.keyring, str(user.id) if user else key)  # the same work either way
    with deps.uow() as uow:
        allowed = uow.attempts.hit(MAIL_LIMIT.scope, key, MAIL_LIMIT.window_start(now)) <= MAIL_LIMIT.count
        mail = _code_mail(user.email if user else address, user, code)
        if user is not None and allowed:
            uow.recovery.save_code(user.id, PasswordResetCode(digest, now + RESET_CODE.ttl))
            uow.outbox.add(mail)
            uow.audit.add(_event("password.reset_request", user, ip, user_agent, ()))
        uow.commit()


def reset_password(
    deps: Deps, *, email: str, code: str, new_password: str, ip: str | None, user_agent: str | None
) -> None:
    """Set a new password with the mailed code: every session and API token ends, a required reset is cleared,
    pending MFA sign-in steps die, and the user is mailed a notice. MFA stays on.

    Raises Required, WeakPassword / Invalid (the changePassword policy), PasswordReused, InvalidCode
    (one message for a wrong, spent, expired or missing code and an unknown email alike).
    """
    typed = _checked_input(email, code, new_password)
    # Only what depends on the input alone comes before the code is checked: an answer that
    # depended on the user (their names in the password) would tell who has an account.
    check_new_password(
        new_password, email=email.strip(), first_name="", last_name="", current_matches=False, field=_NEW
    )
    with deps.uow(write=False) as uow:
        user = uow.users.by_email(email.strip()) if len(email) <= MAX_EMAIL_INPUT else None
    if user is None:
        raise InvalidCode(_WRONG, ("code",))
    digest = _spend_and_check(deps, user, typed)
    # The right code proves the owner: they go first, as a signed-in user does.
    with deps.hasher.slot(user_hasher_key(user.id), known=True):
        _policy(user, new_password, same=deps.hasher.verify(new_password, user.password_hash))
        new_hash = deps.hasher.hash(new_password)
    with deps.uow() as uow:
        if not uow.recovery.finish_reset(user.id, digest, user.password_hash, new_hash):
            raise InvalidCode(_WRONG, ("code",))  # a concurrent reset won
        ended = uow.sessions.delete_others(user.id, None)
        tokens = api_tokens.revoke_all(deps, uow, user)
        uow.mfa.void_challenges(user.id)  # a second step started before the reset must not finish
        link = alerts.report_link(deps, uow, user.id)
        uow.outbox.add(_reset_notice(user, ended, tokens, link))
        uow.audit.add(_event("password.reset", user, ip, user_agent, ("password",), actor=True))
        uow.commit()


def report_unrecognized_activity(deps: Deps, *, token: str, ip: str | None, user_agent: str | None) -> None:
    """The "This wasn't me" link: end every session and API token of its user and require a password reset; tell
    the user how to reset, and the account's admins (every cloud admin, for a cloud admin).

    Raises Required, or InvalidCode for a link that is unknown, used already or older than 7 days.
    """
    if not token.strip():
        raise Required("The link's token is missing.", ("token",))
    digest = deps.keyring.digest(alerts.REPORT_PURPOSE, token.strip()[:MAX_TOKEN_INPUT])
    now = deps.clock()
    with deps.uow() as uow:
        user_id = uow.recovery.use_report_token(digest, now)
        user = uow.users.get(user_id) if user_id is not None else None
        if user is None:
            raise InvalidCode("This link is not valid: it was used already or is older than 7 days.", ("token",))
        ended = uow.sessions.delete_others(user.id, None)
        api_tokens.revoke_all(deps, uow, user)
        uow.recovery.require_reset(user.id)
        uow.mfa.void_challenges(user.id)
        _remove_passkeys(uow, user)
        _tell_of_report(deps, uow, user, ended)
        uow.audit.add(_event("security.activity_reported", user, ip, user_agent, ("password_reset_required",)))
        uow.commit()


def _remove_passkeys(uow: UnitOfWork, user: User) -> None:
    """A passkey signs in without the password, so one an intruder added would outlast the reset:
    every passkey goes (the owner adds theirs again). With no factor left, MFA is off."""
    factors = uow.authenticators.for_users([user.id])[user.id]
    keys = [a for a in factors if a.kind is AuthenticatorKind.PASSKEY]
    for key in keys:
        uow.authenticators.remove(user.id, key.id)
    if keys and len(keys) == len(factors):
        uow.mfa.disable(user.id)


def _tell_of_report(deps: Deps, uow: UnitOfWork, user: User, ended: int) -> None:
    """How to get back in, to the user; what happened, to the account's admins (or every cloud admin)."""
    first_name = user.profile.first_name
    uow.outbox.add(mails.render("activity_reported", user.email, first_name=first_name, url=deps.public_url))
    cloud = user.role is UserRole.CLOUD_ADMIN
    admins = uow.billing.cloud_admin_emails() if cloud else uow.accounts.admin_emails(user.account_id)
    at = f"{deps.clock():%Y-%m-%d %H:%M}"
    for admin in sorted(set(admins) - {user.email}):
        uow.outbox.add(_admin_notice(admin, user, ended, at))


def _checked_input(email: str, code: str, new_password: str) -> str:
    errors = Collector()
    if not email.strip():
        errors.errors.append(Required("Enter your email address.", ("email",)))
    if not new_password:
        errors.errors.append(Required("Choose a new password.", _NEW))
    typed = errors.check(RESET_CODE.typed, code)
    errors.raise_if_any()
    assert typed is not None
    return typed


def _spend_and_check(deps: Deps, user: User, typed: str) -> str:
    """Count the try in its own committed transaction, then compare; the digest of the right code."""
    now = deps.clock()
    with deps.uow() as uow:
        counted = uow.recovery.count_code_attempt(user.id, now, RESET_CODE.max_tries)
        uow.commit()
    with deps.uow(write=False) as uow:
        stored = uow.recovery.code(user.id)
    pending = codes.Pending(stored.digest, stored.expires_at, stored.attempts) if stored else None
    try:
        return RESET_CODE.check(deps.keyring, str(user.id), typed, pending, now, counted=counted)
    except DomainError as error:  # every way of failing reads alike
        raise InvalidCode(_WRONG, ("code",)) from error


def _policy(user: User, new_password: str, *, same: bool) -> None:
    check_new_password(
        new_password,
        email=user.email,
        first_name=user.profile.first_name,
        last_name=user.profile.last_name,
        current_matches=same,
        field=_NEW,
    )
    if same:  # check_new_password raises for it; kept explicit for readers
        raise PasswordReused("The new password is the same as the current one.", _NEW)


def _code_mail(to: str, user: User | None, code: str) -> Mail:
    shown = f"{code[:5]}-{code[5:]}"
    name = user.profile.first_name if user else "there"
    return mails.render("password_reset_code", to, first_name=name, code=shown, minutes=RESET_CODE.minutes)


def _reset_notice(user: User, ended: int, tokens: int, link: str) -> Mail:
    signed_out = f"{ended} {'session was' if ended == 1 else 'sessions were'} signed out." if ended else ""
    return mails.render(
        "password_reset_done",
        user.email,
        first_name=user.profile.first_name,
        signed_out=signed_out,
        tokens_revoked=api_tokens.revoked_sentence(tokens),
        report_link=link,
    )


def _admin_notice(to: str, user: User, ended: int, at: str) -> Mail:
    name = f"{user.profile.first_name} {user.profile.last_name} <{user.email}>"
    return mails.render("activity_reported_admin", to, who=name, at=at, ended=ended)


def _event(
    action: str, user: User, ip: str | None, user_agent: str | None, fields: tuple[str, ...], *, actor: bool = False
) -> AuditEvent:
    """An event of the user's recovery: in their account and their security log. Only a reset, which
    proves the mailed code, names the user as its actor."""
    return AuditEvent(
        action,
        "User",
        str(user.id),
        user.id if actor else None,
        fields,
        ip,
        account_id=user.account_id,
        user_id=user.id,
        user_agent=(user_agent or "")[:300] or None,
    )
