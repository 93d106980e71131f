"""API tokens: creating one (the secret is shown once), finding the live one behind a bearer
secret, revoking one, and the housekeeping reminder before one expires.

A token is a credential of its owner, never a session: it has scopes, and what it may do is those
scopes intersected with what the owner's role allows at each request (domain.rules.api_tokens).
Only a keyed digest of the secret is stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from uuid import UUID

from domain import alerts, limits, mails
from domain.deps import Deps
from domain.entities import Account, Actor, ApiScope, ApiToken, AuditEvent, Mail, User, UserRole, Via
from domain.errors import (
    AlreadyExists,
    Collector,
    Invalid,
    NotFound,
    ReauthRequired,
    Required,
    ScopeNotAllowed,
    TooLong,
)
from domain.limits import Limit
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.rules import api_tokens as rules
from domain.services.common import load_user, locked_account
from domain.services.sessions import NO_READS, Preloaded, Reads, preload
from domain.services.signin import check_password

PURPOSE = "api-token"
MAX_LIVE = 20
MAX_NAME = 100
MAX_DAYS = 366
DEFAULT_DAYS = 90
REMIND_BEFORE = timedelta(days=7)
KEEP_ENDED = timedelta(days=30)  # revoked and expired tokens stay listed this long, then are deleted
# Reporting a leak needs no sign-in: bounded per client so it cannot be used to probe for secrets.
LEAK_LIMIT = Limit("token-leak:ip", 20, timedelta(hours=1))


@dataclass(frozen=True)
class TokenAuthenticated:
    """The caller behind a live API token: its owner as they are now, and the scopes it has now."""

    token: ApiToken
    user: User
    account: Account
    scopes: frozenset[ApiScope]
    preloaded: Preloaded = field(default_factory=Preloaded, compare=False)

    @property
    def credential_key(self) -> str:
        """What per-credential budgets are keyed on."""
        return f"token:{self.token.id}"

    @property
    def session_id(self) -> UUID | None:
        return None

    def actor(self, ip_address: str | None, user_agent: str | None = None) -> Actor:
        agent = (user_agent or "")[:300] or None
        u = self.user
        return Actor(
            u.id, u.account_id, u.role, None, ip_address, via=Via.API_TOKEN, user_agent=agent, token_id=self.token.id
        )


def effective_scopes(token: ApiToken, role: UserRole) -> frozenset[ApiScope]:
    """The token's scopes that the owner's role allows now: a demoted owner's token shrinks."""
    return frozenset(token.scopes) & rules.allowed_scopes(role)


def create_api_token(
    deps: Deps, actor: Actor, *, name: str, scopes: list[ApiScope], expires_in_days: int, current_password: str
) -> tuple[ApiToken, str]:
    """Make a token for the caller and return it with its secret, which is never stored or shown again.

    Raises Required, TooLong, Invalid (days out of 1..366, 20 live tokens), ScopeNotAllowed,
    AlreadyExists (a live token has the name), ReauthRequired (MFA on, session without it),
    InvalidCredentials and TooManyAttempts (the password check, counted like a sign-in).
    """
    with deps.uow(write=False) as uow:
        user = load_user(uow, actor.user_id)
    cleaned = _checked_input(user, name, scopes, expires_in_days, current_password)
    if user.mfa_enabled and not actor.mfa_verified:
        raise ReauthRequired("Sign in again with your second factor before creating an API token.")
    check_password(deps, user, current_password, actor.ip_address)
    secret, now = rules.new_secret(), deps.clock()
    token = ApiToken(
        uuid.uuid4(),
        user.id,
        cleaned,
        rules.shown_prefix(secret),
        deps.keyring.digest(PURPOSE, secret),
        rules.in_order(frozenset(scopes)),
        now,
        now + timedelta(days=expires_in_days),
    )
    with deps.uow() as uow:
        locked_account(uow, user.account_id)  # two creations at once see each other's token
        live = [t for t in uow.api_tokens.for_users([user.id])[user.id] if t.live(now)]
        if len(live) >= MAX_LIVE:
            raise Invalid(f"You have {MAX_LIVE} live API tokens already; revoke one first.")
        if any(t.name.casefold() == cleaned.casefold() for t in live):
            raise AlreadyExists("You have a live API token with this name already.", ("name",))
        uow.api_tokens.add(token)
        uow.audit.add(actor.audit("token.create", "ApiToken", token.id, ("name", "scopes", "expires_at")))
        uow.outbox.add(_mail("api_token_created", user, token, alerts.report_link(deps, uow, user.id)))
        uow.commit()
    return token, secret


