"""The outbox handler for kind "calendar": write-back to Radicale (real) and Google/Microsoft (respx)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
from astrocal_server.accounts import NewAccount
from astrocal_server.calendars.google import google_event_id
from astrocal_server.calendars.writeback import handle
from astrocal_server.outbox.handlers import PermanentFailure, RetryLater, load_handler
from astrocal_server.storage.models import Booking, CalendarConnection
from fastapi import FastAPI

from tests.support.app import AddBooking
from tests.support.caldav import Radicale, Z
from tests.support.calendars import add_oauth_connection, add_radicale_connection, calendar_item
from tests.support.clocks import NOW
from tests.support.providers import GOOGLE_API, GRAPH, google_error

START = Z("2026-04-15T09:00:00Z")


@pytest.fixture
async def live_event_type(client: httpx.AsyncClient, live_headers: dict[str, str]) -> str:
    response = await client.post(
        "/v1/event_types",
        json={"title": "Intro", "slug": "intro", "duration_minutes": 30, "description": "Say hi"},
        headers=live_headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@dataclass
class WriteBack:
    """The account's live bookings of ``event_type_id``, its calendars, and the handler at work."""

    app: FastAPI
    account: NewAccount
    event_type_id: str
    add_booking: AddBooking
    radicale: Radicale

    async def booking(self, start: datetime = START) -> str:
        """The id of a new live booking row."""
        return await self.add_booking(self.account, self.event_type_id, start, livemode=True)

    async def radicale_calendar(
        self, name: str, *, time_zone: str | None = None, password: str | None = None
    ) -> tuple[str, str]:
        """(path, connection id) of a fresh connected Radicale calendar."""
        path = self.radicale.make_calendar(name, time_zone=time_zone)
        cid = await add_radicale_connection(
            self.app, self.account, self.radicale, path, name, password=password
        )
        return path, cid

    async def oauth(self, provider: str, email: str, **connection: Any) -> str:
        return await add_oauth_connection(
            self.app, self.account, provider=provider, email=email, **connection
        )

    async def handle(
        self, booking_id: str, connection_id: str, calendar_id: str, action: str, **item: Any
    ) -> None:
        """Run the handler on the outbox row for ``action`` (``livemode`` may be given)."""
        row = calendar_item(
            self.account, booking_id, connection_id, calendar_id, action, created_at=NOW, **item
        )
        await handle(row, self.app.state.astrocal)

    async def row(self, booking_id: str) -> Booking:
        async with self.app.state.astrocal.db.read() as session:
            booking: Booking = await session.get_one(Booking, booking_id)
        return booking

    async def change(self, booking_id: str, **values: Any) -> None:
        async with self.app.state.astrocal.db.write() as session:
            row = await session.get_one(Booking, booking_id)
            for key, value in values.items():
                setattr(row, key, value)


@pytest.fixture
def wb(
    app: FastAPI,
    account: NewAccount,
    live_event_type: str,
    add_booking: AddBooking,
    radicale_server: Radicale,
) -> WriteBack:
    return WriteBack(app, account, live_event_type, add_booking, radicale_server)


def test_the_relay_finds_this_handler() -> None:
    assert load_handler("calendar") is handle


async def test_booking_appears_in_radicale_moves_and_disappears(wb: WriteBack) -> None:
    path, cid = await wb.radicale_calendar("Bookings", time_zone="Europe/Berlin")
    bid = await wb.booking()
    await wb.handle(bid, cid, path, "create")
    resource = f"{bid}.ics"
    stored = wb.radicale.get(path, resource)
    assert stored.status_code == 200
    assert "SUMMARY:Intro with Jo Smith" in stored.text
    assert "DTSTART:20260415T090000Z" in stored.text
    assert (await wb.row(bid)).external_events == {cid: path + resource}

    await wb.handle(bid, cid, path, "create")  # a retried row: still one event
    await wb.change(
        bid,
        start_at=START + timedelta(days=1),
        end_at=START + timedelta(days=1, minutes=30),
        ics_sequence=1,
    )
    await wb.handle(bid, cid, path, "update")
    moved = wb.radicale.get(path, resource).text
    assert "DTSTART:20260416T090000Z" in moved and "SEQUENCE:1" in moved

    await wb.change(bid, status="cancelled", ics_sequence=2)
    await wb.handle(bid, cid, path, "delete")
    assert wb.radicale.get(path, resource).status_code == 404
    assert (await wb.row(bid)).external_events == {}
    await wb.handle(bid, cid, path, "delete")  # retried delete: fine


async def test_test_mode_never_writes(wb: WriteBack) -> None:
    path, cid = await wb.radicale_calendar("Quiet")
    bid = await wb.booking()
    await wb.handle(bid, cid, path, "create", livemode=False)
    assert wb.radicale.get(path, f"{bid}.ics").status_code == 404


