"""Sessions: opening one after sign-in, finding the live one behind a token, ending them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from domain import alerts, devices
from domain.audit import sign_in_event
from domain.deps import Deps
from domain.entities import Account, Actor, ApiScope, BillingProfile, ContactEmail, Session, User
from domain.errors import NotFound
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.rules.api_tokens import allowed_scopes
from domain.security import new_token


@dataclass(frozen=True)
class SignedIn:
    token: str
    session: Session
    user: User
    account: Account
    device_token: str | None = None  # a new known-device token, when the device was not known yet


@dataclass(frozen=True)
class Reads:
    """What a request will read besides its session, so that `authenticate` reads it in the same
    transaction: one unit of work and one thread hop per request instead of one per kind of data."""

    contacts: bool = False  # the contacts of the caller's account
    sessions: bool = False  # the caller's own live sessions
    billing_profile: bool = False  # the provider's billing profile in force


NO_READS = Reads()


@dataclass(frozen=True)
class Preloaded:
    """What `Reads` asked for, read together with the session. Absent keys were not asked for."""

    contacts: dict[UUID, list[ContactEmail]] = field(default_factory=dict)
    sessions: dict[UUID, list[Session]] = field(default_factory=dict)
    billing_profile: list[BillingProfile | None] = field(default_factory=list)  # [] or [the profile or None]


@dataclass(frozen=True)
class Authenticated:
    session: Session
    user: User
    account: Account
    preloaded: Preloaded = field(default_factory=Preloaded, compare=False)

    @property
    def credential_key(self) -> str:
        """The credential this request came with, for state kept per credential (idempotency keys,
        rate-limit budgets)."""
        return f"session:{self.session.id}"

    @property
    def session_id(self) -> UUID | None:
        return self.session.id

    @property
    def scopes(self) -> frozenset[ApiScope]:
        """A session may use every scope its user's role allows."""
        return allowed_scopes(self.user.role)

    def actor(self, ip_address: str | None, user_agent: str | None = None) -> Actor:
        agent = (user_agent or "")[:300] or None
        return Actor(
            self.user.id,
            self.user.account_id,
            self.user.role,
            self.session.id,
            ip_address,
            mfa_verified=self.session.mfa_at is not None,
            user_agent=agent,
        )


def open_session(
    deps: Deps,
    uow: UnitOfWork,
    user: User,
    *,
    ip: str | None,
    user_agent: str | None,
    known_device: devices.Device | None = None,
    mfa: bool = False,
) -> SignedIn:
    """Create a session inside the caller's transaction; the token is returned once, stored hashed.
    A device not yet known for this user gets a device token (domain.devices) with it. `mfa`: the
    sign-in passed a second factor, which the session records."""
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
        mfa_at=now if mfa else None,
    )
    uow.sessions.add(session)
    uow.audit.add(sign_in_event("session.create", user, ip, user_agent, target=("Session", session.id)))
    # Read back in the same transaction: the caller answers with both, with no second trip.
    found = uow.users.get_with_account(user.id)
    if found is None:
        raise NotFound("No such user.")
    device_token = None if known_device is not None else devices.issue(deps.keyring, user.id, user.email, now)
    issued = devices.read(deps.keyring, device_token, now) if device_token is not None else None
    alerts.note_sign_in(deps, uow, user, known_device, issued, ip, user_agent)
    return SignedIn(token, session, *found, device_token=device_token)


def authenticate(deps: Deps, token: str, reads: Reads = NO_READS) -> Authenticated | None:
    """The live session behind a bearer token or cookie, or None. Writes at most once a minute.
    With `reads`, what the request will read next comes in the same read transaction."""
    found, due = look_up(deps, token, reads)
    if found is not None and due:
        touch(deps, found)
    return found


def look_up(
    deps: Deps, token: str, reads: Reads = NO_READS, *, uow: UnitOfWorkFactory | None = None
) -> tuple[Authenticated | None, bool]:
    """`authenticate` without its write: the session (or None) and whether its last-seen time is due
    to be written (`touch`). `uow` may name another factory for the read (deps.loop_uow)."""
    if not token or len(token) > 200:
        return None, False
    now = deps.clock()
    idle = int(deps.policy.idle_ttl.total_seconds())
    digest = deps.keyring.digest("session", token)
    with (uow or deps.uow)(write=False) as work:
        along: Along | None = None
        if reads.contacts or reads.sessions:  # read with the session: one round trip on PostgreSQL
            found, of_account, of_user = work.sessions.authenticate_with(
                digest, contacts=reads.contacts, sessions=reads.sessions
            )
            along = (of_account, of_user)
        else:
            found = work.sessions.authenticate(digest)
        if found is None or now >= found[0].expires_at(idle):
            return None, False
        preloaded = preload(work, found[1], reads, now, idle, along)
    session, user, account = found
    return Authenticated(session, user, account, preloaded), now - session.last_seen_at >= deps.policy.touch_interval


def touch(deps: Deps, found: Authenticated) -> None:
    """Note that the session was seen now (at most once a minute, see `look_up`)."""
    now = deps.clock()
    with deps.uow() as uow:
        uow.sessions.touch(found.session.id, now)
        uow.commit()
    found.session.last_seen_at = now


# The account's contacts and the user's sessions, read along with the caller's look-up.
Along = tuple[list[ContactEmail], list[Session]]


def preload(
    uow: UnitOfWork, user: User, reads: Reads, now: datetime, idle: int, along: Along | None = None
) -> Preloaded:
    """What `reads` asks for, inside the caller's (authenticating) transaction; `along`, when given,
    holds the contacts and sessions it asks for, read already."""
    if reads == NO_READS:
        return Preloaded()
    if along is not None:
        contacts = {user.account_id: along[0]} if reads.contacts else {}
        sessions = {user.id: _live(along[1], now, idle)} if reads.sessions else {}
    else:
        contacts = uow.contacts.for_accounts([user.account_id]) if reads.contacts else {}
        sessions = {user.id: _live(uow.sessions.for_user(user.id), now, idle)} if reads.sessions else {}
    billing = [uow.billing.get()] if reads.billing_profile else []
    return Preloaded(contacts, sessions, billing)


def _live(sessions: list[Session], now: datetime, idle: int) -> list[Session]:
    return [s for s in sessions if s.expires_at(idle) > now]


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
            raise NotFound("No such session.", ("session_id",))
        uow.audit.add(actor.audit("session.revoke", "Session", session_id))
        uow.commit()


def list_sessions(deps: Deps, user_id: UUID) -> list[Session]:
    """The user's sessions that are still alive, newest first."""
    now = deps.clock()
    idle = int(deps.policy.idle_ttl.total_seconds())
    with deps.uow(write=False) as uow:
        return _live(uow.sessions.for_user(user_id), now, idle)
