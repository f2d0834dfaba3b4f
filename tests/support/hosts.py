"""Hosts and multi-host bookings written straight into the database.

- ``add_host(app, account, livemode=..., name=, email=, ...)``: a new (non-default) host row.
- ``default_host(app, account, livemode=...)``: the account's default host row in that mode.
- ``occupy_hosts(app, booking_id, host_ids)``: the booking also occupies ``host_ids`` (after the
  hosts it has), as a collective booking would; combine with ``add_booking`` or ``book``.
"""

from __future__ import annotations

from typing import Any

from astrocal_server.accounts import NewAccount
from astrocal_server.bookings.service import occupy
from astrocal_server.hosts.service import default_host_id, new_default_host
from astrocal_server.storage.models import Booking, BookingHost, Host
from fastapi import FastAPI
from sqlalchemy import func, select


async def add_host(
    app: FastAPI,
    account: NewAccount,
    *,
    livemode: bool = False,
    name: str = "Bo Chen",
    email: str | None = "bo@example.com",
    time_zone: str = "UTC",
    destination_calendar: dict[str, Any] | None = None,
) -> Host:
    state = app.state.astrocal
    # The default host's row, made a second, ordinary host of the account.
    host = new_default_host(
        account.account, livemode=livemode, default_schedule_id=None, now=state.clock.now()
    )
    host.is_default = False
    host.name, host.email, host.time_zone = name, email, time_zone
    host.destination_calendar = destination_calendar
    async with state.db.write() as session:
        session.add(host)
    return host


async def default_host(app: FastAPI, account: NewAccount, *, livemode: bool = False) -> Host:
    async with app.state.astrocal.db.write() as session:
        host_id = await default_host_id(session, account_id=account.account.id, livemode=livemode)
        return await session.get_one(Host, host_id)


async def occupy_hosts(app: FastAPI, booking_id: str, host_ids: list[str]) -> None:
    async with app.state.astrocal.db.write() as session:
        booking = await session.get_one(Booking, booking_id)
        taken = await session.scalar(
            select(func.count()).where(BookingHost.booking_id == booking_id)
        )
        rows = occupy(booking, [booking.host_id, *host_ids])[1:]
        for row in rows:
            row.position += int(taken or 1) - 1
        session.add_all(rows)
