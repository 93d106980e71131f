"""Settings from the environment (prefix TENANTRY_). A bad value stops start-up with one clear line."""

from __future__ import annotations

import difflib
import ipaddress
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from server.files import private_dir

PREFIX = "TENANTRY_"
DEFAULT_VAR = Path.cwd() / "var"
DEFAULT_PORT = 8000
# Read elsewhere than load_settings: by the CLI (create-user) and by the test suite.
# Read by the CLI (PASSWORD), the panel's dev server (API) and the test suite, not by the server.
OTHER_VARIABLES = ("PASSWORD", "API", "TEST_POSTGRES_URL", "REQUIRE_POSTGRES", "REQUIRE_BROWSER", "CHROMIUM")


class SettingsError(Exception):
    """One bad environment variable; the message names it."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    var_dir: Path = DEFAULT_VAR
    database_url: str = ""
    secret_key: str = field(default="", repr=False)
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str = "Tenantry <no-reply@tenantry.local>"
    bcrypt_rounds: int = 12
    # One bcrypt hash per core at a time; one core fewer under a flood (see domain/security.py).
    hash_concurrency: int = field(default_factory=lambda: os.cpu_count() or 1)
    session_absolute_ttl: int = 12 * 3600
    session_idle_ttl: int = 3600
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    # Unset: the origins of the served host and port (see `served_origins`).
    allowed_origins: tuple[str, ...] = ("http://127.0.0.1:8000", "http://localhost:8000")
    introspection: bool = True
    graphiql: bool = True
    # Cookie-authenticated requests may run only the panel's manifest (server/persisted.py).
    persisted_only: bool = False
    log_level: str = "INFO"
    log_format: str = "text"
    access_log: bool = True
    max_body_bytes: int = 256 * 1024
    mfa_issuer: str = "Tenantry"
    # Passkeys belong to this domain (never an IP address: browsers refuse one), checked against the
    # allowed origins. `localhost` works for http://localhost:<port>, a secure context in browsers.
    webauthn_rp_id: str = "localhost"
    outbox_poll_seconds: float = 5.0
    # Audit events older than this are deleted by housekeeping.
    audit_retention_days: int = 400
    # Where the panel is: links in mails ("this wasn't me") point here.
    public_url: str = "http://127.0.0.1:8000"
    # Rate limits: points (schema/cost.py) per window, per session or API token and per anonymous
    # client address (IPv4, or IPv6 /64).
    rate_limit_points: int = 5000
    rate_limit_anonymous_points: int = 500
    rate_limit_window: int = 3600

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def served_origins(host: str, port: int) -> tuple[str, ...]:
    """The origins a browser uses for this server: 127.0.0.1 and localhost, and a named host."""
    origins = [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
    if host not in ("127.0.0.1", "localhost", "0.0.0.0", "::", ""):  # noqa: S104 (compared, not bound)
        origins.append(f"http://{f'[{host}]' if ':' in host else host}:{port}")
    return tuple(origins)


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")


def _int_range(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        text = value.strip()
        if not (text.removeprefix("-").isdigit() and low <= int(text) <= high):
            raise ValueError(f"expected a whole number from {low} to {high}, got {value!r}")
        return int(text)

    return parse


_DURATION_EXPECTED = "expected a number such as 3600, 60m or 12h"


def _duration(value: str) -> int:
    """Seconds, or a number with s, m, h or d."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = value.strip().lower()
    number, unit = (text[:-1], units[text[-1]]) if text and text[-1] in units else (text, 1)
    if not number.isdigit() or int(number) * unit <= 0:
        raise ValueError(f"{_DURATION_EXPECTED} (a positive duration), got {value!r}")
    return int(number) * unit


def _window(value: str) -> int:
    """A duration of at most a day: housekeeping deletes counters a day after their window starts."""
    seconds = _duration(value)
    if seconds > 86400:
        raise ValueError(f"expected at most 1d (86400 seconds), got {value!r}")
    return seconds


