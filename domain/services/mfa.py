"""Two-step sign-in with TOTP: enrolment, the second sign-in step, recovery codes, turning it off.

A user may have several TOTP apps (domain/services/authenticators.py); a code of any of them
works, once: replay protection is per app.

Every code attempt is counted in its own committed transaction before the code is compared, so
aliased mutations, batches or several processes get no more tries than one careful client. A TOTP
step, a recovery code and a challenge are each claimed by one conditional UPDATE in the success
transaction: of two concurrent requests with the same code, exactly one signs in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from domain import alerts, devices, limits, mails, totp
from domain import codes as mailed_codes
from domain.audit import FailedSignIn, sign_in_event
from domain.deps import Deps
from domain.entities import Actor, Authenticator, AuthenticatorKind, MfaChallenge, MfaSecret, User
from domain.errors import (
    CodeExpired,
    Collector,
    InvalidCode,
    MfaNotEnabled,
    Required,
    TooManyAttempts,
)
from domain.limits import Limit
from domain.ports import UnitOfWork
from domain.services import authenticators
from domain.services.common import load_user, locked_account
from domain.services.sessions import SignedIn, open_session
from domain.services.signin import MFA_CHALLENGE_PURPOSE, check_password, record_failure

ENROLLMENT_TTL = timedelta(minutes=10)
# Like mailed codes, a pending set-up and a sign-in challenge take 5 tries.
MAX_ENROLLMENT_ATTEMPTS = mailed_codes.MAX_TRIES
MAX_CHALLENGE_ATTEMPTS = mailed_codes.MAX_TRIES
# Wrong codes per user across challenges and MFA changes; successful tries are given back.
CODE_LIMIT = Limit("mfa:user", 10, timedelta(minutes=15))
MAX_CHALLENGE_INPUT = 200
WRONG_CODE = "The code is wrong or was used already."
SIGN_IN_EXPIRED = "This sign-in has expired; sign in with your password again."


@dataclass(frozen=True)
class Enrollment:
    """A pending TOTP secret as the user's authenticator app takes it."""

    secret: str
    otpauth_uri: str
    qr_code_data_uri: str
    expires_at: datetime


@dataclass(frozen=True)
class MfaState:
    """Whether MFA is on for a user after a change, and how many recovery codes are unused."""

    enabled_at: datetime | None
    recovery_codes_remaining: int
    user_id: UUID | None = None  # whose state; lists their authenticators

    @property
    def enabled(self) -> bool:
        return self.enabled_at is not None


def start_enrollment(deps: Deps, actor: Actor, name: str | None = None) -> Enrollment:
    """A new pending secret, replacing any earlier one, with its key URI and QR code; it becomes an
    authenticator named `name` (default "Authenticator app", "... 2") at confirm_enrollment.

    While MFA is on this adds a second app, which needs a session that passed MFA (ReauthRequired);
    raises Invalid (10 factors already) and AlreadyExists (the name is taken) too.
    """
    cleaned = authenticators.check_name(name) if name is not None else None
    now = deps.clock()
    secret = totp.new_secret()
    expires_at = now + ENROLLMENT_TTL
    with deps.uow() as uow:
        user = load_user(uow, actor.user_id)
        existing = uow.authenticators.for_users([user.id])[user.id]
        cleaned = cleaned or authenticators.default_name(existing, AuthenticatorKind.TOTP)
        authenticators.check_room(user, actor, existing, cleaned)
        uow.mfa.save_pending(user.id, _seal(deps, user.id, secret), cleaned, expires_at, now)
        uow.audit.add(actor.audit("mfa.enrollment.start", "User", user.id))
        uow.commit()
    uri = totp.provisioning_uri(secret, issuer=deps.mfa_issuer, account_name=user.email)
    return Enrollment(secret, uri, totp.qr_svg_data_uri(uri), expires_at)


def confirm_enrollment(deps: Deps, actor: Actor, code: str) -> tuple[MfaState, list[str] | None]:
    """Add the pending app as an authenticator with a current code for it. The first factor turns
    MFA on and returns the recovery codes, shown once; a later one returns None for them.

    Raises InvalidCode, CodeExpired (no live pending secret), TooManyAttempts (5 wrong codes void it),
    and ReauthRequired (MFA is on and this session did not pass it).
    """
    value = totp.app_code(code)
    now = deps.clock()
    with deps.uow() as uow:
        user = load_user(uow, actor.user_id)
        pending = uow.mfa.hit_pending(user.id, now, MAX_ENROLLMENT_ATTEMPTS)
        if pending is None or pending.pending_sealed is None:
            raise _pending_unusable(uow.mfa.get(user.id))
        uow.commit()
    step = totp.matching_step(_unseal(deps, user.id, pending.pending_sealed), value, now)
    if step is None:
        if pending.pending_attempts >= MAX_ENROLLMENT_ATTEMPTS:
            _void_pending(deps, user.id)
        raise InvalidCode("The code is wrong; enter the current code from your authenticator app.", ("code",))
    new = Authenticator(
        id=uuid.uuid4(),
        user_id=user.id,
        kind=AuthenticatorKind.TOTP,
        name=pending.pending_name or authenticators.DEFAULT_NAMES[AuthenticatorKind.TOTP],
        created_at=now,
        sealed=pending.pending_sealed,
        last_step=step,
    )
    with deps.uow() as uow:
        locked_account(uow, user.account_id)  # first, as every change of the user's factors does
        if not uow.mfa.take_pending(user.id, pending.pending_sealed):
            raise CodeExpired("This set-up was replaced or finished meanwhile; start again.", ("code",))
        codes = authenticators.add_factor(deps, uow, actor, new)
        enabled_at = load_user(uow, user.id).mfa_enabled_at
        remaining = uow.mfa.recovery_codes_remaining([user.id])[user.id]
        uow.commit()
    return MfaState(enabled_at, remaining, user.id), codes


