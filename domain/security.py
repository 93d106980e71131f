"""Password hashing, keyed digests and encryption at rest.

Passwords: bcrypt over an HMAC-free SHA-256 pre-hash (as Django's bcrypt_sha256), so every character
of a password up to 256 characters counts although bcrypt reads only 72 bytes. Passwords are NFKC
normalised first (NIST SP 800-63B), so the same password typed on two keyboards matches.

Tokens and codes: stored as HMAC-SHA256 under a key derived from the server secret, so a leaked
table of 6-digit code digests cannot be brute-forced without the key.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import threading
import time
import unicodedata
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import bcrypt
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.errors import Invalid, TooManyAttempts

MAX_PASSWORD_LENGTH = 256
BUSY_MESSAGE = "Too many sign-ins are being checked right now; try again in a moment."
_PREFIX = "bcrypt-sha256$"


def normalize_password(password: str, field: tuple[str, ...] = ("password",)) -> str:
    """NFKC form of a password; raises Invalid past the maximum length (never truncates)."""
    too_long = Invalid(f"A password can be at most {MAX_PASSWORD_LENGTH} characters.", field)
    if len(password) > MAX_PASSWORD_LENGTH * 4:
        raise too_long
    normalized = unicodedata.normalize("NFKC", password)
    if len(normalized) > MAX_PASSWORD_LENGTH:
        raise too_long
    return normalized


def _prehash(password: str) -> bytes:
    # Hex of SHA-256 is 64 ASCII bytes: under bcrypt's 72-byte limit and free of NUL bytes.
    return hashlib.sha256(normalize_password(password).encode("utf-8")).hexdigest().encode("ascii")


class BcryptHasher:
    """bcrypt at a configured cost, behind an admission queue that keeps a flood from locking owners
    out or slowing everyone else down.

    - At most `concurrency` hashes run at once (by default one per core, see server.settings).
    - Known devices (and signed-in users re-checking their password) go first: while one waits, the
      next free slot is theirs, unless the last one went to a known device and an unknown device is
      waiting (so turns alternate: nobody with a device token of their own can shut everyone else
      out). A flood of wrong passwords therefore delays the owner by at most two hashes (OWASP
      device cookies). Known devices may wait `known_wait`, unknown devices `wait`.
    - `client` says who asks: an unknown device's address (an IPv4 address, an IPv6 /64), or a known
      device's or signed-in user's own key, so an attacker behind the owner's NAT cannot hold the
      owner's slot. Each has at most one hash in flight.
    - Both queues are short (as long as the number of slots): past it, or past the wait, a request is
      refused with TooManyAttempts; the caller has counted the attempt already, so refusals count
      too. A bounded queue keeps a flood from parking dozens of threads.
    - One thread hashes at normal priority: calm (no request had to queue or was refused for
      `PRESSURE_SECONDS`) it takes the first hash, so a sign-in is never starved by a host busy with
      other work (at the lowest priority one took 4x as long with two busy cores); under pressure
      only known devices use it. Every other hash runs at the lowest priority (SCHED_IDLE: only CPU
      that nothing else wants), and under pressure at most `pressed` hashes run at once, by default
      one core fewer than the host has: request handling keeps a core that hashing never occupies
      (measured on 2 vCPUs: `me` p99 rose 48% with idle-priority work on every core, 4% with one
      core left free).
    Hashing runs on small dedicated pools, so the event loop stays free.
    """

    PRESSURE_SECONDS = 10.0
    ON_ITS_WAY = 0.05  # seconds a queue place stays promised to a request saturated() let through

    def __init__(
        self,
        rounds: int = 12,
        concurrency: int = 1,
        *,
        pressed: int | None = None,
        wait: float = 0.25,
        known_wait: float = 1.5,
    ) -> None:
        self.rounds = rounds
        self.wait, self.known_wait = wait, known_wait
        self._calm_slots = concurrency
        self._pressed_slots = max(1, min(concurrency, (os.cpu_count() or 1) - 1) if pressed is None else pressed)
        self._cond = threading.Condition()
        self._busy = 0
        self._lead_free = True  # the one normal-priority thread, for calm times
        self._pressed_at = -self.PRESSURE_SECONDS  # when a request last had to queue or was refused
        self._clients: set[str] = set()
        self._waiting = 0  # unknown devices in the queue
        self._coming: deque[float] = deque()  # when saturated() let through requests still on their way
        self._known_waiting = 0
        self._last_known = False  # whether the last slot went to a known device
        self._held = threading.local()
        self._pools = {
            "lead": ThreadPoolExecutor(1, "bcrypt-lead"),
            "idle": ThreadPoolExecutor(max(concurrency, self._pressed_slots), "bcrypt", initializer=_lower_priority),
        }
        self._dummy = self._hash_now("dummy password that never matches")

    @contextmanager
    def slot(self, client: str | None = None, *, known: bool = False) -> Iterator[None]:
        """Hold a hashing slot for this thread's next hashes (re-entrant), or raise TooManyAttempts."""
        if getattr(self._held, "depth", 0):
            self._held.depth += 1
        else:
            lane = self._admit(client, known)
            self._held.depth, self._held.lane = 1, lane
        try:
            yield
        finally:
            self._held.depth -= 1
            if self._held.depth == 0:
                with self._cond:
                    if self._held.lane == "lead":
                        self._lead_free = True
                    self._busy -= 1
                    self._clients.discard(client or "")
                    self._cond.notify_all()

    def saturated(self) -> bool:
        """Every slot busy and every queue place taken or promised: a request from an unknown device
        would be refused. A hint for refusing on the event loop (`slot()` decides): when it says no
        while every slot is busy, the request is on its way to a queue place, and that place counts
        as taken until the request arrives (or for ON_ITS_WAY seconds at most, should it never
        arrive). Otherwise every request arriving while the first is on its way (reading the account,
        counting the attempt) would be let through too, each to be turned away at the queue after
        that work."""
        with self._cond:
            slots = self._slots()
            if self._busy < slots:
                return False
            now = time.monotonic()
            coming = self._coming
            while coming and now - coming[0] > self.ON_ITS_WAY:
                coming.popleft()
            if self._waiting + len(coming) >= slots:
                self._pressed_at = now
                return True
            coming.append(now)
            return False

    def _slots(self) -> int:
        return self._pressed_slots if self._pressed() else self._calm_slots

    def _admit(self, client: str | None, known: bool) -> str:
        deadline = time.monotonic() + (self.known_wait if known else self.wait)
        with self._cond:
            if self._coming:
                # Someone arrived: the oldest promise is settled (whoever it was made to; a request
                # that got none, such as a known device's, settles one early, letting one more through).
                self._coming.popleft()
            if known and self._known_waiting >= self._slots():
                raise TooManyAttempts(BUSY_MESSAGE, retry_after=1)
            self._known_waiting += known
            queued = False  # once in the queue, a request stays until its wait is over
            try:
                while True:
                    if not self._behind(client, known) and self._busy < self._slots():
                        self._busy += 1
                        self._last_known = known
                        if client:
                            self._clients.add(client)
                        if self._lead_free and (known or not self._pressed()):
                            self._lead_free = False
                            return "lead"
                        return "idle"
                    self._pressed_at = time.monotonic()
                    left = deadline - time.monotonic()
                    if left <= 0 or (not known and not queued and self._waiting >= self._slots()):
                        self._cond.notify_all()  # one fewer in the queue: whoever deferred to it looks again
                        raise TooManyAttempts(BUSY_MESSAGE, retry_after=1)
                    self._waiting += not known
                    queued = True
                    try:
                        self._cond.wait(left)
                    finally:
                        self._waiting -= not known
            finally:
                if known:
                    self._known_waiting -= 1
                    self._cond.notify_all()

    def _behind(self, client: str | None, known: bool) -> bool:
        """Whether this request must let others go first (the lock is held)."""
        if client is not None and client in self._clients:
            return True  # its own hash is in flight
        if known:
            return self._last_known and self._waiting > 0  # an unknown device's turn
        return self._known_waiting > 0 and not self._last_known

    def _pressed(self) -> bool:
        return time.monotonic() - self._pressed_at < self.PRESSURE_SECONDS

    def hash(self, password: str) -> str:
        with self.slot():
            return self._pools[self._held.lane].submit(self._hash_now, password).result()

    def verify(self, password: str, encoded: str) -> bool:
        with self.slot():
            return self._pools[self._held.lane].submit(_check, password, encoded).result()

    def verify_dummy(self, password: str) -> None:
        self.verify(password, self._dummy)

    def needs_rehash(self, encoded: str) -> bool:
        """True when the stored hash used another cost than the configured one."""
        try:
            return int(encoded[len(_PREFIX) :].split("$")[2]) != self.rounds
        except (IndexError, ValueError):
            return True

    def _hash_now(self, password: str) -> str:
        return _PREFIX + bcrypt.hashpw(_prehash(password), bcrypt.gensalt(self.rounds)).decode("ascii")

    def close(self) -> None:
        for pool in self._pools.values():
            pool.shutdown(wait=False)


