"""Calendar connection helpers: the calendar test settings and their OAuth client ids, connection
rows inserted directly (with sealed credentials) for tests that start from a connected calendar,
and the write-back outbox row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx
from astrocal_server.accounts import NewAccount
from astrocal_server.calendars.connections import seal_credentials
from astrocal_server.config import Settings
from astrocal_server.hosts.service import default_host_id
from astrocal_server.ids import new_id
from astrocal_server.outbox.handlers import OutboxItem
from astrocal_server.storage.models import CalendarConnection
from fastapi import FastAPI

from tests.support.app import server_settings
from tests.support.bookings import create_event_type
from tests.support.caldav import Radicale

GOOGLE_CLIENT_ID = "123.apps.googleusercontent.com"
MICROSOFT_CLIENT_ID = "00000000-aaaa-bbbb-cccc-111111111111"


def calendar_settings(db_url: str, **overrides: Any) -> Settings:
    """The server test settings with OAuth clients for Google and Microsoft (their endpoints are
    faked with respx) and a public base URL for the OAuth callback; ``overrides`` add fields."""
    return server_settings(
        db_url,
        public_base_url="https://astrocal.test",
        google_client_id=GOOGLE_CLIENT_ID,
        google_client_secret="google-client-secret",
        microsoft_client_id=MICROSOFT_CLIENT_ID,
        microsoft_client_secret="microsoft-client-secret",
        **overrides,
    )


async def _add_connection(
    app: FastAPI,
    account: NewAccount,
    *,
    provider: str,
    livemode: bool,
    status: str,
    email: str,
    secrets: dict[str, str],
    calendars: list[dict[str, Any]],
    server_url: str | None = None,
    username: str | None = None,
    token_expires_at: datetime | None = None,
) -> str:
    state = app.state.astrocal
    now: datetime = state.clock.now()
    connection_id = new_id("cal")
    sealed = seal_credentials(state.calendars.box, connection_id, secrets)
    async with state.db.write() as session:
        host_id = await default_host_id(session, account_id=account.account.id, livemode=livemode)
        session.add(
            CalendarConnection(  # the columns left out (OAuth state, last error) are NULL
                id=connection_id,
                account_id=account.account.id,
                livemode=livemode,
                host_id=host_id,
                provider=provider,
                status=status,
                account_email=email,
                server_url=server_url,
                username=username,
                credentials_enc=sealed,
                token_expires_at=token_expires_at,
                calendars=calendars,
                created_at=now,
                updated_at=now,
            )
        )
    return connection_id


async def add_oauth_connection(
    app: FastAPI,
    account: NewAccount,
    *,
    provider: str = "google",
    livemode: bool = True,
    calendars: list[dict[str, Any]] | None = None,
    access_token: str = "ya29.current",
    refresh_token: str = "1//refresh",
    expires_in: timedelta = timedelta(hours=1),
    account_kind: str = "work",
    email: str = "host@example.com",
    status: str = "active",
) -> str:
    expires_at: datetime = app.state.astrocal.clock.now() + expires_in
    return await _add_connection(
        app,
        account,
        provider=provider,
        livemode=livemode,
        status=status,
        email=email,
        secrets={
            "access_token": access_token,
            "refresh_token": refresh_token,
            "expires_at": expires_at.isoformat(),
            "account_kind": account_kind,
        },
        calendars=calendars or [{"id": email, "name": "Main", "primary": True, "read_only": False}],
        token_expires_at=expires_at,
    )


async def add_caldav_connection(
    app: FastAPI,
    account: NewAccount,
    *,
    url: str,
    user: str,
    password: str,
    calendars: list[dict[str, Any]],
    livemode: bool = True,
) -> str:
    return await _add_connection(
        app,
        account,
        provider="caldav",
        livemode=livemode,
        status="active",
        email=user,
        secrets={"password": password},
        calendars=calendars,
        server_url=url,
        username=user,
    )


def writable(calendar_id: str, name: str, **extra: Any) -> dict[str, Any]:
    """A connection's calendar entry: primary and writable."""
    return {"id": calendar_id, "name": name, "primary": True, "read_only": False, **extra}