def _checked_input(user: User, name: str, scopes: list[ApiScope], days: int, password: str) -> str:
    errors = Collector()
    cleaned = " ".join(name.split())
    if not cleaned:
        errors.errors.append(Required("Give the token a name.", ("name",)))
    elif len(cleaned) > MAX_NAME:
        errors.errors.append(TooLong(f"A name has at most {MAX_NAME} characters.", ("name",)))
    if not scopes:
        errors.errors.append(Required("Give the token at least one scope.", ("scopes",)))
    refused = [s for s in rules.in_order(frozenset(scopes)) if s not in rules.allowed_scopes(user.role)]
    if refused:
        names = ", ".join(s.value for s in refused)
        errors.errors.append(ScopeNotAllowed(f"Your role does not allow {names}.", ("scopes",)))
    if not 1 <= days <= MAX_DAYS:
        errors.errors.append(Invalid(f"A token expires in 1 to {MAX_DAYS} days.", ("expires_in_days",)))
    if not password:
        errors.errors.append(Required("Enter your current password.", ("current_password",)))
    errors.raise_if_any()
    return cleaned


def authenticate(deps: Deps, secret: str, ip: str | None, reads: Reads = NO_READS) -> TokenAuthenticated | None:
    """The live token behind a bearer secret, or None; a malformed secret costs no look-up.
    Notes its use (time and address) at most once a minute. With `reads`, what the request will
    read next comes in the same read transaction (as for sessions)."""
    found, due = look_up(deps, secret, ip, reads)
    return touch(deps, found, ip) if found is not None and due else found


def look_up(
    deps: Deps,
    secret: str,
    ip: str | None,
    reads: Reads = NO_READS,
    *,
    uow: UnitOfWorkFactory | None = None,
    checked: bool = False,
) -> tuple[TokenAuthenticated | None, bool]:
    """`authenticate` without its write: the token (or None) and whether its use is due to be noted
    (`touch`). `uow` may name another factory for the read (deps.loop_uow). `checked`: the caller
    found the secret well formed (`rules.is_well_formed`) already."""
    if not checked and not rules.is_well_formed(secret):
        return None, False
    now = deps.clock()
    with (uow or deps.uow)(write=False) as work:
        found = work.api_tokens.authenticate(deps.keyring.digest(PURPOSE, secret))
        if found is None or not found[0].live(now):
            return None, False
        preloaded = preload(work, found[1], reads, now, int(deps.policy.idle_ttl.total_seconds()))
    token, user, account = found
    due = token.last_used_at is None or now - token.last_used_at >= deps.policy.touch_interval
    return TokenAuthenticated(token, user, account, effective_scopes(token, user.role), preloaded), due


def touch(deps: Deps, found: TokenAuthenticated, ip: str | None) -> TokenAuthenticated:
    """Note the token's use now, from `ip` (at most once a minute, see `look_up`)."""
    now = deps.clock()
    with deps.uow() as uow:
        uow.api_tokens.touch(found.token.id, now, ip)
        uow.commit()
    return replace(found, token=replace(found.token, last_used_at=now, last_used_ip=ip))


def revoke_api_token(deps: Deps, actor: Actor, token_id: UUID | None) -> ApiToken:
    """Revoke one of the caller's tokens, or, for an ACCOUNT_ADMIN, any token of the account's users.
    Anyone else's token is NOT_FOUND, like a made-up ID; revoking twice changes nothing."""
    now = deps.clock()
    with deps.uow() as uow:
        found = uow.api_tokens.get(token_id) if token_id is not None else None
        if found is None or not _may_revoke(actor, found[1]):
            raise NotFound("No such API token.", ("api_token_id",))
        token, owner = found
        if uow.api_tokens.revoke(token.id, now):
            token = replace(token, revoked_at=now)
            event = actor.audit("token.revoke", "ApiToken", token.id, ("revoked_at",))
            uow.audit.add(replace(event, user_id=owner.id))  # in the owner's security log
            by = "you" if owner.id == actor.user_id else "an administrator of your account"
            uow.outbox.add(_mail("api_token_revoked", owner, token, alerts.report_link(deps, uow, owner.id), by=by))
        uow.commit()
    return token


