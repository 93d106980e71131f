"""Signing in with email and password, and re-checking the password of a signed-in user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta

from domain import devices, limits, passkeys
from domain.audit import FailedSignIn, sign_in_event
from domain.deps import Deps
from domain.devices import Device, user_hasher_key
from domain.entities import AuthenticatorKind, MfaChallenge, User
from domain.errors import DomainError, InvalidCredentials, PasswordResetRequired, Required, TooManyAttempts
from domain.ports import UnitOfWork
from domain.security import BUSY_MESSAGE, new_token, normalize_password
from domain.services.sessions import SignedIn, open_session

MAX_EMAIL_INPUT = 320
MFA_CHALLENGE_TTL = timedelta(minutes=5)
MFA_CHALLENGE_PURPOSE = "mfa-challenge"


@dataclass(frozen=True)
class MfaRequired:
    """The password was right and MFA is on: the second step's token, what can answer it, and the
    WebAuthn request options when the user has a passkey."""

    challenge: str
    methods: tuple[AuthenticatorKind, ...] = ()
    passkey_options: str | None = None


def signin_keys(deps: Deps, email: str, ip: str | None, device: Device | None = None) -> limits.Keys:
    """What a sign-in attempt counts against: its known device's own limit, else the account's
    and the client's (an IPv4 address or an IPv6 /64)."""
    if device is not None:
        return [(devices.LIMIT, device.nonce)]
    keys = [(deps.policy.account_limit, deps.keyring.digest("limit", email.strip().casefold()))]
    client = limits.client_key(ip)
    if client:
        keys.append((deps.policy.ip_limit, client))
    return keys


def refuse_early(deps: Deps, ip: str | None, device_token: str | None, email: str, password: str) -> None:
    """Turn a sign-in away at once, where it costs next to nothing (the event loop, no database
    round trip), when it could not succeed anyway: its client address already spent its limit for
    this window (as the database said at an earlier attempt), or the hasher is saturated (every slot
    for unknown devices busy and the queue full). The refusal still counts against the client, in
    the next batch of counts. A request with a device token issued for this email goes on to
    `login`, which decides whether the device is known (someone's token for their own account buys
    nothing for another email). Input `login` refuses before any hash goes on to be refused there: the
    hasher is not asked, so it promises no queue place to a request that would never take it."""
    try:
        _check_login_input(email, password)
    except DomainError:
        return
    now = deps.clock()
    client = limits.client_key(ip)
    spent_until = deps.pending_counts.spent_until(deps.policy.ip_limit, client, now) if client else None
    if spent_until is None and not deps.hasher.saturated():
        return
    device = devices.read(deps.keyring, device_token, now)
    if device is not None and device.names(deps.keyring, email):
        return
    if client:
        deps.pending_counts.add(deps.policy.ip_limit, client, now)
    if spent_until is not None:
        raise limits.too_many(spent_until - now)
    raise TooManyAttempts(BUSY_MESSAGE, retry_after=1)


def login(
    deps: Deps,
    *,
    email: str,
    password: str,
    ip: str | None,
    user_agent: str | None,
    device_token: str | None = None,
) -> SignedIn | MfaRequired:
    """Check email and password; answer with a new session, or an MFA challenge when MFA is on.

    The attempt is counted before the password is hashed (so a refusal because the hasher is busy
    counts too): against the known device's own limit when the request carries a device token of
    this user, else against the account's and the client's. A known device also goes first in the
    hasher's queue, so neither a flood nor a locked account keeps its owner out.
    """
    _check_login_input(email, password)
    now = deps.clock()
    with deps.uow(write=False) as uow:
        user = uow.users.by_email(email.strip())
    device = devices.read(deps.keyring, device_token, now)
    known = device if device is not None and user is not None and device.user_id == user.id else None
    keys = signin_keys(deps, email, ip, known)
    try:
        limits.spend(deps.uow, now, keys, deps.pending_counts)
    except TooManyAttempts:
        if user is not None:
            record_failure(deps, user, ip, user_agent, FailedSignIn.LOCKED)
        raise
    with _slot(deps, keys, limits.client_key(ip) if known is None else known.hasher_key, known=known is not None):
        if user is None:
            deps.hasher.verify_dummy(password)
            raise InvalidCredentials("The email or password is wrong.")
        right = deps.hasher.verify(password, user.password_hash)
        # A raised BCRYPT_ROUNDS reaches stored hashes at their owners' next sign-in.
        rehashed = deps.hasher.hash(password) if right and deps.hasher.needs_rehash(user.password_hash) else None
    if not right:
        record_failure(deps, user, ip, user_agent, FailedSignIn.WRONG_PASSWORD)
        raise InvalidCredentials("The email or password is wrong.")
    if user.password_reset_required:
        refuse_until_reset(deps, user, keys, ip, user_agent)
    with deps.uow() as uow:
        limits.refund(uow, deps.clock(), keys)
        if rehashed is not None:
            uow.profiles.set_password(user.id, user.password_hash, rehashed)
        if user.mfa_enabled:
            result: SignedIn | MfaRequired = mfa_required(deps, uow, user, ip, user_agent)
        else:
            result = open_session(deps, uow, user, ip=ip, user_agent=user_agent, known_device=known)
        uow.commit()
    return result


