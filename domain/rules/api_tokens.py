"""API token rules without a database: the secret's format and checksum, and the scopes a role allows.

A secret is `tnt_pat_` + 43 base62 characters (256 random bits) + a 6-character base62 CRC32 of
those 43: a secret scanner, or this server before any look-up, tells a real token from a typo.
"""

from __future__ import annotations

import secrets
import zlib

from domain.entities import ApiScope, UserRole

PREFIX = "tnt_pat_"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BODY_LENGTH = 43  # 62**43 > 2**256
CHECK_LENGTH = 6  # 62**6 > 2**32
SECRET_LENGTH = len(PREFIX) + BODY_LENGTH + CHECK_LENGTH
SHOWN = 6  # body characters kept in the clear as the token's `prefix`
_ALPHABET_SET = frozenset(ALPHABET)

_READ = (ApiScope.PROFILE_READ, ApiScope.PROFILE_WRITE, ApiScope.ACCOUNT_READ, ApiScope.BILLING_READ)
ROLE_SCOPES: dict[UserRole, frozenset[ApiScope]] = {
    UserRole.MEMBER: frozenset(_READ),
    UserRole.ACCOUNT_ADMIN: frozenset((*_READ, ApiScope.ACCOUNT_WRITE, ApiScope.TRANSFERS_WRITE, ApiScope.AUDIT_READ)),
    UserRole.CLOUD_ADMIN: frozenset((*_READ, ApiScope.TRANSFERS_RESOLVE, ApiScope.AUDIT_READ)),
}


def allowed_scopes(role: UserRole) -> frozenset[ApiScope]:
    """Every scope a user of `role` may give a token (and that a session of theirs has)."""
    return ROLE_SCOPES[role]


def in_order(scopes: frozenset[ApiScope] | set[ApiScope] | tuple[ApiScope, ...]) -> tuple[ApiScope, ...]:
    """The scopes in the contract's order, each once."""
    return tuple(s for s in ApiScope if s in scopes)


def _base62(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 62)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode("ascii")), CHECK_LENGTH)


def new_secret() -> str:
    """A fresh secret: the prefix, 256 random bits and their checksum."""
    body = _base62(secrets.randbits(256), BODY_LENGTH)
    return f"{PREFIX}{body}{_checksum(body)}"


def is_well_formed(secret: str) -> bool:
    """Whether `secret` has the format and a matching checksum; no database needed."""
    if len(secret) != SECRET_LENGTH or not secret.startswith(PREFIX):
        return False
    rest = secret[len(PREFIX) :]
    if not _ALPHABET_SET.issuperset(rest):
        return False
    body, check = rest[:BODY_LENGTH], rest[BODY_LENGTH:]
    return secrets.compare_digest(_checksum(body), check)


def looks_like_token(secret: str) -> bool:
    """Whether a credential is meant as an API token (not a session token), well formed or not."""
    return secret.startswith(PREFIX)


def shown_prefix(secret: str) -> str:
    """The start kept in the clear, e.g. tnt_pat_4f3aK2: enough to recognise, never to use."""
    return secret[: len(PREFIX) + SHOWN]
