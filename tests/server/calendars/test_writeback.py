"""The outbox handler for kind "calendar": write-back to Radicale (real) and Google/Microsoft (respx)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
from astrocal_server.accounts import NewAccount
from astrocal_server.calendars.google import google_event_id
from astrocal_server.calendars.writeback import handle
from astrocal_server.outbox.handlers import OutboxItem, PermanentFailure, RetryLater, load_handler
from astrocal_server.storage.models import Booking, CalendarConnection
from fastapi import FastAPI

from tests.support.app import AddBooking
from tests.support.caldav import Radicale, Z
from tests.support.calendars import (
    add_oauth_connection,
    add_radicale_connection,
)
from tests.support.clocks import NOW

GOOGLE = "https://www.googleapis.com/calendar/v3"
GRAPH = "https://graph.microsoft.com/v1.0"
START = Z("2026-04-15T09:00:00Z")


@pytest.fixture
def fake() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        yield router


@pytest.fixture
async def live_event_type(client: httpx.AsyncClient, live_headers: dict[str, str]) -> str:
    response = await client.post(
        "/v1/event_types",
        json={"title": "Intro", "slug": "intro", "duration_minutes": 30, "description": "Say hi"},
        headers=live_headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


LiveBooking = Callable[..., Awaitable[str]]


@pytest.fixture
def live_booking(account: NewAccount, live_event_type: str, add_booking: AddBooking) -> LiveBooking:
    """``await live_booking(start)`` → the id of a live booking row of ``live_event_type``."""

    async def add(start: datetime = START) -> str:
        return await add_booking(account, live_event_type, start, livemode=True)

    return add


RadicaleCalendar = Callable[..., Awaitable[tuple[str, str]]]


@pytest.fixture
def radicale_calendar(
    app: FastAPI, account: NewAccount, radicale_server: Radicale
) -> RadicaleCalendar:
    """``await radicale_calendar(name)`` → (path, connection id) of a fresh connected calendar."""

    async def make(
        name: str, *, time_zone: str | None = None, password: str | None = None
    ) -> tuple[str, str]:
        path = radicale_server.make_calendar(name, time_zone=time_zone)
        cid = await add_radicale_connection(
            app, account, radicale_server, path, name, password=password
        )
        return path, cid

    return make


def item(
    account: NewAccount,
    booking_id: str,
    connection_id: str,
    calendar_id: str,
    action: str,
    *,
    livemode: bool = True,
) -> OutboxItem:
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
            "event_type": {
                "id": "evt_x",
                "title": "Intro",
                "description": "Say hi",
                "location": None,
            },
            "destination": {"connection_id": connection_id, "calendar_id": calendar_id},
        },
        created_at=NOW,
        attempts=0,
    )


async def booking(app: FastAPI, booking_id: str) -> Booking:
    async with app.state.astrocal.db.read() as session:
        row = await session.get(Booking, booking_id)
    assert row is not None
    return row


async def change_booking(app: FastAPI, booking_id: str, **values: Any) -> None:
    async with app.state.astrocal.db.write() as session:
        row = await session.get(Booking, booking_id)
        assert row is not None
        for key, value in values.items():
            setattr(row, key, value)


def test_the_relay_finds_this_handler() -> None:
    assert load_handler("calendar") is handle


async def test_booking_appears_in_radicale_moves_and_disappears(
    app: FastAPI,
    account: NewAccount,
    live_booking: LiveBooking,
    radicale_server: Radicale,
    radicale_calendar: RadicaleCalendar,
) -> None:
    state = app.state.astrocal
    path, cid = await radicale_calendar("Bookings", time_zone="Europe/Berlin")
    bid = await live_booking()
    await handle(item(account, bid, cid, path, "create"), state)
    resource = f"{bid}.ics"
    stored = radicale_server.get(path, resource)
    assert stored.status_code == 200
    assert "SUMMARY:Intro with Jo Smith" in stored.text
    assert "DTSTART:20260415T090000Z" in stored.text
    assert (await booking(app, bid)).external_events == {cid: path + resource}

    await handle(item(account, bid, cid, path, "create"), state)  # a retried row: still one event
    await change_booking(
        app,
        bid,
        start_at=START + timedelta(days=1),
        end_at=START + timedelta(days=1, minutes=30),
        ics_sequence=1,
    )
    await handle(item(account, bid, cid, path, "update"), state)
    moved = radicale_server.get(path, resource).text
    assert "DTSTART:20260416T090000Z" in moved and "SEQUENCE:1" in moved

    await change_booking(app, bid, status="cancelled", ics_sequence=2)
    await handle(item(account, bid, cid, path, "delete"), state)
    assert radicale_server.get(path, resource).status_code == 404
    assert (await booking(app, bid)).external_events == {}
    await handle(item(account, bid, cid, path, "delete"), state)  # retried delete: fine


async def test_test_mode_never_writes(
    app: FastAPI,
    account: NewAccount,
    live_booking: LiveBooking,
    radicale_server: Radicale,
    radicale_calendar: RadicaleCalendar,
) -> None:
    path, cid = await radicale_calendar("Quiet")
    bid = await live_booking()
    await handle(item(account, bid, cid, path, "create", livemode=False), app.state.astrocal)
    assert radicale_server.get(path, f"{bid}.ics").status_code == 404


async def test_rows_out_of_order_converge(
    app: FastAPI,
    account: NewAccount,
    live_booking: LiveBooking,
    radicale_server: Radicale,
    radicale_calendar: RadicaleCalendar,
) -> None:
    state = app.state.astrocal
    path, cid = await radicale_calendar("Order")
    # an update handled before its create writes the event with the booking's current times
    bid = await live_booking()
    await handle(item(account, bid, cid, path, "update"), state)
    assert radicale_server.get(path, f"{bid}.ics").status_code == 200
    # a create handled after the booking was cancelled writes nothing
    gone = await live_booking(START + timedelta(hours=2))
    await change_booking(app, gone, status="cancelled")
    await handle(item(account, gone, cid, path, "create"), state)
    assert radicale_server.get(path, f"{gone}.ics").status_code == 404


async def test_google_write_back_outcomes(
    app: FastAPI,
    account: NewAccount,
    live_booking: LiveBooking,
    fake: respx.MockRouter,
) -> None:
    state = app.state.astrocal
    cid = await add_oauth_connection(app, account, provider="google", email="g@example.com")
    bid = await live_booking()
    events = f"{GOOGLE}/calendars/g%40example.com/events"
    our_id = google_event_id(bid)

    fake.post(events).mock(return_value=httpx.Response(503))
    with pytest.raises(RetryLater):
        await handle(item(account, bid, cid, "g@example.com", "create"), state)
    fake.post(events).mock(
        return_value=httpx.Response(
            429, headers={"Retry-After": "120"}, json={"error": {"code": 429}}
        )
    )
    with pytest.raises(RetryLater) as caught:
        await handle(item(account, bid, cid, "g@example.com", "create"), state)
    assert caught.value.delay == timedelta(seconds=120)
    # the earlier attempt did land after all: 409 on our own id is success
    fake.post(events).mock(
        return_value=httpx.Response(
            409,
            json={"error": {"code": 409, "message": "The requested identifier already exists."}},
        )
    )
    await handle(item(account, bid, cid, "g@example.com", "create"), state)
    assert (await booking(app, bid)).external_events == {cid: our_id}

    patch = fake.patch(f"{events}/{our_id}").mock(
        return_value=httpx.Response(200, json={"id": our_id})
    )
    await handle(item(account, bid, cid, "g@example.com", "update"), state)
    assert patch.calls.last.request.url.params["sendUpdates"] == "none"
    await change_booking(app, bid, status="cancelled")
    fake.delete(f"{events}/{our_id}").mock(
        return_value=httpx.Response(
            410, json={"error": {"code": 410, "message": "Resource has been deleted"}}
        )
    )
    await handle(item(account, bid, cid, "g@example.com", "delete"), state)
    assert (await booking(app, bid)).external_events == {}

    other = await live_booking(START + timedelta(hours=3))
    fake.post(events).mock(
        return_value=httpx.Response(404, json={"error": {"code": 404, "message": "Not Found"}})
    )
    with pytest.raises(PermanentFailure, match="404"):
        await handle(item(account, other, cid, "g@example.com", "create"), state)


async def test_expired_or_deleted_connection_is_a_permanent_failure(
    app: FastAPI,
    account: NewAccount,
    live_booking: LiveBooking,
    fake: respx.MockRouter,
) -> None:
    state = app.state.astrocal
    bid = await live_booking()
    expired = await add_oauth_connection(
        app, account, provider="google", email="g@example.com", status="expired"
    )
    route = fake.post(f"{GOOGLE}/calendars/g%40example.com/events")
    with pytest.raises(PermanentFailure, match="expired"):
        await handle(item(account, bid, expired, "g@example.com", "create"), state)
    with pytest.raises(PermanentFailure, match="deleted"):
        await handle(item(account, bid, "cal_gone", "g@example.com", "create"), state)
    assert route.call_count == 0


async def test_refused_caldav_password_marks_the_connection_and_retries_later(
    app: FastAPI,
    account: NewAccount,
    live_booking: LiveBooking,
    radicale_server: Radicale,
    radicale_calendar: RadicaleCalendar,
) -> None:
    state = app.state.astrocal
    path, cid = await radicale_calendar("Locked", password="changed-since")
    bid = await live_booking()
    with pytest.raises(RetryLater):
        await handle(item(account, bid, cid, path, "create"), state)
    async with state.db.read() as session:
        row = await session.get(CalendarConnection, cid)
    assert row is not None and row.status == "error" and row.last_error


async def test_microsoft_create_records_graph_id_and_delete_without_one_is_a_no_op(
    app: FastAPI,
    account: NewAccount,
    live_booking: LiveBooking,
    fake: respx.MockRouter,
) -> None:
    state = app.state.astrocal
    cid = await add_oauth_connection(
        app,
        account,
        provider="microsoft",
        email="m@contoso.com",
        calendars=[{"id": "AAMkDEF=", "name": "Calendar", "primary": True, "read_only": False}],
    )
    never = await live_booking(START + timedelta(hours=4))
    await change_booking(app, never, status="cancelled")
    deletes = fake.delete(url__startswith=f"{GRAPH}/me/events/")
    await handle(item(account, never, cid, "AAMkDEF=", "delete"), state)
    assert deletes.call_count == 0

    bid = await live_booking()
    fake.post(f"{GRAPH}/me/calendars/AAMkDEF%3D/events").mock(
        return_value=httpx.Response(201, json={"id": "AAMkEVT="})
    )
    await handle(item(account, bid, cid, "AAMkDEF=", "create"), state)
    assert (await booking(app, bid)).external_events == {cid: "AAMkEVT="}