@contextmanager
def _slot(deps: Deps, keys: limits.Keys, holder: str | None, *, known: bool) -> Iterator[None]:
    """A hashing slot for an attempt already counted against `keys`. Turned away because the hasher
    is busy, the attempt counts against the client's limit only: the account's (or the known
    device's) is given back, since no password was checked."""
    with ExitStack() as stack:
        try:
            stack.enter_context(deps.hasher.slot(holder, known=known))
        except TooManyAttempts:
            given_back = [(limit, key) for limit, key in keys if limit != deps.policy.ip_limit]
            if given_back:
                with deps.uow() as uow:
                    limits.refund(uow, deps.clock(), given_back)
                    uow.commit()
            raise
        yield


def record_failure(deps: Deps, user: User, ip: str | None, user_agent: str | None, reason: FailedSignIn) -> None:
    """Note a refused sign-in of a known user in their security log (unknown emails leave no trace)."""
    with deps.uow() as uow:
        uow.audit.add(sign_in_event("session.create_failed", user, ip, user_agent, reason=reason))
        uow.commit()


def refuse_until_reset(deps: Deps, user: User, keys: limits.Keys, ip: str | None, user_agent: str | None) -> None:
    """The right password of a user whose activity was reported: not a failure, but no session either."""
    reason = FailedSignIn.PASSWORD_RESET_REQUIRED
    with deps.uow() as uow:
        limits.refund(uow, deps.clock(), keys)
        uow.audit.add(sign_in_event("session.create_failed", user, ip, user_agent, reason=reason))
        uow.commit()
    raise PasswordResetRequired(
        "Unrecognized activity was reported for this account: reset the password with the code "
        "requestPasswordReset mails you, then sign in."
    )


def _check_login_input(email: str, password: str) -> None:
    if not email.strip():
        raise Required("Enter your email address.", ("email",))
    if len(email) > MAX_EMAIL_INPUT:
        raise InvalidCredentials("The email or password is wrong.")
    if not password:
        raise Required("Enter your password.", ("password",))
    normalize_password(password)


def check_password(
    deps: Deps, user: User, password: str, ip: str | None, field: tuple[str, ...] = ("current_password",)
) -> None:
    """Re-authentication with the user's password, counted against the same limits as sign-in.

    Raises InvalidCredentials (wrong) or TooManyAttempts (limit reached, or every hashing slot busy).
    """
    normalize_password(password, field)
    keys = signin_keys(deps, user.email, ip)
    limits.spend(deps.uow, deps.clock(), keys)
    # A signed-in user has proven a session: they go first like a known device.
    with _slot(deps, keys, user_hasher_key(user.id), known=True):
        if not deps.hasher.verify(password, user.password_hash):
            raise InvalidCredentials("The password is wrong.", field)
    with deps.uow() as uow:
        limits.refund(uow, deps.clock(), keys)
        uow.commit()


def mfa_required(
    deps: Deps, uow: UnitOfWork, user: User, ip: str | None = None, user_agent: str | None = None
) -> MfaRequired:
    """The second sign-in step inside the caller's transaction, with the kinds of factor the user has
    and, when one is a passkey, WebAuthn request options for the user's passkeys."""
    found = uow.authenticators.for_users([user.id])[user.id]
    methods = tuple(k for k in AuthenticatorKind if any(a.kind is k for a in found))
    allow = [a.credential_id for a in found if a.kind is AuthenticatorKind.PASSKEY and a.credential_id]
    if not allow:
        return MfaRequired(start_mfa_challenge(deps, uow, user, ip, user_agent), methods)
    challenge = passkeys.new_challenge()
    token = start_mfa_challenge(deps, uow, user, ip, user_agent, passkey_challenge=challenge)
    options = passkeys.authentication_options(deps.relying_party, challenge=challenge, allow=allow, verify_user=False)
    return MfaRequired(token, methods, options)


def start_mfa_challenge(
    deps: Deps,
    uow: UnitOfWork,
    user: User,
    ip: str | None = None,
    user_agent: str | None = None,
    passkey_challenge: str | None = None,
) -> str:
    """The second sign-in step inside the caller's transaction: an opaque token bound to the user,
    single use and valid for 5 minutes. Returned once; stored only as its digest."""
    now = deps.clock()
    token = new_token()
    digest = deps.keyring.digest(MFA_CHALLENGE_PURPOSE, token)
    expires_at = now + MFA_CHALLENGE_TTL
    uow.mfa.add_challenge(MfaChallenge(digest, user.id, now, expires_at, passkey_challenge=passkey_challenge))
    uow.audit.add(sign_in_event("mfa.challenge", user, ip, user_agent))
    return token
