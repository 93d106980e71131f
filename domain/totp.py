"""TOTP (RFC 6238) as Google Authenticator speaks it, QR codes of its key URI, and recovery codes.

Pure functions: no storage, no clock of their own. Every time given here must be timezone-aware,
because pyotp reads a naive datetime as local time and would shift every step by the UTC offset.
"""

from __future__ import annotations

import base64
import io
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno

from domain.errors import InvalidCode, Required
from domain.security import constant_time_equal

# Accepted clock skew, in steps either side of the server's current one.
WINDOW = 1
RECOVERY_CODE_COUNT = 10
# 80 random bits, written as 16 base32 characters in four groups: k7qm-3xza-p2vd-h4rt.
_RECOVERY_BYTES = 10
_RECOVERY_GROUP = 4
_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_TOTP_FORM = re.compile(r"[0-9]{6}")
_SEPARATORS = re.compile(r"[\s\-_.]+")
# Longer input is neither a TOTP code nor a recovery code, whatever its separators.
MAX_CODE_INPUT = 64


@dataclass(frozen=True)
class Code:
    """A code as typed by a person: a 6-digit TOTP code, or a recovery code in canonical form."""

    kind: str  # "totp" or "recovery"
    value: str

    @property
    def is_totp(self) -> bool:
        return self.kind == "totp"


def new_secret() -> str:
    """A fresh 160-bit TOTP secret in base32 (32 characters, no padding)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("TOTP needs a timezone-aware datetime")
    return now


def code_at(secret: str, now: datetime, offset: int = 0) -> str:
    """The code an authenticator app shows at `now`, or `offset` steps away from it."""
    return pyotp.TOTP(secret).at(_aware(now), counter_offset=offset)


def matching_step(secret: str, code: str, now: datetime, after: int | None = None) -> int | None:
    """The step within the accepted window whose code equals `code`, or None.

    Steps at or before `after` (the last step accepted) are not candidates, so a code is never
    accepted twice. The caller must still claim the step atomically in the database.
    """
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(_aware(now))
    found = None
    for step in range(now_step - WINDOW, now_step + WINDOW + 1):
        if after is not None and step <= after:
            continue
        # Every candidate is compared, so the time taken does not say which one matched.
        if constant_time_equal(totp.generate_otp(step), code) and found is None:
            found = step
    return found


def provisioning_uri(secret: str, *, issuer: str, account_name: str) -> str:
    """The otpauth:// key URI (SHA1, 6 digits, 30 s) with the label `issuer:account_name`."""
    return pyotp.TOTP(secret, issuer=issuer).provisioning_uri(name=account_name)


def qr_svg_data_uri(content: str) -> str:
    """An SVG QR code of `content` as a `data:image/svg+xml;base64,...` URI for an <img src>."""
    buffer = io.BytesIO()
    segno.make(content, error="m", micro=False).save(buffer, kind="svg", scale=4, border=4, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Fresh recovery codes as shown to the user, e.g. `k7qm-3xza-p2vd-h4rt` (80 random bits each)."""
    codes = []
    for _ in range(count):
        raw = base64.b32encode(secrets.token_bytes(_RECOVERY_BYTES)).decode("ascii").lower()
        codes.append("-".join(raw[i : i + _RECOVERY_GROUP] for i in range(0, len(raw), _RECOVERY_GROUP)))
    return codes


def canonical_recovery_code(code: str) -> str | None:
    """A recovery code without separators, upper case; None when it cannot be one."""
    if len(code) > MAX_CODE_INPUT:
        return None
    compact = _SEPARATORS.sub("", code).upper()
    if len(compact) != _RECOVERY_BYTES * 8 // 5 or not set(compact) <= _BASE32:
        return None
    return compact


def parse_code(code: str) -> Code | None:
    """What the person typed: a TOTP code (spaces allowed, "123 456"), a recovery code, or None."""
    if len(code) > MAX_CODE_INPUT:
        return None
    digits = re.sub(r"\s+", "", code)
    if _TOTP_FORM.fullmatch(digits):
        return Code("totp", digits)
    recovery = canonical_recovery_code(code)
    return Code("recovery", recovery) if recovery else None


def app_code(code: str, field: tuple[str, ...] = ("code",)) -> str:
    """The digits of a TOTP code as typed; Required when empty, InvalidCode when it cannot be one."""
    message = "Enter the 6-digit code from your authenticator app."
    if not code.strip():
        raise Required(message, field)
    parsed = parse_code(code)
    if parsed is None or not parsed.is_totp:
        raise InvalidCode(message, field)
    return parsed.value


def any_code(code: str, field: tuple[str, ...] = ("code",)) -> Code:
    """A TOTP code or a recovery code as typed; Required when empty, InvalidCode when it is neither."""
    if not code.strip():
        raise Required("Enter a code from your authenticator app or a recovery code.", field)
    parsed = parse_code(code)
    if parsed is None:
        raise InvalidCode("Enter a 6-digit code from your authenticator app or a recovery code.", field)
    return parsed