async def test_rows_out_of_order_converge(wb: WriteBack) -> None:
    path, cid = await wb.radicale_calendar("Order")
    # an update handled before its create writes the event with the booking's current times
    bid = await wb.booking()
    await wb.handle(bid, cid, path, "update")
    assert wb.radicale.get(path, f"{bid}.ics").status_code == 200
    # a create handled after the booking was cancelled writes nothing
    gone = await wb.booking(START + timedelta(hours=2))
    await wb.change(gone, status="cancelled")
    await wb.handle(gone, cid, path, "create")
    assert wb.radicale.get(path, f"{gone}.ics").status_code == 404


async def test_google_write_back_outcomes(wb: WriteBack, fake: respx.MockRouter) -> None:
    cid = await wb.oauth("google", "g@example.com")
    bid = await wb.booking()
    events = f"{GOOGLE_API}/calendars/g%40example.com/events"
    our_id = google_event_id(bid)

    fake.post(events).mock(return_value=httpx.Response(503))
    with pytest.raises(RetryLater):
        await wb.handle(bid, cid, "g@example.com", "create")
    fake.post(events).mock(return_value=google_error(429, headers={"Retry-After": "120"}))
    with pytest.raises(RetryLater) as caught:
        await wb.handle(bid, cid, "g@example.com", "create")
    assert caught.value.delay == timedelta(seconds=120)
    # the earlier attempt did land after all: 409 on our own id is success
    fake.post(events).mock(
        return_value=google_error(409, "The requested identifier already exists.")
    )
    await wb.handle(bid, cid, "g@example.com", "create")
    assert (await wb.row(bid)).external_events == {cid: our_id}

    patch = fake.patch(f"{events}/{our_id}").mock(
        return_value=httpx.Response(200, json={"id": our_id})
    )
    await wb.handle(bid, cid, "g@example.com", "update")
    assert patch.calls.last.request.url.params["sendUpdates"] == "none"
    await wb.change(bid, status="cancelled")
    fake.delete(f"{events}/{our_id}").mock(
        return_value=google_error(410, "Resource has been deleted")
    )
    await wb.handle(bid, cid, "g@example.com", "delete")
    assert (await wb.row(bid)).external_events == {}

    other = await wb.booking(START + timedelta(hours=3))
    fake.post(events).mock(return_value=google_error(404, "Not Found"))
    with pytest.raises(PermanentFailure, match="404"):
        await wb.handle(other, cid, "g@example.com", "create")


async def test_expired_or_deleted_connection_is_a_permanent_failure(
    wb: WriteBack, fake: respx.MockRouter
) -> None:
    bid = await wb.booking()
    expired = await wb.oauth("google", "g@example.com", status="expired")
    route = fake.post(f"{GOOGLE_API}/calendars/g%40example.com/events")
    with pytest.raises(PermanentFailure, match="expired"):
        await wb.handle(bid, expired, "g@example.com", "create")
    with pytest.raises(PermanentFailure, match="deleted"):
        await wb.handle(bid, "cal_gone", "g@example.com", "create")
    assert route.call_count == 0


async def test_refused_caldav_password_marks_the_connection_and_retries_later(
    wb: WriteBack,
) -> None:
    path, cid = await wb.radicale_calendar("Locked", password="changed-since")
    bid = await wb.booking()
    with pytest.raises(RetryLater):
        await wb.handle(bid, cid, path, "create")
    async with wb.app.state.astrocal.db.read() as session:
        row = await session.get(CalendarConnection, cid)
    assert row is not None and row.status == "error" and row.last_error


async def test_microsoft_create_records_graph_id_and_delete_without_one_is_a_no_op(
    wb: WriteBack, fake: respx.MockRouter
) -> None:
    default = [{"id": "AAMkDEF=", "name": "Calendar", "primary": True, "read_only": False}]
    cid = await wb.oauth("microsoft", "m@contoso.com", calendars=default)
    never = await wb.booking(START + timedelta(hours=4))
    await wb.change(never, status="cancelled")
    deletes = fake.delete(url__startswith=f"{GRAPH}/me/events/")
    await wb.handle(never, cid, "AAMkDEF=", "delete")
    assert deletes.call_count == 0

    bid = await wb.booking()
    fake.post(f"{GRAPH}/me/calendars/AAMkDEF%3D/events").mock(
        return_value=httpx.Response(201, json={"id": "AAMkEVT="})
    )
    await wb.handle(bid, cid, "AAMkDEF=", "create")
    assert (await wb.row(bid)).external_events == {cid: "AAMkEVT="}
