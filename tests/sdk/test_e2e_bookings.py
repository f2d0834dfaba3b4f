"""Availability and bookings through the SDK against the reference server (clock pinned at
Monday 2026-04-13 08:00 UTC; the account's default schedule is Mon–Fri 09:00–17:00 Berlin)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import httpx
import pytest
from astrocal_sdk import Astrocal, AsyncAstrocal, NotFoundError, SlotUnavailableError, types
from astrocal_server.accounts import NewAccount
from fastapi import FastAPI

from tests.support.hosts import add_host, occupy_hosts
from tests.support.sdk import DropFirstResponse, LiveServer

BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY = dt.date(2026, 4, 15)
NINE_BERLIN = dt.datetime(2026, 4, 15, 9, 0, tzinfo=BERLIN)  # 07:00 UTC
INVITEE = {"name": "Jo Smith", "email": "jo@example.com", "time_zone": "Europe/London"}


async def test_availability_then_book_reschedule_cancel(aclient: AsyncAstrocal) -> None:
    intro = await aclient.event_types.create(title="Intro", slug="intro", duration_minutes=30)
    week = await aclient.availability.list(event_type_id=intro.id, date=WEDNESDAY, time_zone=BERLIN)
    assert isinstance(week, types.Availability)
    assert week.data[0].start == NINE_BERLIN
    assert week.data[0].start.tzinfo is not None
    searched = await aclient.availability.search(
        event_type_id=intro.id, start_date=WEDNESDAY, end_date=WEDNESDAY, time_zone="Europe/Berlin"
    )
    assert searched.data == week.data
    check = await aclient.availability.check(event_type_id=intro.id, start=NINE_BERLIN)
    assert check.available is True and check.reasons == []

    booking = await aclient.bookings.create(
        event_type_id=intro.id, start=NINE_BERLIN, invitee=INVITEE, metadata={"source": "sdk"}
    )
    assert booking.status == "confirmed"
    assert booking.start == NINE_BERLIN and booking.end - booking.start == dt.timedelta(minutes=30)
    assert booking.invitee.email == "jo@example.com"

    with pytest.raises(SlotUnavailableError) as taken:
        await aclient.bookings.create(event_type_id=intro.id, start=NINE_BERLIN, invitee=INVITEE)
    assert taken.value.status_code == 409 and taken.value.code == "slot_unavailable"
    assert taken.value.alternatives and all(
        isinstance(s, types.Slot) for s in taken.value.alternatives
    )
    assert "booked" in [r.code for r in taken.value.reasons]
    busy = await aclient.availability.check(event_type_id=intro.id, start=NINE_BERLIN)
    assert busy.available is False and busy.alternatives

    updated = await aclient.bookings.update(
        booking.id, notes="Bring the deck", invitee={"name": "Jo S."}
    )
    assert updated.notes == "Bring the deck" and updated.invitee.name == "Jo S."
    moved = await aclient.bookings.reschedule(
        booking.id, start=busy.alternatives[0].start, reason="clash"
    )
    assert moved.id == booking.id
    assert moved.previous_start == NINE_BERLIN and moved.start == busy.alternatives[0].start

    listed = [b.id async for b in aclient.bookings.list(status="confirmed", event_type_id=intro.id)]
    assert listed == [booking.id]
    window = [
        b.id
        async for b in aclient.bookings.list(
            start_after=dt.datetime(2026, 4, 15, tzinfo=dt.UTC),
            start_before=dt.datetime(2026, 4, 16, tzinfo=dt.UTC),
        )
    ]
    assert window == [booking.id]

    cancelled = await aclient.bookings.cancel(booking.id, reason="no longer needed")
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    again = await aclient.bookings.cancel(booking.id)
    assert again.status == "cancelled"
    assert (await aclient.bookings.retrieve(booking.id)).status == "cancelled"

    second = await aclient.bookings.create(
        event_type_id=intro.id, start=NINE_BERLIN, invitee=INVITEE
    )  # the slot is free again at once
    deleted = await aclient.bookings.delete(second.id, reason="via DELETE")
    assert deleted.status == "cancelled"
    with pytest.raises(NotFoundError):
        await aclient.bookings.retrieve("bk_doesnotexist")


def test_a_booking_whose_response_is_lost_is_booked_exactly_once(
    live_server: LiveServer,
) -> None:
    key = live_server.new_key()
    with Astrocal(api_key=key, base_url=live_server.url) as setup:
        intro = setup.event_types.create(title="Intro", slug="intro", duration_minutes=30)
    transport = DropFirstResponse(httpx.HTTPTransport())
    with httpx.Client(transport=transport) as http:
        client = Astrocal(api_key=key, base_url=live_server.url, http_client=http)
        client._sleep = lambda seconds: None
        raw = client.with_raw_response.bookings.create(
            event_type_id=intro.id, start=NINE_BERLIN, invitee=INVITEE
        )
        booking = raw.parse()
        assert (raw.retries_taken, raw.idempotent_replayed) == (1, True)
        posts = [r for r in transport.requests if r.url.path == "/v1/bookings"]
        assert len(posts) == 2
        assert posts[0].headers["idempotency-key"] == posts[1].headers["idempotency-key"]
        assert [b.id for b in client.bookings.list(event_type_id=intro.id)] == [booking.id]
        # A new call is a new booking attempt (new key): the slot is taken now.
        with pytest.raises(SlotUnavailableError):
            client.bookings.create(event_type_id=intro.id, start=NINE_BERLIN, invitee=INVITEE)


async def test_bookings_name_their_hosts_and_list_by_host(
    aclient: AsyncAstrocal, app: FastAPI, account: NewAccount
) -> None:
    intro = await aclient.event_types.create(title="Intro", slug="intro", duration_minutes=30)
    booking = await aclient.bookings.create(
        event_type_id=intro.id, start=NINE_BERLIN, invitee=INVITEE
    )
    (owner,) = booking.hosts
    assert isinstance(owner, types.BookingHost) and owner.id.startswith("host_")
    bo = await add_host(app, account, name="Bo Chen", email=None)
    await occupy_hosts(app, booking.id, [bo.id])
    got = await aclient.bookings.retrieve(booking.id)
    assert [(h.id, h.name, h.email) for h in got.hosts] == [
        (owner.id, owner.name, owner.email),
        (bo.id, "Bo Chen", None),
    ]
    assert [b.id async for b in aclient.bookings.list(host_id=bo.id)] == [booking.id]
    assert [b.id async for b in aclient.bookings.list(host_id="host_nobody")] == []


def test_the_sync_client_lists_bookings_by_host(sync_client: Astrocal) -> None:
    intro = sync_client.event_types.create(title="Intro", slug="intro", duration_minutes=30)
    booking = sync_client.bookings.create(
        event_type_id=intro.id, start=NINE_BERLIN, invitee=INVITEE
    )
    host_id = booking.hosts[0].id
    assert [b.id for b in sync_client.bookings.list(host_id=host_id)] == [booking.id]
    assert [b.hosts[0].id for b in sync_client.bookings.list(host_id=host_id)] == [host_id]
