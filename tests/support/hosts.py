"""Hosts and multi-host bookings written straight into the database (the hosts API is tested on
its own, in tests/server/test_hosts.py).

- ``add_host(app, account, livemode=..., name=, email=, schedule=, ...)``: a new (non-default) host
  row; ``add_host_id(...)``: the same, returning its id (team tests pass ids around).
- ``default_host(app, account, livemode=...)``: the account's default host row in that mode.
- ``occupy_hosts(app, booking_id, host_ids)``: the booking also occupies ``host_ids`` (after the
  hosts it has), as a collective booking would; combine with ``add_booking`` or ``book``.
"""

from __future__ import annotations

from typing import Any

from astrocal_server.accounts import NewAccount
from astrocal_server.bookings.service import occupy
from astrocal_server.hosts.service import default_host_id, new_host
from astrocal_server.storage.models import Booking, BookingHost, Host
from fastapi import FastAPI
from sqlalchemy import func, select


async def add_host(
    app: FastAPI,
    account: NewAccount,
    *,
    livemode: bool = False,
    schedule: str | None = None,
    **fields: Any,
) -> Host:
    """A host of ``account`` working ``schedule`` (its default schedule; None: no hours); ``fields``
    go to ``new_host`` (``name`` Bo Chen, ``email`` bo@example.com, ``time_zone`` UTC unless given)."""
    state = app.state.astrocal
    fields = {"name": "Bo Chen", "email": "bo@example.com", "time_zone": "UTC", **fields}
    now = state.clock.now()
    host = new_host(account.account.id, livemode, now=now, default_schedule_id=schedule, **fields)
    async with state.db.write() as session:
        session.add(host)
    return host


async def add_host_id(
    app: FastAPI,
    account: NewAccount,
    *,
    name: str = "Sam Host",
    email: str | None = None,
    **more: Any,
) -> str:
    return (await add_host(app, account, name=name, email=email, **more)).id


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
