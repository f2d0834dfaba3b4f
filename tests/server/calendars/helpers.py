"""Shared helpers for calendar tests: insert connections directly (with sealed credentials)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from astrocal_server.accounts import NewAccount
from astrocal_server.calendars.connections import seal_credentials
from astrocal_server.ids import new_id
from astrocal_server.storage.models import CalendarConnection
from fastapi import FastAPI


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
    state = app.state.astrocal
    now: datetime = state.clock.now()
    connection_id = new_id("cal")
    box = state.calendars.box
    sealed = seal_credentials(
        box,
        connection_id,
        {
            "access_token": access_token,
            "refresh_token": refresh_token,
            "expires_at": (now + expires_in).isoformat(),
            "account_kind": account_kind,
        },
    )
    async with state.db.write() as session:
        session.add(
            CalendarConnection(
                id=connection_id,
                account_id=account.account.id,
                livemode=livemode,
                provider=provider,
                status=status,
                account_email=email,
                server_url=None,
                username=None,
                credentials_enc=sealed,
                token_expires_at=now + expires_in,
                calendars=calendars
                or [{"id": email, "name": "Main", "primary": True, "read_only": False}],
                last_error=None,
                oauth_state=None,
                pkce_verifier_enc=None,
                redirect_uri=None,
                created_at=now,
                updated_at=now,
            )
        )
    return connection_id


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
    state = app.state.astrocal
    now: datetime = state.clock.now()
    connection_id = new_id("cal")
    box = state.calendars.box
    async with state.db.write() as session:
        session.add(
            CalendarConnection(
                id=connection_id,
                account_id=account.account.id,
                livemode=livemode,
                provider="caldav",
                status="active",
                account_email=user,
                server_url=url,
                username=user,
                credentials_enc=seal_credentials(box, connection_id, {"password": password}),
                token_expires_at=None,
                calendars=calendars,
                last_error=None,
                oauth_state=None,
                pkce_verifier_enc=None,
                redirect_uri=None,
                created_at=now,
                updated_at=now,
            )
        )
    return connection_id
