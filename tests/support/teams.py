"""Team fixtures: hosts working the UTC office-hours schedule, team event types of them, and
which hosts a booking occupies (its ``booking_hosts`` rows, in position order)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.storage.models import BookingHost
from fastapi import FastAPI
from sqlalchemy import select

from tests.support.bookings import MakeEventType
from tests.support.hosts import add_host_id

MakeTeam = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def make_hosts(app: FastAPI, account: NewAccount, utc_schedule: str) -> Callable[..., Any]:
    async def make(count: int, *, schedule: str | None = None) -> list[str]:
        return [
            await add_host_id(app, account, name=f"Host {i}", schedule=schedule or utc_schedule)
            for i in range(count)
        ]

    return make


@pytest.fixture
def make_team(make_event_type: MakeEventType) -> MakeTeam:
    """``await make_team(host_ids, "round_robin", **fields)``: an event type of those hosts on the
    UTC office-hours schedule (pass ``schedule_id=None``… via fields to drop it)."""

    async def make(host_ids: list[str], assignment: str, **fields: Any) -> dict[str, Any]:
        hosts = fields.pop("hosts", None) or [{"host_id": h} for h in host_ids]
        return await make_event_type(hosts=hosts, assignment=assignment, **fields)

    return make


class Teams(NamedTuple):
    """Hosts ``a`` and ``b``, and a collective and a round-robin event type of the two."""

    a: str
    b: str
    collective: dict[str, Any]
    round_robin: dict[str, Any]


@pytest.fixture
async def two_host_teams(make_hosts: Callable[..., Any], make_team: MakeTeam) -> Teams:
    a, b = await make_hosts(2)
    collective = await make_team([a, b], "collective")
    return Teams(a, b, collective, await make_team([a, b], "round_robin"))


async def booking_host_ids(app: FastAPI, booking_id: str) -> list[str]:
    async with app.state.astrocal.db.read() as session:
        rows = await session.scalars(
            select(BookingHost.host_id)
            .where(BookingHost.booking_id == booking_id)
            .order_by(BookingHost.position)
        )
        return list(rows.all())
