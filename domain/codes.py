"""One-time codes mailed to an address: contact verification, sign-in email change and password
reset issue and check them the same way.

A code is random characters of its kind's alphabet (digits unless told otherwise), valid 15
minutes, void after 5 wrong tries, stored only as a keyed digest bound to what it confirms, and
works once. Every try is counted in the database in its own committed transaction *before* the
comparison (the repository's `count_*_attempt`), so any number of concurrent requests get 5 tries
in all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.errors import CodeExpired, InvalidCode, Required, TooManyAttempts
from domain.ports import Keyring
from domain.security import constant_time_equal, new_code, new_numeric_code

TTL = timedelta(minutes=15)
MAX_TRIES = 5
DIGITS = "0123456789"
# Upper-case letters and digits that cannot be taken for one another (no 0/O, 1/I/L, U/V).
UNAMBIGUOUS = "23456789ABCDEFGHJKMNPQRSTWXYZ"


@dataclass(frozen=True)
class Pending:
    """The stored state of a code: its digest (None when void), expiry and wrong tries so far."""

    digest: str | None
    expires_at: datetime | None
    tries_used: int


@dataclass(frozen=True)
class CodeKind:
    """One use of mailed codes. `binding` ties a code to what it confirms (a contact, a new email)."""

    purpose: str
    renew: str  # how to get a new code, for messages: "ask for a new code"
    digits: int = 6  # the code's length, in characters of `alphabet`
    ttl: timedelta = TTL
    max_tries: int = MAX_TRIES
    alphabet: str = DIGITS

    @property
    def minutes(self) -> int:
        return int(self.ttl.total_seconds() // 60)

    def issue(self, keyring: Keyring, binding: str) -> tuple[str, str]:
        """A fresh code and its digest; the code goes into the mail, only the digest is stored."""
        code = new_numeric_code(self.digits) if self.alphabet == DIGITS else new_code(self.alphabet, self.digits)
        return code, self.digest(keyring, binding, code)

    def digest(self, keyring: Keyring, binding: str, code: str) -> str:
        return keyring.digest(self.purpose, f"{binding}\n{code}")

    def typed(self, value: str, field: tuple[str, ...] = ("code",)) -> str:
        """The code as typed, without spaces; Required or InvalidCode before any try is spent."""
        code = "".join(value.split())
        if self.alphabet != DIGITS:  # letters: any case, with or without the dash the mail shows
            code = code.replace("-", "").upper()
        if not code:
            raise Required("Enter the code from the email.", field)
        if len(code) != self.digits or not code.isascii() or any(c not in self.alphabet for c in code):
            kind = "digits" if self.alphabet == DIGITS else "letters and digits"
            raise InvalidCode(f"The code is the {self.digits} {kind} from the email.", field)
        return code

    def check(
        self,
        keyring: Keyring,
        binding: str,
        code: str,
        pending: Pending | None,
        now: datetime,
        *,
        counted: bool,
        field: tuple[str, ...] = ("code",),
    ) -> str:
        """The digest of `code` when it matches the live pending code; else raise why it does not.

        `counted` says whether this try could be counted (False: no tries were left).
        """
        if pending is None or pending.digest is None:
            raise InvalidCode(f"No code is waiting to be entered; {self.renew}.", field)
        if pending.expires_at is None or now >= pending.expires_at:
            raise CodeExpired(f"The code has expired; {self.renew}.", field)
        if not counted:
            raise self.spent(field)
        digest = self.digest(keyring, binding, code)
        if not constant_time_equal(digest, pending.digest):
            raise InvalidCode(self._wrong(pending.tries_used), field)  # this try stays counted
        return digest

    def spent(self, field: tuple[str, ...] = ("code",)) -> TooManyAttempts:
        return TooManyAttempts(f"The code was entered wrongly too many times and no longer works; {self.renew}.", field)

    def _wrong(self, tries_used: int) -> str:
        left = self.max_tries - tries_used
        if left <= 0:
            return f"The code is wrong, and it no longer works; {self.renew}."
        return f"The code is wrong; {left} {'try' if left == 1 else 'tries'} left."
