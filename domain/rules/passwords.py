"""Password policy after NIST SP 800-63B: length, a blocklist, personal data, no reuse.

There are deliberately no composition rules (digits, symbols, case): 800-63B advises against
them because they push people towards predictable patterns without adding strength.
"""

from __future__ import annotations

import functools
import unicodedata

from domain.errors import Invalid, PasswordReused, WeakPassword
from domain.security import MAX_PASSWORD_LENGTH, normalize_password

MIN_LENGTH = 12
MAX_LENGTH = MAX_PASSWORD_LENGTH

# Shorter names or local parts ("Li", "al") occur inside too many unrelated passwords.
_MIN_PERSONAL_LENGTH = 3


def check_new_password(
    password: str,
    *,
    email: str,
    first_name: str,
    last_name: str,
    current_matches: bool,
    field: tuple[str, ...],
) -> None:
    """Raise unless `password` may become the user's new password.

    Length is counted in characters after NFKC normalization, so the same password typed on
    different keyboards counts the same. Raises WeakPassword when shorter than 12 characters,
    among the most common passwords, or containing the email's local part or a name (each only
    when at least 3 characters); Invalid when longer than 256 characters; PasswordReused when
    `current_matches` (the caller's hash check of the new password against the current one).
    """
    folded = _normalized(password, field).casefold()
    if folded in _common_passwords():
        raise WeakPassword(
            "This is one of the most commonly used passwords; choose one that is harder to guess.",
            field,
        )
    _reject_personal_data(folded, email=email, first_name=first_name, last_name=last_name, field=field)
    if current_matches:
        raise PasswordReused("Your new password must differ from your current password.", field)


def _normalized(password: str, field: tuple[str, ...]) -> str:
    """NFKC-normalize the password as the hasher will, and enforce its length limits."""
    try:
        normalized = normalize_password(password, field)
    except Invalid:  # the same limit, said to the person choosing the password
        raise Invalid(f"Your password can be at most {MAX_LENGTH} characters.", field) from None
    if len(normalized) < MIN_LENGTH:
        raise WeakPassword(f"Your password must be at least {MIN_LENGTH} characters.", field)
    return normalized


def _reject_personal_data(folded: str, *, email: str, first_name: str, last_name: str, field: tuple[str, ...]) -> None:
    """Raise WeakPassword if the password contains the account's own email or names."""
    local_part = email.rpartition("@")[0] if "@" in email else email
    for value, what in (
        (local_part, "the part of your email address before the @"),
        (first_name, "your first name"),
        (last_name, "your last name"),
    ):
        needle = _fold(value)
        if len(needle) >= _MIN_PERSONAL_LENGTH and needle in folded:
            raise WeakPassword(f"Your password must not contain {what}.", field)


def _fold(value: str) -> str:
    """Compare personal data the way the password is compared: NFKC, then case-folded."""
    return unicodedata.normalize("NFKC", value.strip()).casefold()


@functools.cache
def _common_passwords() -> frozenset[str]:
    """zxcvbn's 30,000 most common leaked passwords, loaded on first use (the module is large)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(_fold(word) for word in FREQUENCY_LISTS["passwords"])