async def add_radicale_connection(
    app: FastAPI,
    account: NewAccount,
    radicale: Radicale,
    path: str,
    name: str,
    *,
    password: str | None = None,
    livemode: bool = True,
    **calendar: Any,
) -> str:
    """A CalDAV connection to the test Radicale server whose one calendar is ``path``."""
    return await add_caldav_connection(
        app,
        account,
        url=radicale.url,
        user=radicale.user,
        password=radicale.password if password is None else password,
        calendars=[writable(path, name, **calendar)],
        livemode=livemode,
    )


async def add_unreachable_caldav_connection(
    app: FastAPI, account: NewAccount, *, livemode: bool = True
) -> str:
    """A CalDAV connection to a loopback port where nothing listens (the discard port)."""
    return await add_caldav_connection(
        app,
        account,
        url="http://127.0.0.1:9/",
        user="u",
        password="p",
        calendars=[writable("/u/cal/", "c")],
        livemode=livemode,
    )


async def connect_radicale(
    client: httpx.AsyncClient, headers: dict[str, str], radicale: Radicale
) -> dict[str, Any]:
    """``POST /v1/calendar_connections`` for the test Radicale user; returns the created connection."""
    response = await client.post(
        "/v1/calendar_connections",
        json={
            "provider": "caldav",
            "server_url": radicale.url,
            "username": radicale.user,
            "password": radicale.password,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def radicale_event_type(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    radicale: Radicale,
    *,
    conflicts: bool = False,
    **fields: Any,
) -> tuple[dict[str, Any], str]:
    """A 30-minute "Intro call" event type (slug ``intro``, plus ``fields``) writing its bookings to
    a new connected Radicale calendar, which it also checks for conflicts if ``conflicts``.
    Returns the event type and the calendar's path."""
    path = radicale.make_calendar("Bookings")
    connection = await connect_radicale(client, headers, radicale)
    ref = {"connection_id": connection["id"], "calendar_id": path}
    if conflicts:
        fields["conflict_calendars"] = [ref]
    fields["destination_calendar"] = ref
    event_type = await create_event_type(
        client, headers, title="Intro call", slug="intro", duration_minutes=30, **fields
    )
    return event_type, path


def calendar_item(
    account: NewAccount,
    booking_id: str,
    connection_id: str,
    calendar_id: str,
    action: str,
    *,
    created_at: datetime,
    livemode: bool = True,
    event_type: dict[str, Any] | None = None,
) -> OutboxItem:
    """The outbox row the relay hands the calendar write-back handler for ``action``
    (``create``, ``update``, ``delete``) of the booking into one connected calendar."""
    return OutboxItem(
        id="ob_test",
        account_id=account.account.id,
        livemode=livemode,
        kind="calendar",
        topic="booking.created",
        booking_id=booking_id,
        payload={
            "action": action,
            "booking": {"id": booking_id},
            "event_type": event_type
            or {"id": "evt_x", "title": "Intro", "description": "Say hi", "location": None},
            "destination": {"connection_id": connection_id, "calendar_id": calendar_id},
        },
        created_at=created_at,
        attempts=0,
    )


Ref = tuple[str, str]  # (connection id, calendar id)


async def post_calendar_event_type(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    slug: str = "intro",
    title: str = "Intro",
    conflicts: Sequence[Ref] = (),
    destination: Ref | None = None,
) -> httpx.Response:
    """``POST /v1/event_types``: a 30-minute event type reading busy times from ``conflicts`` and
    writing bookings to ``destination`` (each a connection id and calendar id)."""
    body: dict[str, Any] = {"title": title, "slug": slug, "duration_minutes": 30}
    if conflicts:
        body["conflict_calendars"] = [
            {"connection_id": cid, "calendar_id": calendar} for cid, calendar in conflicts
        ]
    if destination is not None:
        body["destination_calendar"] = {
            "connection_id": destination[0],
            "calendar_id": destination[1],
        }
    return await client.post("/v1/event_types", json=body, headers=headers)
