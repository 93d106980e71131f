"""Known devices (OWASP's "device cookies"): a browser or client that has signed in successfully
carries a long-lived device token for that user.

A sign-in from a known device, with the right password, goes first in the hasher's queue and
is exempt from the per-account failure lock, so an attacker who floods sign-ins or knows the
owner's email cannot keep the owner out. A known device has its own limit instead: 10 failures
per device per 15 minutes. The token is opaque: the user's ID, a random nonce and the issue time,
encrypted and authenticated with a key derived from the server secret (AES-GCM), so checking it
costs no database read and any process can check it. It also carries a digest of the sign-in email,
so that a token can be matched to the email a sign-in names before the user is looked up.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.limits import Limit
from domain.ports import Keyring

PURPOSE = "device"
TTL = timedelta(days=365)
LIMIT = Limit("signin:device", 10, timedelta(minutes=15))
MAX_TOKEN_LENGTH = 300


@dataclass(frozen=True)
class Device:
    """A device token's contents: whose device it is and which one (the nonce)."""

    user_id: UUID
    nonce: str
    issued_at: datetime
    email: str  # a short keyed digest of the sign-in email it was issued for (see `email_digest`)

    @property
    def hasher_key(self) -> str:
        """Who this device is to the password hasher (one hash in flight each, see BcryptHasher)."""
        return f"device:{self.nonce}"

    def names(self, keyring: Keyring, email: str) -> bool:
        """Whether the token was issued for this sign-in email (a new email makes devices unknown)."""
        return self.email == email_digest(keyring, email)


def user_hasher_key(user_id: UUID) -> str:
    """Who a signed-in user (or one who proved a reset code) is to the password hasher."""
    return f"user:{user_id}"


def email_digest(keyring: Keyring, email: str) -> str:
    return keyring.digest(PURPOSE, email.strip().casefold())[:22]


def issue(keyring: Keyring, user_id: UUID, email: str, now: datetime) -> str:
    """A new device token for the user `user_id` who signs in with `email`."""
    plain = f"{user_id}:{secrets.token_urlsafe(16)}:{int(now.timestamp())}:{email_digest(keyring, email)}"
    return keyring.encrypt(PURPOSE, plain.encode("ascii"))


def read(keyring: Keyring, token: str | None, now: datetime) -> Device | None:
    """The device behind a token, or None for a missing, forged, malformed or expired one."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        user_id, nonce, issued, email = keyring.decrypt(PURPOSE, token).decode("ascii").split(":")
        device = Device(uuid.UUID(user_id), nonce, datetime.fromtimestamp(int(issued), UTC), email)
    except Exception:  # noqa: BLE001 (anything a forged token can raise means: not a known device)
        return None
    return device if now - device.issued_at < TTL else None
