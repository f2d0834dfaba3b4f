"""Booking fixtures: a UTC schedule (Mon–Fri 09:00–17:00), event types on it, ``book`` and the
outbox reader. With the clock at ``NOW`` (Monday 08:00 UTC), Tuesday 09:00 UTC is bookable.

``api`` bundles what most API tests take (the app, a client with the account's test-mode
headers, the clock, the account, ``make_event_type``, ``book``, ``outbox``, ``add_booking``) for
the tests that use most of it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.clock import FixedClock
from fastapi import FastAPI
from sqlalchemy import select

from tests.support.app import AddBooking

H = dict[str, str]
TUESDAY_9 = datetime(2026, 4, 14, 9, 0, tzinfo=UTC)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
INVITEE = {"name": "Jo Smith", "email": "jo@acme.com", "time_zone": "Europe/London"}


def iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def booking_body(
    event_type_id: str, start: datetime | str, *, email: str = "jo@acme.com", **extra: Any
) -> dict[str, Any]:
    """A ``POST /v1/bookings`` body for Jo Smith (Europe/London) at ``start``."""
    return {
        "event_type_id": event_type_id,
        "start": start if isinstance(start, str) else iso(start),
        "invitee": {**INVITEE, "email": email},
        **extra,
    }


async def make_schedule(
    client: httpx.AsyncClient,
    headers: H,
    *,
    name: str = "UTC office hours",
    time_zone: str = "UTC",
    days: tuple[str, ...] = WEEKDAYS,
    start: str = "09:00",
    end: str = "17:00",
) -> str:
    """``POST /v1/schedules`` with the same hours on each of ``days``; returns the schedule id."""
    r = await client.post(
        "/v1/schedules",
        headers=headers,
        json={
            "name": name,
            "time_zone": time_zone,
            "weekly_hours": [{"day": d, "start": start, "end": end} for d in days],
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def create_event_type(client: httpx.AsyncClient, headers: H, **fields: Any) -> dict[str, Any]:
    """``POST /v1/event_types`` with ``fields`` as the body; asserts 201, returns the event type."""
    r = await client.post("/v1/event_types", headers=headers, json=fields)
    assert r.status_code == 201, r.text
    return dict(r.json())


ALL_WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


async def open_all_week(
    client: httpx.AsyncClient, headers: H, title: str, slug: str
) -> dict[str, Any]:
    """A 30-minute event type bookable around the clock, every day (its own schedule)."""
    schedule = await make_schedule(
        client, headers, name="Always", days=ALL_WEEK, start="00:00", end="24:00"
    )
    return await create_event_type(
        client, headers, title=title, slug=slug, duration_minutes=30, schedule_id=schedule
    )


@pytest.fixture
async def utc_schedule(client: httpx.AsyncClient, auth_headers: H) -> str:
    return await make_schedule(client, auth_headers)


MakeEventType = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def make_event_type(client: httpx.AsyncClient, auth_headers: H, utc_schedule: str) -> MakeEventType:
    counter = iter(range(1_000_000))

    async def make(headers: H | None = None, **fields: Any) -> dict[str, Any]:
        n = next(counter)
        body = {
            "title": f"Call {n}",
            "slug": f"call-{n}",
            "duration_minutes": 30,
            "schedule_id": utc_schedule,
            **fields,
        }
        return await create_event_type(client, headers or auth_headers, **body)

    return make


@pytest.fixture
async def event_type(make_event_type: MakeEventType) -> dict[str, Any]:
    return await make_event_type()


Book = Callable[..., Awaitable[httpx.Response]]


@pytest.fixture
def book(client: httpx.AsyncClient, auth_headers: H) -> Book:
    async def create(
        event_type_id: str,
        start: datetime | str,
        *,
        headers: H | None = None,
        email: str = "jo@acme.com",
        **extra: Any,
    ) -> httpx.Response:
        body = booking_body(event_type_id, start, email=email, **extra)
        return await client.post("/v1/bookings", headers=headers or auth_headers, json=body)

    return create


Outbox = Callable[..., Awaitable[list[tuple[str, str]]]]


@pytest.fixture
def outbox(app: FastAPI) -> Outbox:
    """``await outbox(booking_id)`` → ``[(kind, topic), …]`` in insertion order."""
    from astrocal_server.storage.models import OutboxMessage

    async def rows(booking_id: str | None = None) -> list[tuple[str, str]]:
        stmt = select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id)
        if booking_id is not None:
            stmt = stmt.where(OutboxMessage.booking_id == booking_id)
        async with app.state.astrocal.db.read() as session:
            found = (await session.scalars(stmt)).all()
        return [(r.kind, r.topic) for r in found]

    return rows


@dataclass(frozen=True)
class Api:
    """The test account's side of the app: ``client`` sends with its test-mode ``headers``."""

    app: FastAPI
    client: httpx.AsyncClient
    headers: H
    clock: FixedClock
    account: NewAccount
    make_event_type: MakeEventType
    book: Book
    outbox: Outbox
    add_booking: AddBooking


@pytest.fixture
def api(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth_headers: H,
    clock: FixedClock,
    account: NewAccount,
    make_event_type: MakeEventType,
    book: Book,
    outbox: Outbox,
    add_booking: AddBooking,
) -> Api:
    return Api(
        app, client, auth_headers, clock, account, make_event_type, book, outbox, add_booking
    )
