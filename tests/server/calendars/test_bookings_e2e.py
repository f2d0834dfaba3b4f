"""End to end: a booking made through the API appears in the host's Radicale calendar via the outbox
relay, moves when rescheduled and disappears when cancelled; test-mode bookings never write."""

from __future__ import annotations

import httpx
from astrocal_server.accounts import NewAccount
from astrocal_server.outbox.relay import OutboxRelay
from astrocal_server.storage.models import Booking, EventType, Host
from fastapi import FastAPI

from tests.support.app import AddBooking
from tests.support.bookings import Book, create_event_type
from tests.support.caldav import Radicale, Z
from tests.support.calendars import (
    add_radicale_connection,
    connect_radicale,
    post_calendar_event_type,
)
from tests.support.hosts import add_host, default_host, occupy_hosts

H = dict[str, str]
START = "2026-04-15T08:00:00Z"


async def setup(
    client: httpx.AsyncClient, headers: H, radicale: Radicale, slug: str
) -> tuple[str, str, str]:
    path = radicale.make_calendar("Bookings", time_zone="Europe/Berlin")
    cid = (await connect_radicale(client, headers, radicale))["id"]
    event_type = await post_calendar_event_type(
        client,
        headers,
        slug=slug,
        title="Intro call",
        conflicts=[(cid, path)],
        destination=(cid, path),
    )
    assert event_type.status_code == 201, event_type.text
    return path, cid, event_type.json()["id"]


async def drain(relay: OutboxRelay) -> None:
    while await relay.run_once():
        pass


async def test_booking_appears_moves_and_disappears(
    app: FastAPI, client: httpx.AsyncClient, live_headers: H, radicale_server: Radicale, book: Book
) -> None:
    state = app.state.astrocal
    relay = OutboxRelay(state)
    path, cid, event_type_id = await setup(client, live_headers, radicale_server, "intro-live")
    created = await book(event_type_id, START, headers=live_headers, email="jo@invitee.example")
    assert created.status_code == 201, created.text
    booking_id = created.json()["id"]
    resource = f"{booking_id}.ics"
    assert radicale_server.get(path, resource).status_code == 404  # nothing before the relay runs
    await drain(relay)
    stored = radicale_server.get(path, resource)
    assert stored.status_code == 200
    assert "DTSTART:20260415T080000Z" in stored.text and "Intro call with Jo Smith" in stored.text
    async with state.db.read() as session:
        assert (await session.get_one(Booking, booking_id)).external_events == {
            cid: path + resource
        }

    # the written event is now one of the calendar's busy times; the booking itself blocks too
    slots = await client.get(
        "/v1/availability",
        params={"event_type_id": event_type_id, "date": "2026-04-15"},
        headers=live_headers,
    )
    assert slots.status_code == 200
    assert "2026-04-15T08:00:00Z" not in {s["start"] for s in slots.json()["data"]}

    moved = await client.post(
        f"/v1/bookings/{booking_id}/reschedule",
        headers=live_headers,
        json={"start": "2026-04-16T12:00:00Z"},
    )
    assert moved.status_code == 200, moved.text
    await drain(relay)
    assert "DTSTART:20260416T120000Z" in radicale_server.get(path, resource).text

    cancelled = await client.post(
        f"/v1/bookings/{booking_id}/cancel", headers=live_headers, json={}
    )
    assert cancelled.status_code == 200, cancelled.text
    await drain(relay)
    assert radicale_server.get(path, resource).status_code == 404
    async with state.db.read() as session:
        assert (await session.get_one(Booking, booking_id)).external_events == {}


async def test_test_mode_booking_never_reaches_the_calendar(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H, radicale_server: Radicale, book: Book
) -> None:
    relay = OutboxRelay(app.state.astrocal)
    path, _cid, event_type_id = await setup(client, auth_headers, radicale_server, "intro-test")
    created = await book(event_type_id, START, headers=auth_headers, email="jo@invitee.example")
    assert created.status_code == 201, created.text
    await drain(relay)
    assert radicale_server.get(path, f"{created.json()['id']}.ics").status_code == 404


async def test_events_we_wrote_do_not_block_their_own_slot(
    app: FastAPI, client: httpx.AsyncClient, live_headers: H, radicale_server: Radicale, book: Book
) -> None:
    """The destination calendar is also a conflict calendar: the event written for the first seat
    must not make the slot look busy for the second seat."""
    relay = OutboxRelay(app.state.astrocal)
    path, _cid, event_type_id = await setup(client, live_headers, radicale_server, "seated")
    patched = await client.patch(
        f"/v1/event_types/{event_type_id}", json={"seats_per_slot": 2}, headers=live_headers
    )
    assert patched.status_code == 200, patched.text
    first = await book(event_type_id, START, headers=live_headers, email="a@x.example")
    assert first.status_code == 201, first.text
    await drain(relay)
    assert radicale_server.get(path, f"{first.json()['id']}.ics").status_code == 200
    second = await book(event_type_id, START, headers=live_headers, email="b@x.example")
    assert second.status_code == 201, second.text


async def test_each_host_of_a_team_booking_gets_the_event_in_their_own_calendar(
    app: FastAPI,
    client: httpx.AsyncClient,
    account: NewAccount,
    live_headers: H,
    radicale_server: Radicale,
    add_booking: AddBooking,
) -> None:
    state = app.state.astrocal
    calendars = {}
    for name in ("Ann", "Bo"):
        path = radicale_server.make_calendar(name)
        cid = await add_radicale_connection(app, account, radicale_server, path, name)
        calendars[name] = {"connection_id": cid, "calendar_id": path}
    ann = await default_host(app, account, livemode=True)
    bo = await add_host(app, account, livemode=True, destination_calendar=calendars["Bo"])
    evt = await create_event_type(
        client, live_headers, title="Team sync", slug="team-sync", duration_minutes=30
    )
    async with state.db.write() as session:
        (await session.get_one(Host, ann.id)).destination_calendar = calendars["Ann"]
        (await session.get_one(EventType, evt["id"])).hosts = [
            {"host_id": ann.id, "priority": 0, "weight": 1},
            {"host_id": bo.id, "priority": 0, "weight": 1},
        ]
    booking_id = await add_booking(account, evt["id"], Z(START), livemode=True)
    await occupy_hosts(app, booking_id, [bo.id])

    updated = await client.patch(
        f"/v1/bookings/{booking_id}", headers=live_headers, json={"notes": "Agenda inside"}
    )
    assert updated.status_code == 200, updated.text
    assert [h["id"] for h in updated.json()["hosts"]] == [ann.id, bo.id]
    await drain(OutboxRelay(state))
    resource = f"{booking_id}.ics"
    for destination in calendars.values():
        stored = radicale_server.get(destination["calendar_id"], resource)
        assert stored.status_code == 200 and "DTSTART:20260415T080000Z" in stored.text
    async with state.db.read() as session:
        assert (await session.get_one(Booking, booking_id)).external_events == {
            d["connection_id"]: d["calendar_id"] + resource for d in calendars.values()
        }

    cancelled = await client.post(
        f"/v1/bookings/{booking_id}/cancel", headers=live_headers, json={}
    )
    assert cancelled.status_code == 200, cancelled.text
    await drain(OutboxRelay(state))
    for destination in calendars.values():
        assert radicale_server.get(destination["calendar_id"], resource).status_code == 404