def _check(password: str, encoded: str) -> bool:
    if not encoded.startswith(_PREFIX):
        return False
    try:
        return bcrypt.checkpw(_prehash(password), encoded[len(_PREFIX) :].encode("ascii"))
    except (ValueError, Invalid):
        return False


def _lower_priority() -> None:
    # Linux schedules threads one by one: SCHED_IDLE lets bcrypt use only CPU that request
    # handling leaves idle (nice 10 still took a large share); nice is the fallback elsewhere.
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


class Keyring:
    """Keys derived from one server secret, one per purpose, so no two uses share a key."""

    def __init__(self, secret_key: str) -> None:
        if len(secret_key) < 32:
            raise ValueError("the secret key must be at least 32 characters")
        self._root = hashlib.sha256(secret_key.encode("utf-8")).digest()
        self._keys: dict[str, bytes] = {}  # derived once per purpose (every request digests a token)

    def _key(self, purpose: str) -> bytes:
        key = self._keys.get(purpose)
        if key is None:
            key = self._keys[purpose] = hmac.new(self._root, b"tenantry/" + purpose.encode(), hashlib.sha256).digest()
        return key

    def digest(self, purpose: str, value: str) -> str:
        """Keyed SHA-256 of a token or code, hex."""
        # surrogatepass: a malformed code or token still gets a digest (that matches nothing).
        return hmac.new(self._key(purpose), value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()

    def encrypt(self, purpose: str, plaintext: bytes) -> str:
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(self._key(purpose)).encrypt(nonce, plaintext, purpose.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, purpose: str, token: str) -> bytes:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
        return AESGCM(self._key(purpose)).decrypt(raw[:12], raw[12:], purpose.encode())


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def new_numeric_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def new_code(alphabet: str, length: int) -> str:
    """`length` characters drawn uniformly from `alphabet`."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
