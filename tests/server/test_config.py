"""Settings: defaults, normalisation, and refusals with clear messages."""

from __future__ import annotations

import base64

import pytest
from astrocal_server.config import Settings, parse_keyring
from pydantic import ValidationError


def _settings(**kw: object) -> Settings:
    return Settings(_env_file=None, **kw)  # type: ignore[arg-type]


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ASTROCAL_DATABASE_URL", "ASTROCAL_ENVIRONMENT", "ASTROCAL_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    s = _settings()
    assert s.database_url == "sqlite+aiosqlite:///./astrocal.db"
    assert s.environment == "development" and s.default_plan == "unlimited"
    assert s.plans["free"].bookings_per_month == 10 and s.plans["free"].requests_per_minute == 60
    assert (
        s.plans["unlimited"].bookings_per_month is None
        and s.plans["unlimited"].requests_per_minute == 1200
    )
    # development derives a stable key from the database URL
    assert s.keyring == _settings().keyring
    assert len(s.keyring[0][1]) == 32
    assert s.keyring != _settings(database_url="sqlite:///other.db").keyring


def test_env_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASTROCAL_DATABASE_URL", "postgresql://u:p@db:5432/astro")
    monkeypatch.setenv("ASTROCAL_SIGNUP_ENABLED", "true")
    s = _settings()
    assert s.database_url == "postgresql+asyncpg://u:p@db:5432/astro"
    assert s.signup_enabled is True


def test_production_needs_a_real_key() -> None:
    with pytest.raises(ValidationError, match="ASTROCAL_SECRET_KEY is required in production"):
        _settings(environment="production")
    with pytest.raises(ValidationError, match="AES-256-GCM needs exactly 32"):
        _settings(
            environment="production", secret_key="k1:" + base64.urlsafe_b64encode(b"short").decode()
        )
    key = base64.urlsafe_b64encode(b"x" * 32).decode()
    s = _settings(environment="production", secret_key=f"k2:{key},k1:{key}")
    assert [kid for kid, _ in s.keyring] == ["k2", "k1"]


def test_keyring_parsing() -> None:
    key = base64.urlsafe_b64encode(b"y" * 32).decode().rstrip("=")
    assert parse_keyring(key) == [("k1", b"y" * 32)]
    with pytest.raises(ValueError, match="same key id twice"):
        parse_keyring(f"a:{key},a:{key}")
    with pytest.raises(ValueError, match="not valid base64url"):
        parse_keyring("k1:***")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("database_url", "mysql://x", "must be a SQLite URL"),
        ("default_plan", "gold", "not one of the configured plans"),
        ("email_backend", "smtp", "needs smtp_url"),
        ("public_base_url", "example.com", "absolute http"),
        ("calendar_timeout_seconds", 0, "greater than 0"),
    ],
)
def test_bad_settings_say_what_is_wrong(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _settings(**{field: value})
