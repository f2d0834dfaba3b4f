"""Server configuration: ``ASTROCAL_*`` environment variables (and a ``.env`` file).

Secret key: an AES-GCM keyring, ``"<kid>:<base64url 32-byte key>[,<kid>:<key>…]"`` (the first entry
encrypts, every entry decrypts, so a key can be rotated by putting the new one first). A bare base64url
key is accepted too and gets the key id ``k1``. In production a missing or malformed key refuses to
boot. In development, when no key is given, one is derived deterministically from the database URL —
stable across restarts, needs no file, and is never acceptable in production (so it is refused there).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = [
    "DEFAULT_DATABASE_URL",
    "RELAY_CONCURRENCY",
    "Plan",
    "Settings",
    "normalise_database_url",
    "parse_keyring",
]

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./astrocal.db"
# Bookings' outbox rows a relay runs at once (per kind of work): one coalescing window's rows at
# several hundred bookings a second fit one claim.
RELAY_CONCURRENCY = 128
_KID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


class Plan(BaseModel):
    bookings_per_month: int | None = Field(default=None, ge=0)
    requests_per_minute: int = Field(ge=1)
    # Per account and mode; it also bounds how many requests one event fans out to.
    webhook_endpoints: int = Field(default=20, ge=0)
    # Active (unrevoked) API keys per account and mode; they share requests_per_minute anyway.
    api_keys: int = Field(default=20, ge=1)


def _default_plans() -> dict[str, Plan]:
    return {
        "free": Plan(bookings_per_month=10, requests_per_minute=60),
        "unlimited": Plan(bookings_per_month=None, requests_per_minute=1200),
    }


def normalise_database_url(url: str) -> str:
    """Map the usual spellings onto the async drivers the server uses; refuse anything else."""
    url = url.strip()
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        return url
    raise ValueError(
        "database_url must be a SQLite URL (sqlite+aiosqlite:///path/to/astrocal.db) or a "
        "PostgreSQL URL (postgresql+asyncpg://user:password@host:5432/dbname)"
    )


def _decode_key(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ValueError("is not valid base64url") from None
    if len(raw) != 32:
        raise ValueError(f"decodes to {len(raw)} bytes; AES-256-GCM needs exactly 32")
    return raw


def parse_keyring(value: str) -> list[tuple[str, bytes]]:
    """``"k2:<key>,k1:<key>"`` → ``[("k2", b"…"), ("k1", b"…")]``; the first entry is the active key."""
    entries: list[tuple[str, bytes]] = []
    for position, part in enumerate(p.strip() for p in value.split(",")):
        if not part:
            continue
        kid, sep, key = part.partition(":")
        if not sep:
            kid, key = "k1", part
        if not _KID.match(kid):
            raise ValueError(
                f"secret_key entry {position + 1}: key id {kid!r} must be 1–16 of A-Z a-z 0-9 _ -"
            )
        try:
            entries.append((kid, _decode_key(key)))
        except ValueError as exc:
            raise ValueError(
                f"secret_key entry {position + 1} ({kid}) {exc}; generate one with "
                "`python -c \"import base64,os;print('k1:'+base64.urlsafe_b64encode(os.urandom(32)).decode())\"`"
            ) from None
    if not entries:
        raise ValueError("secret_key is empty")
    if len({kid for kid, _ in entries}) != len(entries):
        raise ValueError("secret_key has the same key id twice")
    return entries


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ASTROCAL_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = DEFAULT_DATABASE_URL
    # PostgreSQL connections per process (and as many again in overflow); size it so that
    # processes × 2 × pool stays under the server's max_connections.
    database_pool_size: int = Field(default=20, ge=1, le=1000)
    environment: Literal["development", "production"] = "development"
    secret_key: str | None = None
    signup_enabled: bool = False
    # Unauthenticated routes that do work count per client address: sign-ups per hour, OAuth
    # callbacks per minute (a browser needs one per connection).
    signup_limit_per_hour: int = Field(default=10, ge=1)
    oauth_callback_limit_per_minute: int = Field(default=30, ge=1)
    # Invitee links (pages and /v1/invitee/…): requests per minute from one client address, and
    # per token from anywhere (a leaked link cannot be hammered from many addresses).
    invitee_limit_per_minute: int = Field(default=120, ge=1)
    invitee_token_limit_per_minute: int = Field(default=30, ge=1)
    allow_private_webhook_targets: bool = False
    # Webhooks: each attempt's deadline (connect + answer), and how often an idle relay polls.
    webhook_timeout_seconds: float = Field(default=15.0, gt=0, le=60)
    relay_poll_seconds: float = Field(default=0.2, gt=0, le=60)
    # A relay claims at most once per this many seconds: under load, the rows committed meanwhile
    # are claimed together (one claim and one settle chain for many bookings); 0 turns it off.
    # Idle, a commit is claimed at once; under load a row waits at most this long (a claim that
    # finds a backlog is followed by the next without waiting).
    relay_coalesce_seconds: float = Field(default=0.2, ge=0, le=5)
    # How long a relay owns a claimed row; a killed worker's rows come back after this.
    relay_lease_seconds: float = Field(default=120.0, ge=5, le=3600)
    # Booking emails (notify/): smtp | console (default: prints a summary) | memory (tests) | none.
    email_backend: Literal["smtp", "console", "memory", "none"] = "console"
    smtp_url: str | None = Field(default=None, repr=False)  # may carry a password
    # The From address, and the ORGANIZER of every invite (clients want the two to match).
    email_from: str = "Astrocal <no-reply@astrocal.localhost>"
    public_base_url: str = "http://127.0.0.1:8000"
    plans: dict[str, Plan] = Field(default_factory=_default_plans)
    default_plan: str = "unlimited"
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=100 * 1_048_576)
    calendar_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # The most one CalDAV operation (discovery, a busy read, a write-back) may take in all,
    # retries and redirects included: a server trickling its answer never trips the timeout above.
    calendar_deadline_seconds: float = Field(default=30.0, gt=0, le=600)
    # How long after a Meet / Teams booking is made its confirmation email waits for the room's
    # link; past this it goes without, and an update follows when the link arrives.
    video_link_wait_seconds: float = Field(default=180.0, ge=0, le=3600)
    # OAuth clients for calendar connections (a provider without a client id cannot be connected).
    # The redirect URI to register with the provider is <public_base_url>/v1/oauth/callback.
    # Base URLs are settings so tests (and sovereign clouds) can point elsewhere.
    google_client_id: str | None = None
    google_client_secret: str | None = None
    google_auth_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_token_url: str = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
    google_revoke_url: str = "https://oauth2.googleapis.com/revoke"
    google_api_url: str = "https://www.googleapis.com/calendar/v3"
    microsoft_client_id: str | None = None
    microsoft_client_secret: str | None = None
    microsoft_tenant: str = "common"
    microsoft_login_url: str = "https://login.microsoftonline.com"
    microsoft_graph_url: str = "https://graph.microsoft.com/v1.0"
    # Where the OAuth callback may send the browser back to (a connection's redirect_uri): origins
    # (https://app.example.com) or an origin with a path prefix (https://app.example.com/oauth/),
    # comma-separated. The server's own origin and loopback addresses are always allowed, so an
    # empty list allows nothing else (see calendars/oauth.py).
    oauth_redirect_allowlist: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # CalDAV servers on loopback/private/link-local addresses (a LAN Nextcloud, a local Radicale):
    # refused unless enabled, so a connection cannot be pointed at internal services.
    allow_private_calendar_servers: bool = False
    run_relay: bool = True
    migrate_on_start: bool = True

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("email_backend", mode="before")
    @classmethod
    def _email_backend(cls, value: Any) -> Any:
        return "none" if value == "disabled" else value  # the older spelling

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from astrocal_server.notify.smtp_url import parse_smtp_url

        parse_smtp_url(value)
        return value.strip()

    @field_validator("email_from")
    @classmethod
    def _email_from(cls, value: str) -> str:
        from email.utils import parseaddr

        _, address = parseaddr(value)
        if not address or "@" not in address or any(c in value for c in "\r\n"):
            raise ValueError(
                "email_from must be an email address, optionally with a name: "
                "'Astrocal <no-reply@example.com>'"
            )
        return value.strip()

    @field_validator("public_base_url")
    @classmethod
    def _public_base_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(
                "public_base_url must be an absolute http(s) URL such as https://api.example.com"
            )
        return value.rstrip("/")

    @field_validator("oauth_redirect_allowlist", mode="before")
    @classmethod
    def _oauth_redirect_allowlist(cls, value: Any) -> Any:
        entries = value.split(",") if isinstance(value, str) else value
        if not isinstance(entries, list):
            return entries
        out = []
        for entry in (str(e).strip() for e in entries):
            if not entry:
                continue
            try:
                parts = urlsplit(entry)
                _ = parts.port  # an out-of-range port raises here
                valid = parts.scheme in ("http", "https") and bool(parts.hostname)
            except ValueError:
                valid = False
            if (
                not valid
                or parts.username is not None
                or parts.query
                or parts.fragment
                or any(c.isspace() or c == "\\" for c in entry)
            ):
                raise ValueError(
                    f"oauth_redirect_allowlist entry {entry!r} must be an origin such as "
                    "https://app.example.com or an origin with a path prefix such as "
                    "https://app.example.com/oauth/ (no query, fragment or user name)"
                )
            out.append(entry)
        return out

    @field_validator("plans")
    @classmethod
    def _plans(cls, value: dict[str, Plan]) -> dict[str, Plan]:
        if not value:
            raise ValueError("plans must define at least one plan")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.default_plan not in self.plans:
            raise ValueError(
                f"default_plan {self.default_plan!r} is not one of the configured plans: "
                + ", ".join(sorted(self.plans))
            )
        if self.email_backend == "smtp" and not self.smtp_url:
            raise ValueError("email_backend=smtp needs smtp_url (smtp://user:password@host:587)")
        if self.secret_key is not None and self.secret_key.strip():
            parse_keyring(self.secret_key)
        elif self.environment == "production":
            raise ValueError(
                "ASTROCAL_SECRET_KEY is required in production: it encrypts calendar credentials and "
                "webhook secrets. Set it to k1:<32 random bytes, base64url>, e.g. the output of "
                "`python -c \"import base64,os;print('k1:'+base64.urlsafe_b64encode(os.urandom(32)).decode())\"`"
            )
        else:
            digest = hashlib.sha256(
                b"astrocal-development-key:" + self.database_url.encode()
            ).digest()
            self.secret_key = "dev:" + base64.urlsafe_b64encode(digest).decode().rstrip("=")
        return self

    @property
    def keyring(self) -> list[tuple[str, bytes]]:
        """The parsed secret key entries; the first one encrypts."""
        assert self.secret_key is not None  # filled in by the validator
        return parse_keyring(self.secret_key)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def plan(self, name: str) -> Plan:
        return self.plans.get(name) or self.plans[self.default_plan]

    def with_overrides(self, **changes: Any) -> Settings:
        """A validated copy with some fields changed (tests and the CLI use this)."""
        data = self.model_dump()
        if (data.get("secret_key") or "").startswith("dev:") and "secret_key" not in changes:
            data["secret_key"] = None  # re-derive for the (possibly new) database URL
        data.update(changes)
        return Settings.model_validate(data)
