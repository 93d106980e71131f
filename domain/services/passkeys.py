"""Passkeys: adding one, the second sign-in step with one, and passwordless sign-in.

Every ceremony's challenge is stored server-side and claimed once, before the answer is checked,
so an answer cannot be replayed even within its 5 minutes. A passkey that counts its signatures
must show a higher count each time: a lower or equal one means a copy of the key exists, so the
sign-in is refused and the owner is told (but only after the signature verified, so nobody can
set off that mail with a made-up answer).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from domain import alerts, devices, limits, mails, passkeys
from domain.audit import sign_in_event
from domain.deps import Deps
from domain.entities import Actor, AuditEvent, Authenticator, AuthenticatorKind, PasskeyCeremony, User, Via
from domain.errors import CodeExpired, Required, WebauthnFailed
from domain.limits import Limit
from domain.ports import UnitOfWork
from domain.security import new_token
from domain.services import authenticators
from domain.services.common import load_user
from domain.services.mfa import CODE_LIMIT, SIGN_IN_EXPIRED, MfaState, spend_login_attempt
from domain.services.sessions import SignedIn, open_session
from domain.services.signin import MFA_CHALLENGE_PURPOSE, refuse_until_reset, signin_keys

PURPOSE = "passkey-ceremony"
REGISTER = "register"
LOGIN = "login"
# Starting a passwordless sign-in writes a row, so it is limited per client like other writes
# anyone may make; the answer counts against the sign-in limits themselves.
START_LIMIT = Limit("passkey:start", 100, passkeys.CEREMONY_TTL * 3)
CEREMONY_EXPIRED = "This passkey request has expired or was used; start again."


@dataclass(frozen=True)
class Started:
    """WebAuthn options for the browser and the opaque ID that finishes the ceremony."""

    options: str
    ceremony_id: str


@dataclass(frozen=True)
class Registered:
    authenticator: Authenticator
    mfa: MfaState
    recovery_codes: list[str] | None


def start_registration(deps: Deps, actor: Actor, name: str) -> Started:
    """Creation options for a new passkey named `name`. Raises Required, TooLong, AlreadyExists,
    Invalid (10 factors already) and ReauthRequired (MFA is on and this session did not pass it)."""
    cleaned = authenticators.check_name(name)
    now = deps.clock()
    challenge = passkeys.new_challenge()
    token = new_token()
    with deps.uow() as uow:
        user = load_user(uow, actor.user_id)
        existing = uow.authenticators.for_users([user.id])[user.id]
        authenticators.check_room(user, actor, existing, cleaned)
        ceremony = PasskeyCeremony(
            _digest(deps, token), REGISTER, challenge, now, now + passkeys.CEREMONY_TTL, user.id, cleaned
        )
        uow.authenticators.add_ceremony(ceremony)
        uow.audit.add(actor.audit("mfa.passkey.registration.start", "User", user.id))
        uow.commit()
    options = passkeys.registration_options(
        deps.relying_party,
        handle=user.id.bytes,
        user_name=user.email,
        display_name=f"{user.profile.first_name} {user.profile.last_name}".strip(),
        challenge=challenge,
        exclude=[a.credential_id for a in existing if a.credential_id],
    )
    return Started(options, token)


def finish_registration(deps: Deps, actor: Actor, registration_id: str, credential: str) -> Registered:
    """Verify the browser's new credential and add it as a passkey. The ceremony is used up first,
    whatever the outcome. Raises CodeExpired, WebauthnFailed, and what start_registration raises."""
    now = deps.clock()
    with deps.uow() as uow:
        ceremony = _use(deps, uow, registration_id, REGISTER, ("registration_id",))
        uow.commit()
    if ceremony.user_id != actor.user_id or ceremony.name is None:
        raise CodeExpired(CEREMONY_EXPIRED, ("registration_id",))
    verified = passkeys.verify_registration(deps.relying_party, credential, ceremony.challenge)
    new = Authenticator(
        id=uuid.uuid4(),
        user_id=actor.user_id,
        kind=AuthenticatorKind.PASSKEY,
        name=ceremony.name,
        created_at=now,
        credential_id=verified.credential_id,
        public_key=verified.public_key,
        sign_count=verified.sign_count,
        backup_eligible=verified.backup_eligible,
        backed_up=verified.backed_up,
        aaguid=verified.aaguid,
    )
    with deps.uow() as uow:
        if uow.authenticators.by_credential_id(verified.credential_id) is not None:
            raise WebauthnFailed("This passkey is registered already.", ("credential",))
        codes = authenticators.add_factor(deps, uow, actor, new)
        user = load_user(uow, actor.user_id)
        remaining = uow.mfa.recovery_codes_remaining([user.id])[user.id]
        uow.commit()
    return Registered(new, MfaState(user.mfa_enabled_at, remaining, user.id), codes)


def complete_mfa_login(
    deps: Deps,
    *,
    challenge: str,
    credential: str,
    ip: str | None,
    user_agent: str | None,
    device_token: str | None = None,
) -> SignedIn:
    """Second sign-in step answered with one of the user's passkeys, for login's challenge.

    Counts like a code: 5 tries per challenge, 10 per user in 15 minutes. Raises CodeExpired,
    TooManyAttempts and WebauthnFailed.
    """
    if not challenge:
        raise Required("Sign in with your password first.", ("mfa_challenge",))
    if len(challenge) > 200:
        raise CodeExpired(SIGN_IN_EXPIRED, ("mfa_challenge",))
    now = deps.clock()
    digest = deps.keyring.digest(MFA_CHALLENGE_PURPOSE, challenge)
    user, found, step = spend_login_attempt(deps, digest, now)
    claimed = passkeys.credential_id_of(credential)
    key = next((a for a in found if a.credential_id is not None and a.credential_id == claimed), None)
    if step.passkey_challenge is None or key is None or key.public_key is None:
        raise WebauthnFailed(passkeys.FAILED, ("credential",))
    answer = passkeys.verify_assertion(
        deps.relying_party, credential, challenge=step.passkey_challenge, public_key=key.public_key, verify_user=False
    )
    _check_counter(deps, user, key, answer)
    keys = [(CODE_LIMIT, str(user.id))]
    with deps.uow() as uow:
        if not uow.mfa.use_challenge(digest, now):
            raise CodeExpired(SIGN_IN_EXPIRED, ("mfa_challenge",))
        _claim(uow, key, answer, now)
        limits.refund(uow, now, keys)
        device = devices.read(deps.keyring, device_token, now)
        known = device if device is not None and device.user_id == user.id else None
        signed_in = open_session(deps, uow, user, ip=ip, user_agent=user_agent, known_device=known, mfa=True)
        uow.audit.add(sign_in_event("mfa.login", user, ip, user_agent, fields=("passkey",)))
        uow.commit()
    return signed_in


def start_login(deps: Deps, ip: str | None) -> Started:
    """Request options for a passwordless sign-in, with no allowCredentials: the browser offers the
    passkeys it holds for this site. Raises TooManyAttempts past 100 starts per client in 15 minutes."""
    now = deps.clock()
    challenge = passkeys.new_challenge()
    token = new_token()
    with deps.uow() as uow:
        client = limits.client_key(ip)
        if client is not None:
            limits.hit(uow, now, START_LIMIT, client, "Too many sign-in attempts; try again later.")
        uow.authenticators.add_ceremony(
            PasskeyCeremony(_digest(deps, token), LOGIN, challenge, now, now + passkeys.CEREMONY_TTL)
        )
        uow.commit()
    options = passkeys.authentication_options(deps.relying_party, challenge=challenge, allow=[], verify_user=True)
    return Started(options, token)


def complete_login(
    deps: Deps,
    *,
    challenge_id: str,
    credential: str,
    ip: str | None,
    user_agent: str | None,
    device_token: str | None = None,
) -> SignedIn:
    """Passwordless sign-in: a passkey answer with user verification counts as both factors.

    Counted like a password sign-in, before anything is checked: against the known device's own
    limit when the request carries this user's device token, else the account's and the client's.
    Raises CodeExpired, TooManyAttempts and WebauthnFailed (the same for an unknown passkey).
    """
    now = deps.clock()
    claimed = passkeys.credential_id_of(credential)
    with deps.uow(write=False) as uow:
        key = uow.authenticators.by_credential_id(claimed) if claimed else None
        user = uow.users.get(key.user_id) if key is not None else None
    device = devices.read(deps.keyring, device_token, now)
    known = device if device is not None and user is not None and device.user_id == user.id else None
    keys = signin_keys(deps, user.email, ip, known) if user is not None else _client_keys(deps, ip)
    limits.spend(deps.uow, now, keys)
    with deps.uow() as uow:
        ceremony = _use(deps, uow, challenge_id, LOGIN, ("challenge_id",))
        uow.commit()
    if key is None or key.public_key is None or user is None or not user.mfa_enabled:
        raise WebauthnFailed(passkeys.FAILED, ("credential",))
    if passkeys.handle_of(credential) not in (None, passkeys.user_handle(user.id.bytes)):
        raise WebauthnFailed(passkeys.FAILED, ("credential",))
    answer = passkeys.verify_assertion(
        deps.relying_party, credential, challenge=ceremony.challenge, public_key=key.public_key, verify_user=True
    )
    _check_counter(deps, user, key, answer)
    if user.password_reset_required:  # reported activity: no way in but a password reset
        refuse_until_reset(deps, user, keys, ip, user_agent)
    with deps.uow() as uow:
        _claim(uow, key, answer, now)
        limits.refund(uow, now, keys)
        signed_in = open_session(deps, uow, user, ip=ip, user_agent=user_agent, known_device=known, mfa=True)
        uow.audit.add(sign_in_event("passkey.login", user, ip, user_agent, fields=("passkey",)))
        uow.commit()
    return signed_in


def _client_keys(deps: Deps, ip: str | None) -> limits.Keys:
    client = limits.client_key(ip)
    return [(deps.policy.ip_limit, client)] if client else []


def _digest(deps: Deps, token: str) -> str:
    return deps.keyring.digest(PURPOSE, token)


def _use(deps: Deps, uow: UnitOfWork, token: str, purpose: str, field: tuple[str, ...]) -> PasskeyCeremony:
    """Claim a started ceremony, once; CodeExpired for an unknown, used or expired one."""
    if not token or len(token) > 200:
        raise CodeExpired(CEREMONY_EXPIRED, field)
    ceremony = uow.authenticators.use_ceremony(_digest(deps, token), purpose, deps.clock())
    if ceremony is None:
        raise CodeExpired(CEREMONY_EXPIRED, field)
    return ceremony


def _check_counter(deps: Deps, user: User, key: Authenticator, answer: passkeys.Assertion) -> None:
    """Refuse a verified answer whose counter did not go up, and tell the owner: the key was copied."""
    if passkeys.counter_went_up(key.sign_count, answer.sign_count):
        return
    with deps.uow() as uow:
        uow.outbox.add(
            mails.render(
                "passkey_cloned", user.email, label=key.name, report_link=alerts.report_link(deps, uow, user.id)
            )
        )
        event = AuditEvent(
            "mfa.passkey.clone_detected",
            "Authenticator",
            str(key.id),
            None,
            ("sign_count",),
            account_id=user.account_id,
            user_id=user.id,
            via=Via.SYSTEM,
        )
        uow.audit.add(event)
        uow.commit()
    raise WebauthnFailed(passkeys.FAILED, ("credential",))


def _claim(uow: UnitOfWork, key: Authenticator, answer: passkeys.Assertion, now: datetime) -> None:
    """Move the stored counter on, once: of two requests with the same answer only one gets here."""
    if not uow.authenticators.claim_count(key.id, key.sign_count, answer.sign_count, answer.backed_up, now):
        raise WebauthnFailed(passkeys.FAILED, ("credential",))