def complete_login(
    deps: Deps,
    *,
    challenge: str,
    code: str,
    ip: str | None,
    user_agent: str | None,
    device_token: str | None = None,
) -> SignedIn:
    """Second sign-in step: a current TOTP code or an unused recovery code for login's challenge.

    Success opens a session exactly as a password-only sign-in does. Raises InvalidCode,
    CodeExpired (unknown, expired or used challenge) and TooManyAttempts (5 wrong codes for the
    challenge, or 10 for the user within 15 minutes).
    """
    parsed = _login_input(challenge, code)
    digest = deps.keyring.digest(MFA_CHALLENGE_PURPOSE, challenge)
    now = deps.clock()
    user, found, _ = spend_login_attempt(deps, digest, now)
    try:
        return _finish_login(deps, user, found, parsed, digest, now, ip, user_agent, device_token)
    except InvalidCode:
        record_failure(deps, user, ip, user_agent, FailedSignIn.MFA_FAILED)
        raise


def _finish_login(  # noqa: PLR0913 (the second step's whole state)
    deps: Deps,
    user: User,
    found: list[Authenticator],
    parsed: totp.Code,
    digest: str,
    now: datetime,
    ip: str | None,
    user_agent: str | None,
    device_token: str | None,
) -> SignedIn:
    keys = [(CODE_LIMIT, str(user.id))]
    with deps.uow() as uow:
        if not uow.mfa.use_challenge(digest, now):
            raise CodeExpired(SIGN_IN_EXPIRED, ("mfa_challenge",))
        _claim_code(deps, uow, user, found, parsed, now)
        limits.refund(uow, now, keys)
        device = devices.read(deps.keyring, device_token, now)
        known = device if device is not None and device.user_id == user.id else None
        signed_in = open_session(deps, uow, user, ip=ip, user_agent=user_agent, known_device=known, mfa=True)
        if not parsed.is_totp:
            remaining = uow.mfa.recovery_codes_remaining([user.id])[user.id]
            uow.outbox.add(mails.render("recovery_code_used", user.email, remaining=_remaining_text(remaining)))
        fields = () if parsed.is_totp else ("recovery_code",)
        uow.audit.add(sign_in_event("mfa.login", user, ip, user_agent, fields=fields))
        uow.commit()
    return signed_in


def disable(deps: Deps, actor: Actor, *, password: str, code: str, ip: str | None) -> MfaState:
    """Turn MFA off with the password and a current TOTP code or a recovery code; every authenticator
    and every recovery code is deleted. Raises MfaNotEnabled, InvalidCredentials, InvalidCode."""
    errors = Collector()
    if not password:
        errors.errors.append(Required("Enter your password.", ("password",)))
    parsed = errors.check(totp.any_code, code)
    errors.raise_if_any()
    assert parsed is not None  # the check passed
    user, found = _enabled(deps, actor)
    check_password(deps, user, password, ip, field=("password",))
    keys = [(CODE_LIMIT, str(user.id))]
    limits.spend(deps.uow, deps.clock(), keys)
    now = deps.clock()
    with deps.uow() as uow:
        _claim_code(deps, uow, user, found, parsed, now)
        if not uow.mfa.disable(user.id):
            raise MfaNotEnabled("Two-step sign-in is off already.")
        uow.authenticators.remove_all(user.id)
        limits.refund(uow, now, keys)
        uow.outbox.add(mails.render("mfa_disabled", user.email, report_link=alerts.report_link(deps, uow, user.id)))
        uow.mfa.void_challenges(user.id)  # a second step started before the change must not finish
        uow.audit.add(actor.audit("mfa.disable", "User", user.id, ("mfa", "recovery_codes")))
        uow.commit()
    return MfaState(None, 0, user.id)


def regenerate_recovery_codes(deps: Deps, actor: Actor, code: str) -> list[str]:
    """A new set of recovery codes for a current TOTP code; the old set stops working at once."""
    value = totp.app_code(code)
    user, found = _enabled(deps, actor)
    keys = [(CODE_LIMIT, str(user.id))]
    limits.spend(deps.uow, deps.clock(), keys)
    now = deps.clock()
    codes = totp.new_recovery_codes()
    with deps.uow() as uow:
        _claim_code(deps, uow, user, found, totp.Code("totp", value), now)
        uow.mfa.replace_recovery_codes(user.id, [_recovery_digest(deps, user.id, c) for c in codes], now)
        limits.refund(uow, now, keys)
        link = alerts.report_link(deps, uow, user.id)
        uow.outbox.add(mails.render("recovery_codes_regenerated", user.email, report_link=link))
        uow.mfa.void_challenges(user.id)  # a second step started before the change must not finish
        uow.audit.add(actor.audit("mfa.recovery_codes.regenerate", "User", user.id, ("recovery_codes",)))
        uow.commit()
    return codes


