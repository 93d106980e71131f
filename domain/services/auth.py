"""Signing in, sessions and the attempt limits that guard every secret the caller must know."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from domain.entities import Account, Actor, AuditEvent, MfaChallenge, Session, User
from domain.errors import InvalidCredentials, NotFound, Required, TooManyAttempts
from domain.ports import Clock, Keyring, PasswordHasher, UnitOfWork, UnitOfWorkFactory
from domain.security import BUSY_MESSAGE, new_token, normalize_password

MAX_EMAIL_INPUT = 320
MFA_CHALLENGE_TTL = timedelta(minutes=5)
MFA_CHALLENGE_PURPOSE = "mfa-challenge"


@dataclass(frozen=True)
class Limit:
    """At most `count` failures per key within a fixed window of `window` length."""

    scope: str
    count: int
    window: timedelta

    def window_start(self, now: datetime) -> datetime:
        seconds = int(self.window.total_seconds())
        return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=now.tzinfo)


@dataclass(frozen=True)
class AuthPolicy:
    absolute_ttl: timedelta = timedelta(hours=12)
    idle_ttl: timedelta = timedelta(hours=1)
    touch_interval: timedelta = timedelta(minutes=1)
    account_limit: Limit = Limit("signin:account", 10, timedelta(minutes=15))
    ip_limit: Limit = Limit("signin:ip", 100, timedelta(minutes=15))


@dataclass(frozen=True)
class Deps:
    """What the sign-in services need, built once by the server."""

    uow: UnitOfWorkFactory
    hasher: PasswordHasher
    keyring: Keyring
    clock: Clock
    policy: AuthPolicy = field(default_factory=AuthPolicy)
    mfa_issuer: str = "Tenantry"


@dataclass(frozen=True)
class SignedIn:
    token: str
    session: Session
    user: User
    account: Account


@dataclass(frozen=True)
class MfaRequired:
    challenge: str


@dataclass(frozen=True)
class Authenticated:
    session: Session
    user: User
    account: Account

    def actor(self, ip_address: str | None) -> Actor:
        return Actor(self.user.id, self.user.account_id, self.user.role, self.session.id, ip_address)


def consume_attempts(deps: Deps, keys: list[tuple[Limit, str]]) -> None:
    """Count one attempt against every (limit, key) in its own committed transaction.

    Counting happens before the secret is checked, atomically in the database, so N concurrent
    requests (aliased fields, batches, several server processes) spend N attempts, never fewer.
    """
    now = deps.clock()
    with deps.uow() as uow:
        counts = [(limit, uow.attempts.hit(limit.scope, key, limit.window_start(now))) for limit, key in keys]
        uow.commit()
    for limit, count in counts:
        if count > limit.count:
            retry = limit.window_start(now) + limit.window - now
            minutes = max(1, round(retry.total_seconds() / 60))
            raise TooManyAttempts(f"Too many failed attempts; try again in about {minutes} minute(s).")


def refund_attempts(uow: UnitOfWork, now: datetime, keys: list[tuple[Limit, str]]) -> None:
    """Give back attempts that turned out to succeed; call inside the success transaction."""
    for limit, key in keys:
        uow.attempts.refund(limit.scope, key, limit.window_start(now))


def signin_keys(deps: Deps, email: str, ip: str | None) -> list[tuple[Limit, str]]:
    keys = [(deps.policy.account_limit, deps.keyring.digest("limit", email.strip().casefold()))]
    if ip:
        keys.append((deps.policy.ip_limit, ip))
    return keys


def refuse_if_busy(deps: Deps) -> None:
    """Refuse at once while every hashing slot is taken; cheap enough for the event loop, so a
    sign-in flood is turned away without even a trip to a worker thread."""
    if deps.hasher.busy():
        raise TooManyAttempts(BUSY_MESSAGE)


def login(deps: Deps, *, email: str, password: str, ip: str | None, user_agent: str | None) -> SignedIn | MfaRequired:
    """Check email and password; answer with a new session, or an MFA challenge when MFA is on."""
    _check_login_input(email, password)
    with deps.hasher.slot():
        keys = signin_keys(deps, email, ip)
        consume_attempts(deps, keys)
        with deps.uow(write=False) as uow:
            user = uow.users.by_email(email.strip())
        if user is None:
            deps.hasher.verify_dummy(password)
            raise InvalidCredentials("The email or password is wrong.")
        if not deps.hasher.verify(password, user.password_hash):
            raise InvalidCredentials("The email or password is wrong.")
        # A raised BCRYPT_ROUNDS reaches stored hashes at their owners' next sign-in.
        rehashed = deps.hasher.hash(password) if deps.hasher.needs_rehash(user.password_hash) else None
    with deps.uow() as uow:
        refund_attempts(uow, deps.clock(), keys)
        if rehashed is not None:
            uow.profiles.set_password(user.id, user.password_hash, rehashed)
        if user.mfa_enabled:
            result: SignedIn | MfaRequired = MfaRequired(start_mfa_challenge(deps, uow, user))
        else:
            result = open_session(deps, uow, user, ip=ip, user_agent=user_agent)
        uow.commit()
    return result


def _check_login_input(email: str, password: str) -> None:
    if not email.strip():
        raise Required("Enter your email address.", ("email",))
    if len(email) > MAX_EMAIL_INPUT:
        raise InvalidCredentials("The email or password is wrong.")
    if not password:
        raise Required("Enter your password.", ("password",))
    normalize_password(password)


def check_password(
    deps: Deps, user: User, password: str, ip: str | None, field: tuple[str, ...] = ("currentPassword",)
) -> None:
    """Re-authentication with the user's password, counted against the same limits as sign-in.

    Raises InvalidCredentials (wrong) or TooManyAttempts (limit reached, or every hashing slot busy).
    """
    normalize_password(password, field)
    with deps.hasher.slot():
        keys = signin_keys(deps, user.email, ip)
        consume_attempts(deps, keys)
        if not deps.hasher.verify(password, user.password_hash):
            raise InvalidCredentials("The password is wrong.", field)
    with deps.uow() as uow:
        refund_attempts(uow, deps.clock(), keys)
        uow.commit()


def start_mfa_challenge(deps: Deps, uow: UnitOfWork, user: User) -> str:
    """The second sign-in step inside the caller's transaction: an opaque token bound to the user,
    single use and valid for 5 minutes. Returned once; stored only as its digest."""
    now = deps.clock()
    token = new_token()
    digest = deps.keyring.digest(MFA_CHALLENGE_PURPOSE, token)
    uow.mfa.add_challenge(MfaChallenge(digest, user.id, now, now + MFA_CHALLENGE_TTL))
    uow.audit.add(AuditEvent("mfa.challenge", "User", str(user.id), user.id))
    return token


def open_session(deps: Deps, uow: UnitOfWork, user: User, *, ip: str | None, user_agent: str | None) -> SignedIn:
    """Create a session inside the caller's transaction; the token is returned once, stored hashed."""
    now = deps.clock()
    token = new_token()
    session = Session(
        id=uuid.uuid4(),
        user_id=user.id,
        token_hash=deps.keyring.digest("session", token),
        created_at=now,
        last_seen_at=now,
        absolute_expires_at=now + deps.policy.absolute_ttl,
        user_agent=(user_agent or "")[:300] or None,
        ip_address=ip,
    )
    uow.sessions.add(session)
    uow.audit.add(AuditEvent("session.create", "Session", str(session.id), user.id, (), ip))
    # Read back in the same transaction: the caller answers with both, with no second trip.
    found = uow.users.get_with_account(user.id)
    if found is None:
        raise NotFound("No such user.")
    return SignedIn(token, session, *found)