def _may_revoke(actor: Actor, owner: User) -> bool:
    if owner.id == actor.user_id:
        return True
    return actor.role is UserRole.ACCOUNT_ADMIN and owner.account_id == actor.account_id


def revoke_leaked(deps: Deps, secret: str, ip: str | None, user_agent: str | None) -> None:
    """Revoke the token behind a secret someone found, and tell its owner. Needs no sign-in and
    answers the same whether or not the token exists (or was revoked already); at most 20 reports
    an hour per client. Raises Required, Invalid (not in a token's format), TooManyAttempts."""
    client = limits.client_key(ip)
    if client:
        limits.spend(deps.uow, deps.clock(), [(LEAK_LIMIT, client)])
    if not secret.strip():
        raise Required("Paste the token that leaked.", ("secret",))
    if not rules.is_well_formed(secret.strip()):
        raise Invalid("This is not an API token of this service: check that it was copied whole.", ("secret",))
    now = deps.clock()
    with deps.uow() as uow:
        found = uow.api_tokens.by_hash(deps.keyring.digest(PURPOSE, secret.strip()))
        if found is not None and uow.api_tokens.revoke(found[0].id, now):
            token, owner = replace(found[0], revoked_at=now), found[1]
            uow.audit.add(_leak_event(token, owner, ip, user_agent))
            uow.outbox.add(_mail("api_token_leaked", owner, token, alerts.report_link(deps, uow, owner.id)))
        uow.commit()


def revoke_all(deps: Deps, uow: UnitOfWork, user: User) -> int:
    """Inside the caller's transaction: revoke every live token of the user (a password change,
    reset or report of unrecognized activity); how many. Each is an audit event."""
    revoked = uow.api_tokens.revoke_all(user.id, deps.clock())
    for token in revoked:
        uow.audit.add(_leak_event(token, user, None, None, action="token.revoke"))
    return len(revoked)


def revoked_sentence(count: int) -> str:
    """The line a mail about a password change or reset says about the user's tokens."""
    if not count:
        return ""
    return f"{count} API {'token was' if count == 1 else 'tokens were'} revoked."


def tokens_for_users(deps: Deps, user_ids: list[UUID]) -> dict[UUID, list[ApiToken]]:
    """Each user's tokens, newest first; revoked and expired ones for 30 days."""
    now = deps.clock()
    with deps.uow(write=False) as uow:
        found = uow.api_tokens.for_users(user_ids)
    return {u: [t for t in tokens if _listed(t, now)] for u, tokens in found.items()}


def tokens_for_account(deps: Deps, account_id: UUID) -> list[ApiToken]:
    """The tokens of every user of the account, newest first; ended ones for 30 days."""
    now = deps.clock()
    with deps.uow(write=False) as uow:
        found = uow.api_tokens.for_account(account_id)
    return [t for t in found if _listed(t, now)]


def _listed(token: ApiToken, now: datetime) -> bool:
    ended = min(token.expires_at, token.revoked_at or token.expires_at)
    return now - ended < KEEP_ENDED


def send_expiry_reminders(deps: Deps) -> int:
    """Housekeeping: mail the owner of each live token that expires within 7 days, once per token."""
    now = deps.clock()
    with deps.uow(write=False) as uow:
        due = uow.api_tokens.expiring(now, now + REMIND_BEFORE)
    sent = 0
    for token, owner in due:
        with deps.uow() as uow:
            if uow.api_tokens.mark_reminded(token.id, now):  # one process wins each token
                uow.outbox.add(_mail("api_token_expiring", owner, token, ""))
                sent += 1
            uow.commit()
    return sent


def _mail(template: str, owner: User, token: ApiToken, report_link: str, **more: str) -> Mail:
    return mails.render(
        template,
        owner.email,
        first_name=owner.profile.first_name,
        label=token.name,
        prefix=token.prefix,
        scopes=", ".join(s.value for s in token.scopes),
        expires=f"{token.expires_at:%Y-%m-%d %H:%M} UTC",
        report_link=report_link,
        **more,
    )


def _leak_event(
    token: ApiToken, owner: User, ip: str | None, user_agent: str | None, *, action: str = "token.revoke_leaked"
) -> AuditEvent:
    """A revocation nobody signed in made: in the owner's account and security log, with no actor."""
    return AuditEvent(
        action,
        "ApiToken",
        str(token.id),
        None,
        ("revoked_at",),
        ip,
        account_id=owner.account_id,
        user_id=owner.id,
        user_agent=(user_agent or "")[:300] or None,
    )