def recovery_codes_remaining(deps: Deps, user_ids: list[UUID]) -> dict[UUID, int]:
    """Unused recovery codes of each user, in one statement for all of them."""
    with deps.uow(write=False) as uow:
        return uow.mfa.recovery_codes_remaining(user_ids)


def _enabled(deps: Deps, actor: Actor) -> tuple[User, list[Authenticator]]:
    with deps.uow(write=False) as uow:
        user = load_user(uow, actor.user_id)
        found = uow.authenticators.for_users([user.id])[user.id]
    if not user.mfa_enabled:
        raise MfaNotEnabled("Two-step sign-in is off.")
    return user, found


def _seal(deps: Deps, user_id: UUID, secret: str) -> str:
    # A key per user: a sealed secret copied onto another user's row does not open there.
    return deps.keyring.encrypt(f"mfa-secret/{user_id}", secret.encode("ascii"))


def _unseal(deps: Deps, user_id: UUID, sealed: str) -> str:
    return deps.keyring.decrypt(f"mfa-secret/{user_id}", sealed).decode("ascii")


def _recovery_digest(deps: Deps, user_id: UUID, code: str) -> str:
    return authenticators.recovery_digest(deps, user_id, code)


def _login_input(challenge: str, code: str) -> totp.Code:
    errors = Collector()
    if not challenge:
        errors.errors.append(Required("Sign in with your password first.", ("mfa_challenge",)))
    parsed = errors.check(totp.any_code, code)
    errors.raise_if_any()
    assert parsed is not None  # the check passed
    if len(challenge) > MAX_CHALLENGE_INPUT:
        raise CodeExpired(SIGN_IN_EXPIRED, ("mfa_challenge",))
    return parsed


def spend_login_attempt(deps: Deps, digest: str, now: datetime) -> tuple[User, list[Authenticator], MfaChallenge]:
    """Count an attempt against the challenge and the user (committed), then load what checks it."""
    with deps.uow() as uow:
        challenge = uow.mfa.hit_challenge(digest, now, MAX_CHALLENGE_ATTEMPTS)
        if challenge is None:
            raise _challenge_unusable(uow.mfa.get_challenge(digest), now)
        uow.commit()
    limits.spend(deps.uow, deps.clock(), [(CODE_LIMIT, str(challenge.user_id))])
    with deps.uow(write=False) as uow:
        user = uow.users.get(challenge.user_id)
        found = uow.authenticators.for_users([challenge.user_id])[challenge.user_id]
    if user is None or not user.mfa_enabled:
        raise CodeExpired(SIGN_IN_EXPIRED, ("mfa_challenge",))
    return user, found, challenge


def _claim_code(
    deps: Deps, uow: UnitOfWork, user: User, found: list[Authenticator], code: totp.Code, now: datetime
) -> None:
    """Claim a TOTP step of one of the user's apps (compare-and-set) or a recovery code, inside the
    caller's transaction."""
    if code.is_totp:
        for app in found:
            if app.kind is not AuthenticatorKind.TOTP or app.sealed is None:
                continue
            step = totp.matching_step(_unseal(deps, user.id, app.sealed), code.value, now, after=app.last_step)
            if step is not None and uow.authenticators.claim_step(app.id, step, now):
                return
        raise InvalidCode(WRONG_CODE, ("code",))
    if not uow.mfa.use_recovery_code(user.id, _recovery_digest(deps, user.id, code.value), now):
        raise InvalidCode(WRONG_CODE, ("code",))


def _void_pending(deps: Deps, user_id: UUID) -> None:
    with deps.uow() as uow:
        uow.mfa.void_pending(user_id)
        uow.commit()


def _pending_unusable(secret: MfaSecret | None) -> Exception:
    if secret is not None and secret.pending_attempts >= MAX_ENROLLMENT_ATTEMPTS:
        return TooManyAttempts("Too many wrong codes; start the set-up again for a new secret.")
    return CodeExpired("The set-up has expired or was not started; start it again.", ("code",))


def _challenge_unusable(challenge: MfaChallenge | None, now: datetime) -> Exception:
    live = challenge is not None and challenge.used_at is None and challenge.expires_at > now
    if live and challenge is not None and challenge.attempts >= MAX_CHALLENGE_ATTEMPTS:
        return TooManyAttempts("Too many wrong codes; sign in with your password again.")
    return CodeExpired(SIGN_IN_EXPIRED, ("mfa_challenge",))


def _remaining_text(remaining: int) -> str:
    return f"{remaining} recovery code{'' if remaining == 1 else 's'} remain{'s' if remaining == 1 else ''}"