def authenticate(deps: Deps, token: str) -> Authenticated | None:
    """The live session behind a bearer token or cookie, or None. Writes at most once a minute."""
    if not token or len(token) > 200:
        return None
    now = deps.clock()
    with deps.uow(write=False) as uow:
        found = uow.sessions.authenticate(deps.keyring.digest("session", token))
    if found is None:
        return None
    session, user, account = found
    if now >= session.expires_at(int(deps.policy.idle_ttl.total_seconds())):
        return None
    if now - session.last_seen_at >= deps.policy.touch_interval:
        with deps.uow() as uow:
            uow.sessions.touch(session.id, now)
            uow.commit()
        session.last_seen_at = now
    return Authenticated(session, user, account)


def logout(deps: Deps, actor: Actor) -> None:
    """End the caller's current session."""
    with deps.uow() as uow:
        if actor.session_id is not None:
            uow.sessions.delete(actor.session_id, actor.user_id)
        uow.audit.add(actor.audit("session.end", "Session", actor.session_id))
        uow.commit()


def revoke_session(deps: Deps, actor: Actor, session_id: UUID | None) -> None:
    """End one of the caller's own sessions. Another user's session is NOT_FOUND, like a made-up one."""
    with deps.uow() as uow:
        if session_id is None or not uow.sessions.delete(session_id, actor.user_id):
            raise NotFound("No such session.", ("sessionId",))
        uow.audit.add(actor.audit("session.revoke", "Session", session_id))
        uow.commit()


def list_sessions(deps: Deps, user_id: UUID) -> list[Session]:
    """The user's sessions that are still alive, newest first."""
    now = deps.clock()
    idle = int(deps.policy.idle_ttl.total_seconds())
    with deps.uow(write=False) as uow:
        sessions = uow.sessions.for_user(user_id)
    return [s for s in sessions if s.expires_at(idle) > now]
