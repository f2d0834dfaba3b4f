"""Hosts for team tests, inserted as rows (the hosts API is tested on its own)."""

from __future__ import annotations

from typing import Any

from astrocal_server.accounts import NewAccount
from astrocal_server.ids import new_id
from astrocal_server.storage.models import Host
from fastapi import FastAPI


async def add_host(
    app: FastAPI,
    account: NewAccount,
    *,
    livemode: bool = False,
    name: str = "Sam Host",
    email: str | None = None,
    schedule: str | None = None,
    active: bool = True,
    conflict_calendars: list[dict[str, Any]] | None = None,
) -> str:
    """A host of ``account`` working ``schedule`` (its default schedule); returns its id."""
    state = app.state.astrocal
    now = state.clock.now()
    host = Host(
        id=new_id("host"),
        account_id=account.account.id,
        livemode=livemode,
        name=name,
        email=email,
        time_zone="UTC",
        default_schedule_id=schedule,
        conflict_calendars=list(conflict_calendars or []),
        destination_calendar=None,
        external_id=None,
        metadata_={},
        active=active,
        is_default=False,
        created_at=now,
        updated_at=now,
        deleted_at=None,
    )
    async with state.db.write() as session:
        session.add(host)
    return host.id