def _positive_seconds(value: str) -> float:
    """Seconds as a number above zero (fractions allowed): 0 would make a poller spin."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < float("inf"):  # also false for nan
        raise ValueError(f"expected a number of seconds above 0 such as 5 or 0.5, got {value!r}")
    return seconds


def _origins(value: str) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
            raise ValueError(f"{origin!r} is not an origin like https://panel.example.com")
    return origins


def _rp_id(value: str) -> str:
    value = value.strip().lower()
    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        pass
    else:
        raise ValueError("browsers refuse an IP address as the RP ID; use a domain such as localhost")
    if not value or "/" in value or ":" in value:
        raise ValueError("expected a domain such as example.com or localhost, without scheme or port")
    return value


def _smtp_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("expected smtp://[user:password@]host[:port][?starttls=1] or smtps://...")
    _ = parts.port  # raises ValueError on a bad port
    starttls = parse_qs(parts.query).get("starttls", ["0"])[0]
    _bool(starttls)
    return value


def _log_level(value: str) -> str:
    level = value.strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ValueError("expected DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return level


def _log_format(value: str) -> str:
    fmt = value.strip().lower()
    if fmt not in ("text", "json"):
        raise ValueError("expected text or json")
    return fmt


def _public_url(value: str) -> str:
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"expected a URL like https://panel.example.com, got {value!r}")
    return url


def _database_url(value: str) -> str:
    if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
        raise ValueError("expected sqlite:///path or postgresql://user@host/db")
    return value


_PARSERS: dict[str, Callable[[str], Any]] = {
    "database_url": _database_url,
    "smtp_url": _smtp_url,
    "mail_from": str,
    "bcrypt_rounds": _int_range(4, 16),
    "hash_concurrency": _int_range(1, 64),
    "session_absolute_ttl": _duration,
    "session_idle_ttl": _duration,
    "host": str,
    "port": _int_range(1, 65535),
    "allowed_origins": _origins,
    "introspection": _bool,
    "graphiql": _bool,
    "persisted_only": _bool,
    "log_level": _log_level,
    "log_format": _log_format,
    "access_log": _bool,
    "max_body_bytes": _int_range(1024, 64 * 1024 * 1024),
    "mfa_issuer": str,
    "webauthn_rp_id": _rp_id,
    "outbox_poll_seconds": _positive_seconds,
    "audit_retention_days": _int_range(1, 100 * 366),
    "public_url": _public_url,
    "rate_limit_points": _int_range(1, 10**9),
    "rate_limit_anonymous_points": _int_range(1, 10**9),
    "rate_limit_window": _window,
}
KNOWN_VARIABLES = frozenset(
    PREFIX + name for name in ("ENV", "VAR_DIR", "SECRET_KEY", *(n.upper() for n in _PARSERS), *OTHER_VARIABLES)
)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read TENANTRY_* variables; raises SettingsError naming the first bad one."""
    environ = os.environ if environ is None else environ
    env = environ.get(PREFIX + "ENV", "development").strip().lower()
    if env not in ("development", "production", "test"):
        raise SettingsError(f"{PREFIX}ENV: expected development, production or test, got {env!r}")
    var_dir = Path(environ.get(PREFIX + "VAR_DIR", str(DEFAULT_VAR))).resolve()
    values: dict[str, Any] = {"env": env, "var_dir": var_dir}
    for name, parse in _PARSERS.items():
        raw = environ.get(PREFIX + name.upper())
        if raw is None or raw == "":
            continue
        try:
            values[name] = parse(raw)
        except (ValueError, KeyError) as error:
            raise SettingsError(f"{PREFIX}{name.upper()}: {error}") from None
    if env == "production":  # a public server does not show its schema unless asked to
        values.setdefault("graphiql", False)
        values.setdefault("introspection", False)
        values.setdefault("persisted_only", True)
    values.setdefault("database_url", f"sqlite:///{var_dir / 'tenantry.db'}")
    # Unset, the allowed origins are the served ones: GraphiQL works on whatever port `serve` uses.
    served = served_origins(values.get("host", Settings.host), values.get("port", DEFAULT_PORT))
    values.setdefault("allowed_origins", served)
    values["secret_key"] = _secret_key(environ, env, var_dir)
    if values.get("session_idle_ttl", 3600) > values.get("session_absolute_ttl", 12 * 3600):
        raise SettingsError(f"{PREFIX}SESSION_IDLE_TTL: must not be longer than SESSION_ABSOLUTE_TTL")
    return Settings(**values)


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """One warning per TENANTRY_* variable nothing reads (a typo is otherwise silently ignored)."""
    environ = os.environ if environ is None else environ
    warnings = []
    for name in sorted(n for n in environ if n.startswith(PREFIX) and n not in KNOWN_VARIABLES):
        # Compared without the prefix, which every name shares and which would make anything "close".
        suffixes = sorted(known.removeprefix(PREFIX) for known in KNOWN_VARIABLES)
        close = difflib.get_close_matches(name.removeprefix(PREFIX), suffixes, n=1)
        hint = f"; did you mean {PREFIX}{close[0]}?" if close else ""
        warnings.append(f"{name} is not a Tenantry setting and is ignored{hint}")
    return warnings


def _secret_key(environ: Mapping[str, str], env: str, var_dir: Path) -> str:
    key = environ.get(PREFIX + "SECRET_KEY", "")
    if key:
        if len(key) < 32:
            raise SettingsError(f"{PREFIX}SECRET_KEY: must be at least 32 characters")
        return key
    if env == "production":
        raise SettingsError(f"{PREFIX}SECRET_KEY: required when TENANTRY_ENV=production")
    return _dev_secret(var_dir)


def _dev_secret(var_dir: Path) -> str:
    """Generated once into var/secret_key (0600) and reused, so dev sessions survive restarts."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    private_dir(var_dir)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race; use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
