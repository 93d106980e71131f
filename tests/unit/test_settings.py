"""Settings: defaults that work on a fresh machine, and one clear line for every bad value."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from server.settings import SettingsError, load_settings, unknown_variables


def test_defaults_use_embedded_sqlite_and_a_generated_private_secret(tmp_path: Path) -> None:
    settings = load_settings({"TENANTRY_VAR_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'tenantry.db'}"
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_settings({"TENANTRY_VAR_DIR": str(tmp_path)}).secret_key == settings.secret_key
    assert settings.bcrypt_rounds == 12 and settings.session_absolute_ttl == 12 * 3600
    assert settings.session_idle_ttl == 3600 and settings.introspection and settings.graphiql


def test_production_requires_an_explicit_secret(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="^TENANTRY_SECRET_KEY: required when TENANTRY_ENV=production$"):
        load_settings({"TENANTRY_ENV": "production", "TENANTRY_VAR_DIR": str(tmp_path)})
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BCRYPT_ROUNDS", "3"),
        ("BCRYPT_ROUNDS", "twelve"),
        ("SESSION_IDLE_TTL", "-5"),
        ("SESSION_ABSOLUTE_TTL", "soon"),
        ("SMTP_URL", "http://mail.example.com"),
        ("SMTP_URL", "smtp://mail.example.com:notaport"),
        ("ALLOWED_ORIGINS", "panel.example.com"),
        ("INTROSPECTION", "maybe"),
        ("LOG_LEVEL", "LOUD"),
        ("DATABASE_URL", "mysql://x"),
        ("SECRET_KEY", "short"),
        ("ENV", "staging"),
        ("OUTBOX_POLL_SECONDS", "soon"),
        ("LOG_FORMAT", "xml"),
        ("PORT", "70000"),
        ("RATE_LIMIT_POINTS", "0"),
        ("RATE_LIMIT_ANONYMOUS_POINTS", "lots"),
        ("RATE_LIMIT_WINDOW", "2d"),
    ],
)
def test_bad_values_name_their_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({f"TENANTRY_{name}": value, "TENANTRY_VAR_DIR": str(tmp_path)})
    message = str(raised.value)
    assert message.startswith(f"TENANTRY_{name}: ") and "\n" not in message


def test_durations_and_lists_parse(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "TENANTRY_VAR_DIR": str(tmp_path),
            "TENANTRY_SESSION_ABSOLUTE_TTL": "8h",
            "TENANTRY_SESSION_IDLE_TTL": "30m",
            "TENANTRY_ALLOWED_ORIGINS": "https://a.example.com, https://b.example.com/",
            "TENANTRY_SMTP_URL": "smtps://user:p%40ss@mail.example.com:465",
            "TENANTRY_GRAPHIQL": "off",
        }
    )
    assert settings.session_absolute_ttl == 8 * 3600 and settings.session_idle_ttl == 1800
    assert settings.allowed_origins == ("https://a.example.com", "https://b.example.com")
    assert settings.graphiql is False


def test_rate_limits_default_to_5000_and_500_points_an_hour(tmp_path: Path) -> None:
    defaults = load_settings({"TENANTRY_VAR_DIR": str(tmp_path)})
    assert (defaults.rate_limit_points, defaults.rate_limit_anonymous_points, defaults.rate_limit_window) == (
        5000,
        500,
        3600,
    )
    changed = load_settings(
        {
            "TENANTRY_VAR_DIR": str(tmp_path),
            "TENANTRY_RATE_LIMIT_POINTS": "20000",
            "TENANTRY_RATE_LIMIT_ANONYMOUS_POINTS": "100",
            "TENANTRY_RATE_LIMIT_WINDOW": "15m",
        }
    )
    assert (changed.rate_limit_points, changed.rate_limit_anonymous_points, changed.rate_limit_window) == (
        20000,
        100,
        900,
    )


def test_idle_ttl_may_not_exceed_absolute_ttl(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="^TENANTRY_SESSION_IDLE_TTL"):
        load_settings({"TENANTRY_VAR_DIR": str(tmp_path), "TENANTRY_SESSION_IDLE_TTL": "2d"})


@pytest.mark.parametrize("value", ["0", "-1", "0.0", "nan", "inf", "soon"])
def test_outbox_poll_interval_must_be_above_zero(tmp_path: Path, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"TENANTRY_VAR_DIR": str(tmp_path), "TENANTRY_OUTBOX_POLL_SECONDS": value})
    assert str(raised.value) == (
        f"TENANTRY_OUTBOX_POLL_SECONDS: expected a number of seconds above 0 such as 5 or 0.5, got {value!r}"
    )
    fine = load_settings({"TENANTRY_VAR_DIR": str(tmp_path), "TENANTRY_OUTBOX_POLL_SECONDS": "0.5"})
    assert fine.outbox_poll_seconds == 0.5


@pytest.mark.parametrize("value", ["soon", "1x", "12 h", "-5", "0", "1.5h", ""])
def test_bad_durations_say_what_is_expected_not_what_int_said(tmp_path: Path, value: str) -> None:
    environ = {"TENANTRY_VAR_DIR": str(tmp_path), "TENANTRY_SESSION_ABSOLUTE_TTL": value or " "}
    with pytest.raises(SettingsError) as raised:
        load_settings(environ)
    message = str(raised.value)
    assert message.startswith("TENANTRY_SESSION_ABSOLUTE_TTL: expected a number such as 3600, 60m or 12h")
    assert "invalid literal" not in message and "base 10" not in message


def test_bad_whole_numbers_say_what_is_expected(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"TENANTRY_VAR_DIR": str(tmp_path), "TENANTRY_BCRYPT_ROUNDS": "twelve"})
    assert str(raised.value) == "TENANTRY_BCRYPT_ROUNDS: expected a whole number from 4 to 16, got 'twelve'"


def test_unknown_variables_are_named_with_the_closest_setting() -> None:
    environ = {
        "TENANTRY_ALLOWED_ORIGIN": "https://a.example.com",
        "TENANTRY_FROBNICATE": "1",
        "TENANTRY_SMTP_URL": "smtp://mail.example.com",
        "TENANTRY_PASSWORD": "read by create-user",
        "HOME": "/root",
    }
    assert unknown_variables(environ) == [
        "TENANTRY_ALLOWED_ORIGIN is not a Tenantry setting and is ignored; did you mean TENANTRY_ALLOWED_ORIGINS?",
        "TENANTRY_FROBNICATE is not a Tenantry setting and is ignored",
    ]


def test_development_origins_follow_the_served_host_and_port(tmp_path: Path) -> None:
    default = load_settings({"TENANTRY_VAR_DIR": str(tmp_path)})
    assert default.allowed_origins == ("http://127.0.0.1:8000", "http://localhost:8000")
    on_5000 = load_settings({"TENANTRY_VAR_DIR": str(tmp_path), "TENANTRY_PORT": "5000"})
    assert on_5000.allowed_origins == ("http://127.0.0.1:5000", "http://localhost:5000")
    named = load_settings({"TENANTRY_VAR_DIR": str(tmp_path), "TENANTRY_PORT": "5000", "TENANTRY_HOST": "dev.lan"})
    assert named.allowed_origins == ("http://127.0.0.1:5000", "http://localhost:5000", "http://dev.lan:5000")
    explicit = load_settings(
        {
            "TENANTRY_VAR_DIR": str(tmp_path),
            "TENANTRY_PORT": "5000",
            "TENANTRY_ALLOWED_ORIGINS": "http://localhost:5173",
        }
    )
    assert explicit.allowed_origins == ("http://localhost:5173",)


def test_log_format_is_text_or_json(tmp_path: Path) -> None:
    assert load_settings({"TENANTRY_VAR_DIR": str(tmp_path)}).log_format == "text"
    assert load_settings({"TENANTRY_VAR_DIR": str(tmp_path), "TENANTRY_LOG_FORMAT": "JSON"}).log_format == "json"


def test_production_turns_graphiql_and_introspection_off_unless_asked(tmp_path: Path) -> None:
    production = {"TENANTRY_ENV": "production", "TENANTRY_SECRET_KEY": "k" * 48, "TENANTRY_VAR_DIR": str(tmp_path)}
    closed = load_settings(production)
    assert not closed.graphiql and not closed.introspection
    opened = load_settings({**production, "TENANTRY_GRAPHIQL": "true", "TENANTRY_INTROSPECTION": "1"})
    assert opened.graphiql and opened.introspection
    development = load_settings({"TENANTRY_VAR_DIR": str(tmp_path), "TENANTRY_GRAPHIQL": "off"})
    assert not development.graphiql and development.introspection


@pytest.mark.parametrize("value", ["127.0.0.1", "[::1]", "https://example.com", "example.com:8443", " "])
def test_the_webauthn_rp_id_is_a_bare_domain_never_an_ip_address(tmp_path: Path, value: str) -> None:
    env = {"TENANTRY_VAR_DIR": str(tmp_path), "TENANTRY_WEBAUTHN_RP_ID": value}
    with pytest.raises(SettingsError, match="^TENANTRY_WEBAUTHN_RP_ID: "):
        load_settings(env)


def test_the_webauthn_rp_id_defaults_to_localhost_and_takes_a_domain(tmp_path: Path) -> None:
    assert load_settings({"TENANTRY_VAR_DIR": str(tmp_path)}).webauthn_rp_id == "localhost"
    env = {"TENANTRY_VAR_DIR": str(tmp_path), "TENANTRY_WEBAUTHN_RP_ID": "Panel.Example.com"}
    assert load_settings(env).webauthn_rp_id == "panel.example.com"


def test_persisted_only_is_on_in_production_and_off_elsewhere_unless_asked(tmp_path: Path) -> None:
    production = {"TENANTRY_ENV": "production", "TENANTRY_SECRET_KEY": "k" * 48, "TENANTRY_VAR_DIR": str(tmp_path)}
    assert load_settings(production).persisted_only
    assert not load_settings({**production, "TENANTRY_PERSISTED_ONLY": "false"}).persisted_only
    for env in ("development", "test"):
        settings = {"TENANTRY_ENV": env, "TENANTRY_VAR_DIR": str(tmp_path)}
        assert not load_settings(settings).persisted_only
        assert load_settings({**settings, "TENANTRY_PERSISTED_ONLY": "true"}).persisted_only
