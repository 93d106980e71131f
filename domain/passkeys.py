"""WebAuthn ceremonies for passkeys, through py_webauthn: options for the browser, and checking its answers.

Pure functions, like domain/totp.py: no storage and no clock. Options and answers travel as JSON
text in the WebAuthn Level 3 JSON forms (PublicKeyCredential.parseCreationOptionsFromJSON and
credential.toJSON() in the browser). The library checks the signature, the challenge, the origin,
the RP ID and the user-presence and user-verification flags; the services check the counter, so a
clone is told apart from a forgery (its signature verifies) and its owner can be told.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from domain.errors import WebauthnFailed

# A ceremony's options and its stored challenge live this long.
CEREMONY_TTL = timedelta(minutes=5)
# A browser's answer is a few kilobytes at most; anything longer is not one.
MAX_CREDENTIAL_INPUT = 16_000
FAILED = "The passkey's answer did not verify; try again."


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys belong to: the RP ID (a registrable domain, never an IP address), the
    name the browser shows, and the origins a ceremony may come from."""

    id: str = "localhost"
    name: str = "Tenantry"
    origins: tuple[str, ...] = ("http://localhost:8000",)


@dataclass(frozen=True)
class NewPasskey:
    """A verified registration: what is stored to check the passkey's later signatures."""

    credential_id: str  # base64url
    public_key: str  # base64url of the COSE key
    sign_count: int
    aaguid: str
    backup_eligible: bool
    backed_up: bool


@dataclass(frozen=True)
class Assertion:
    """A verified sign-in answer. The counter is the authenticator's; comparing it is the caller's job."""

    credential_id: str
    sign_count: int
    backed_up: bool
    user_verified: bool


def new_challenge() -> str:
    """A fresh 32-byte WebAuthn challenge, base64url."""
    return bytes_to_base64url(secrets.token_bytes(32))


def user_handle(user_id: bytes) -> str:
    """The WebAuthn user handle as base64url (the user's UUID bytes: stable, no personal data)."""
    return bytes_to_base64url(user_id)


def registration_options(
    rp: RelyingParty, *, handle: bytes, user_name: str, display_name: str, challenge: str, exclude: list[str]
) -> str:
    """Creation options asking for a discoverable credential (resident key) with user verification,
    excluding the user's existing passkeys so one authenticator is not registered twice."""
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=handle,
        user_name=user_name,
        user_display_name=display_name or user_name,
        challenge=base64url_to_bytes(challenge),
        timeout=int(CEREMONY_TTL.total_seconds() * 1000),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in exclude],
    )
    return options_to_json(options)


def authentication_options(rp: RelyingParty, *, challenge: str, allow: list[str], verify_user: bool) -> str:
    """Request options; `allow` empty lets the browser offer any of the user's passkeys for this RP."""
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=base64url_to_bytes(challenge),
        timeout=int(CEREMONY_TTL.total_seconds() * 1000),
        allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in allow],
        user_verification=(
            UserVerificationRequirement.REQUIRED if verify_user else UserVerificationRequirement.PREFERRED
        ),
    )
    return options_to_json(options)


def verify_registration(rp: RelyingParty, credential: str, challenge: str) -> NewPasskey:
    """Check a navigator.credentials.create() answer; raises WebauthnFailed."""
    _check_size(credential)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise WebauthnFailed(FAILED, ("credential",)) from error
    return NewPasskey(
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=bytes_to_base64url(verified.credential_public_key),
        sign_count=verified.sign_count,
        aaguid=str(verified.aaguid),
        backup_eligible=verified.credential_device_type == "multi_device",
        backed_up=verified.credential_backed_up,
    )


def credential_id_of(credential: str) -> str | None:
    """The credential ID an answer claims (unverified), to find the stored passkey; None if there is none."""
    if len(credential) > MAX_CREDENTIAL_INPUT:
        return None
    try:
        parsed = json.loads(credential)
    except ValueError:
        return None
    found = parsed.get("rawId") or parsed.get("id") if isinstance(parsed, dict) else None
    return found if isinstance(found, str) and 0 < len(found) <= 1400 else None


def handle_of(credential: str) -> str | None:
    """The user handle an assertion carries (discoverable credentials always send it), unverified."""
    try:
        response = json.loads(credential).get("response") or {}
    except (ValueError, AttributeError):
        return None
    handle = response.get("userHandle") if isinstance(response, dict) else None
    return handle if isinstance(handle, str) and handle else None


def verify_assertion(
    rp: RelyingParty, credential: str, *, challenge: str, public_key: str, verify_user: bool
) -> Assertion:
    """Check a navigator.credentials.get() answer against a stored public key; raises WebauthnFailed.

    The counter is not compared here (the caller compares it with the stored one, to tell a clone).
    """
    _check_size(credential)
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
            credential_public_key=base64url_to_bytes(public_key),
            credential_current_sign_count=0,
            require_user_verification=verify_user,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise WebauthnFailed(FAILED, ("credential",)) from error
    return Assertion(
        credential_id=bytes_to_base64url(verified.credential_id),
        sign_count=verified.new_sign_count,
        backed_up=verified.credential_backed_up,
        user_verified=verified.user_verified,
    )


def counter_went_up(stored: int, answered: int) -> bool:
    """WebAuthn's clone check: an authenticator that counts must show a higher count every time.
    Both zero means the authenticator does not count (many synced passkeys), which is allowed."""
    return (stored == 0 and answered == 0) or answered > stored


def _check_size(credential: str) -> None:
    if not credential.strip():
        raise WebauthnFailed("Answer with the passkey's credential.", ("credential",))
    if len(credential) > MAX_CREDENTIAL_INPUT:
        raise WebauthnFailed(FAILED, ("credential",))
