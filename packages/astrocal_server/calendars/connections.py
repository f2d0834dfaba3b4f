"""Calendar connections at run time: open their sealed credentials, build the provider, keep OAuth
tokens fresh, and record when a connection breaks.

:class:`CalendarService` (one per process, ``state.calendars``) owns the shared
HTTP client. :meth:`CalendarService.call` runs one provider operation for a connection: it refreshes
an access token that is about to expire (or was refused with 401) once, stores rotated refresh
tokens, and on a revoked grant (``invalid_grant``) marks the connection ``expired`` and queues a
``calendar_connection.error`` webhook in the same transaction. Credentials are sealed with
:class:`~astrocal_server.crypto.SecretBox`, bound to the connection id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx

from astrocal_server.calendars import oauth
from astrocal_server.calendars.base import (
    AuthFailed,
    CalendarInfo,
    CalendarProvider,
    ConnectionExpired,
    ProviderError,
)
from astrocal_server.calendars.caldav import CalDavProvider
from astrocal_server.calendars.google import GoogleProvider
from astrocal_server.calendars.http import RetryPolicy, make_client
from astrocal_server.calendars.microsoft import MicrosoftProvider
from astrocal_server.crypto import SecretBox
from astrocal_server.serialize.calendar_connections import connection_to_api
from astrocal_server.storage.models import CalendarConnection

__all__ = [
    "PENDING_TTL",
    "CalendarService",
    "calendars_of",
    "open_credentials",
    "seal_credentials",
]

T = TypeVar("T")
REFRESH_MARGIN = timedelta(seconds=60)
PENDING_TTL = timedelta(minutes=30)  # how long an OAuth consent may take


def seal_credentials(box: SecretBox, connection_id: str, value: dict[str, Any]) -> str:
    return box.seal_json(value, aad=f"calendar_connection:{connection_id}")


def open_credentials(box: SecretBox, connection: CalendarConnection) -> dict[str, Any]:
    if not connection.credentials_enc:
        return {}
    return box.open_json(connection.credentials_enc, aad=f"calendar_connection:{connection.id}")


class CalendarService:
    def __init__(
        self,
        state: Any,
        *,
        client: httpx.AsyncClient | None = None,
        caldav_client: httpx.AsyncClient | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.state = state
        self.settings = state.settings
        self.box = SecretBox.from_settings(state.settings)
        self.client = client or make_client(state.settings.calendar_timeout_seconds)
        # CalDAV servers are user-supplied URLs: their connections go through the SSRF guard, which
        # vets every address at connect time (redirects and DNS rebinding included).
        self.caldav_client = caldav_client or _guarded_client(state.settings)
        self._owns_client = client is None
        self._owns_caldav_client = caldav_client is None
        self.policy = policy or RetryPolicy()
        self._refresh_locks: dict[str, asyncio.Lock] = {}

    async def aclose(self) -> None:
        if self._owns_client:
            await self.client.aclose()
        if self._owns_caldav_client:
            await self.caldav_client.aclose()

    async def vet_caldav_url(self, url: str) -> str | None:
        """Why ``url`` may not be used as a CalDAV server (a private address…), or ``None``."""
        from urllib.parse import urlsplit

        from astrocal_server.webhooks.ssrf import TargetGuard, TargetRefused, UnresolvableHost

        if self.settings.allow_private_calendar_servers:
            return None
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            await TargetGuard(allow_private=False).vet(parts.hostname or "", port)
        except TargetRefused as exc:
            reason = str(exc).split(";", 1)[0]
            return (
                f"{reason}; calendar servers must be reachable at a public address (a server "
                "operator can allow private ones with ASTROCAL_ALLOW_PRIVATE_CALENDAR_SERVERS=true)"
            )
        except UnresolvableHost as exc:
            return str(exc)
        return None

    def now(self) -> datetime:
        now: datetime = self.state.clock.now()
        return now

    # -- providers --------------------------------------------------------------------------

    def caldav(
        self, server_url: str, username: str, password: str, *, default_zone: str = "UTC"
    ) -> CalDavProvider:
        return CalDavProvider(
            server_url,
            username,
            password,
            client=self.caldav_client,
            policy=self.policy,
            default_zone=default_zone,
            now=self.now,
            deadline=self.settings.calendar_deadline_seconds,
        )

    def oauth_provider(
        self, provider: str, access_token: str, credentials: dict[str, Any], email: str | None
    ) -> CalendarProvider:
        if provider == "google":
            return GoogleProvider(
                access_token,
                client=self.client,
                policy=self.policy,
                base_url=self.settings.google_api_url,
            )
        return MicrosoftProvider(
            access_token,
            client=self.client,
            policy=self.policy,
            base_url=self.settings.microsoft_graph_url,
            account_kind=str(credentials.get("account_kind") or "work"),
            mailbox=email,
        )

    def _provider(
        self, connection: CalendarConnection, credentials: dict[str, Any], default_zone: str
    ) -> CalendarProvider:
        if connection.provider == "caldav":
            return self.caldav(
                connection.server_url or "",
                connection.username or "",
                str(credentials.get("password") or ""),
                default_zone=default_zone,
            )
        return self.oauth_provider(
            connection.provider,
            str(credentials.get("access_token") or ""),
            credentials,
            connection.account_email,
        )

    async def call(
        self,
        connection: CalendarConnection,
        operation: Callable[[CalendarProvider], Awaitable[T]],
        *,
        default_zone: str = "UTC",
    ) -> T:
        """Run ``operation`` with the connection's provider, refreshing OAuth tokens as needed."""
        if connection.status == "expired":
            raise ConnectionExpired(
                f"calendar connection {connection.id} expired ({connection.last_error or 'access revoked'}); "
                "connect the calendar again"
            )
        if connection.status == "pending":
            raise ProviderError("this connection is still waiting for OAuth consent")
        credentials = open_credentials(self.box, connection)
        if connection.credentials_enc and self.box.needs_reseal(connection.credentials_enc):
            await self._reseal(connection, credentials)
        oauth_based = connection.provider in ("google", "microsoft")
        try:
            if oauth_based and _expires_soon(credentials, self.now()):
                credentials = await self._refresh(connection, credentials)
            try:
                return await operation(self._provider(connection, credentials, default_zone))
            except AuthFailed:
                if not oauth_based:
                    raise
                # The access token was refused before its time (revoked, rotated): refresh once.
                credentials = await self._refresh(connection, credentials)
                return await operation(self._provider(connection, credentials, default_zone))
        except ConnectionExpired as exc:
            await self.mark(connection, "expired", exc.message)
            raise
        except AuthFailed as exc:
            await self.mark(connection, "error", exc.message)
            raise

    async def _reseal(self, connection: CalendarConnection, credentials: dict[str, Any]) -> None:
        """Key rotation: a secret sealed under an older key is sealed again under the active one."""
        sealed = seal_credentials(self.box, connection.id, credentials)
        async with self.state.db.write() as session:
            row = await session.get(CalendarConnection, connection.id)
            if row is not None and row.credentials_enc == connection.credentials_enc:
                row.credentials_enc = sealed
        connection.credentials_enc = sealed

    async def _refresh(
        self, connection: CalendarConnection, credentials: dict[str, Any]
    ) -> dict[str, Any]:
        lock = self._refresh_locks.setdefault(connection.id, asyncio.Lock())
        async with lock:
            # Another task may have refreshed while this one waited: use its tokens.
            async with self.state.db.read() as session:
                current = await session.get(CalendarConnection, connection.id)
            if current is not None and current.credentials_enc != connection.credentials_enc:
                fresh = open_credentials(self.box, current)
                if not _expires_soon(fresh, self.now()):
                    connection.credentials_enc = current.credentials_enc
                    return fresh
            client = oauth.oauth_client(self.settings, connection.provider)
            if client is None:
                raise AuthFailed(
                    f"the server has no {connection.provider} OAuth client configured any more"
                )
            refresh_token = credentials.get("refresh_token")
            if not refresh_token:
                raise ConnectionExpired("the provider gave no refresh token; connect again")
            tokens = await oauth.refresh(
                self.client, client, str(refresh_token), policy=self.policy, now=self.now()
            )
            updated = {**credentials, **tokens.to_record()}
            sealed = seal_credentials(self.box, connection.id, updated)
            async with self.state.db.write() as session:
                row = await session.get(CalendarConnection, connection.id)
                if row is not None:
                    row.credentials_enc = sealed
                    row.token_expires_at = tokens.expires_at
                    row.updated_at = self.now()
            connection.credentials_enc = sealed
            return updated

    async def mark(self, connection: CalendarConnection, status: str, error: str) -> None:
        """Record a broken connection; the first change away from working fires the webhook."""
        from astrocal_server.outbox.writer import enqueue_webhook_event

        now = self.now()
        async with self.state.db.write() as session:
            row = await session.get(CalendarConnection, connection.id)
            if row is None:
                return
            changed = row.status != status
            row.status = status
            row.last_error = error[:1000]
            row.updated_at = now
            if changed:
                await session.flush()
                enqueue_webhook_event(
                    session,
                    account_id=row.account_id,
                    livemode=row.livemode,
                    topic="calendar_connection.error",
                    data=connection_to_api(row),
                    now=now,
                )
        connection.status, connection.last_error = status, error[:1000]

    async def mark_working(self, connection: CalendarConnection) -> None:
        """An ``error`` connection that works again is ``active`` again."""
        if connection.status != "error":
            return
        async with self.state.db.write() as session:
            row = await session.get(CalendarConnection, connection.id)
            if row is not None and row.status == "error":
                row.status, row.last_error, row.updated_at = "active", None, self.now()
        connection.status, connection.last_error = "active", None


def _guarded_client(settings: Any) -> httpx.AsyncClient:
    from astrocal_server.webhooks.http_post import make_client as make_guarded_client
    from astrocal_server.webhooks.ssrf import TargetGuard

    return make_guarded_client(
        TargetGuard(allow_private=settings.allow_private_calendar_servers),
        timeout=settings.calendar_timeout_seconds,
    )


def _expires_soon(credentials: dict[str, Any], now: datetime) -> bool:
    text = credentials.get("expires_at")
    if not text:
        return not credentials.get("access_token")
    return datetime.fromisoformat(str(text)) - REFRESH_MARGIN <= now


def calendars_of(connection: CalendarConnection, ids: list[str]) -> list[CalendarInfo]:
    """The stored calendar records for ``ids`` (an id the connection no longer lists is kept bare)."""
    known = {str(c["id"]): c for c in connection.calendars or []}
    return [CalendarInfo.from_record(known.get(cid) or {"id": cid}) for cid in ids]
