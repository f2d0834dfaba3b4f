"""Video links: ``google_meet`` / ``microsoft_teams`` locations get a room per booking from the
destination calendar's provider (Google and Graph faked with respx from their documented answers),
the link is kept on the booking (``location.join_url``) with a ``booking.updated`` event, and the
invitee's confirmation (a real aiosmtpd) carries it — or goes without it once
``video_link_wait_seconds`` passed, followed by an updated invite when the link arrives."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
import respx
from astrocal_server.accounts import NewAccount
from astrocal_server.calendars.google import google_event_id, meet_request_id
from astrocal_server.calendars.microsoft import graph_transaction_id
from astrocal_server.calendars.writeback import ROOM_POLL
from astrocal_server.clock import FixedClock
from astrocal_server.config import Settings
from astrocal_server.outbox.relay import OutboxRelay
from astrocal_server.storage.models import Booking, CalendarConnection, OutboxMessage
from fastapi import FastAPI
from icalendar import Calendar
from sqlalchemy import select

from tests.support.bookings import Book
from tests.support.calendars import add_oauth_connection, calendar_settings
from tests.support.emails import only_part, smtp_fields
from tests.support.hosts import add_host
from tests.support.providers import (
    GOOGLE_API,
    GRAPH,
    MEET_URL,
    TEAMS_URL,
    google_error,
    google_meet_event,
    graph_teams_event,
)
from tests.support.smtp import Sink

H = dict[str, str]
START = "2026-04-15T08:00:00Z"
INVITEE = "jo@acme.com"
WAIT = 60  # video_link_wait_seconds in these tests
GMAIL = "g@example.com"
EVENTS = f"{GOOGLE_API}/calendars/g%40example.com/events"
TEAMS_CALENDAR = "AAMkDEF="
GRAPH_EVENTS = f"{GRAPH}/me/calendars/AAMkDEF%3D/events"


@pytest.fixture
def settings(db_url: str, smtp_sink: Sink) -> Settings:
    return calendar_settings(
        db_url,
        **smtp_fields(smtp_sink),
        video_link_wait_seconds=WAIT,
    )


@dataclass
class Video:
    """One account with a Google and a Microsoft calendar, its bookings, the relay and the sink."""

    app: FastAPI
    client: httpx.AsyncClient
    headers: H
    account: NewAccount
    clock: FixedClock
    sink: Sink
    book_with: Book

    async def connection(self, provider: str) -> tuple[str, str]:
        """(connection id, calendar id) of a new live connection of ``provider``."""
        if provider == "google":
            return await add_oauth_connection(self.app, self.account, email=GMAIL), GMAIL
        calendars = [{"id": TEAMS_CALENDAR, "name": "Calendar", "primary": True}]
        cid = await add_oauth_connection(
            self.app, self.account, provider="microsoft", email="m@contoso.com", calendars=calendars
        )
        return cid, TEAMS_CALENDAR

    async def event_type(self, kind: str, destination: tuple[str, str] | None) -> httpx.Response:
        body: dict[str, Any] = {
            "title": "Intro call",
            "slug": f"intro-{kind.replace('_', '-')}",
            "duration_minutes": 30,
            "location": {"type": kind},
        }
        if destination is not None:
            body["destination_calendar"] = {
                "connection_id": destination[0],
                "calendar_id": destination[1],
            }
        return await self.client.post("/v1/event_types", json=body, headers=self.headers)

    async def book(self, kind: str, provider: str) -> str:
        """A booking of a new ``kind`` event type written to a new ``provider`` calendar."""
        event_type = await self.event_type(kind, await self.connection(provider))
        assert event_type.status_code == 201, event_type.text
        made = await self.book_with(event_type.json()["id"], START, headers=self.headers)
        assert made.status_code == 201, made.text
        assert made.json()["location"] == {"type": kind}  # no link yet
        return str(made.json()["id"])

    async def drain(self) -> None:
        relay = OutboxRelay(self.app.state.astrocal)
        while await relay.run_once():
            pass

    async def booking(self, booking_id: str) -> dict[str, Any]:
        r = await self.client.get(f"/v1/bookings/{booking_id}", headers=self.headers)
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def webhooks(self, booking_id: str, topic: str) -> list[dict[str, Any]]:
        async with self.app.state.astrocal.db.read() as session:
            rows = await session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.booking_id == booking_id,
                    OutboxMessage.kind == "webhook",
                    OutboxMessage.topic == topic,
                )
                .order_by(OutboxMessage.booking_seq)
            )
            return [dict(r.payload) for r in rows]

    def invitee_mail(self) -> list[EmailMessage]:
        return self.sink.to(INVITEE)


@pytest.fixture
def video(
    app: FastAPI,
    client: httpx.AsyncClient,
    live_headers: H,
    account: NewAccount,
    clock: FixedClock,
    smtp_sink: Sink,
    book: Book,
) -> Video:
    return Video(app, client, live_headers, account, clock, smtp_sink, book)


def _text(message: EmailMessage) -> str:
    return str(only_part(message, "text/plain").get_content())


def _invite(message: EmailMessage) -> Any:
    (event,) = Calendar.from_ical(only_part(message, "text/calendar").get_content()).walk("VEVENT")
    return event


def _sent_json(route: respx.Route, index: int = -1) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(route.calls[index].request.content)
    return body


def _insert_answer(booking_id: str, status: str) -> httpx.Response:
    return httpx.Response(
        200,
        json=google_meet_event(google_event_id(booking_id), meet_request_id(booking_id), status),
    )


async def _meet_booking(video: Video, fake: respx.MockRouter, room: str) -> tuple[str, respx.Route]:
    """A new ``google_meet`` booking whose event insert Google answers with its room ``room``
    (``success``, ``pending``, ``failure``); its id and the insert's route."""
    insert = fake.post(EVENTS)
    bid = await video.book("google_meet", "google")
    insert.mock(return_value=_insert_answer(bid, room))
    return bid, insert


async def test_meet_room_made_at_once_is_in_the_confirmation(
    video: Video, fake: respx.MockRouter, validate_event: Callable[[bytes], list[str]]
) -> None:
    bid, insert = await _meet_booking(video, fake, "success")
    await video.drain()

    request = insert.calls.last.request
    assert request.url.params["conferenceDataVersion"] == "1"
    assert _sent_json(insert)["conferenceData"] == {
        "createRequest": {
            "requestId": meet_request_id(bid),
            "conferenceSolutionKey": {"type": "hangoutsMeet"},
        }
    }
    assert (await video.booking(bid))["location"] == {"type": "google_meet", "join_url": MEET_URL}
    (updated,) = await video.webhooks(bid, "booking.updated")
    assert updated["data"]["location"]["join_url"] == MEET_URL
    assert validate_event(json.dumps(updated).encode()) == []

    # one confirmation, sent after the room was made, with its link in the text and the invite
    (confirmation,) = video.invitee_mail()
    assert str(confirmation["Subject"]).startswith("Confirmed:")
    assert "Where: Google Meet" in _text(confirmation)
    assert re.search(rf"Join:\s+{re.escape(MEET_URL)}", _text(confirmation))
    event = _invite(confirmation)
    assert str(event["LOCATION"]) == MEET_URL and event["SEQUENCE"] == 0


async def test_meet_room_pending_then_made_holds_the_confirmation_until_it_is(
    video: Video, fake: respx.MockRouter
) -> None:
    bid, insert = await _meet_booking(video, fake, "pending")
    get = fake.get(f"{EVENTS}/{google_event_id(bid)}").mock(
        side_effect=[_insert_answer(bid, "pending"), _insert_answer(bid, "success")]
    )
    await video.drain()
    assert video.invitee_mail() == []  # the confirmation waits for the room
    assert "join_url" not in (await video.booking(bid))["location"]

    video.clock.advance(ROOM_POLL)
    await video.drain()
    assert video.invitee_mail() == []  # still pending on the first read
    video.clock.advance(ROOM_POLL)
    await video.drain()

    assert insert.call_count == 1 and get.call_count == 2  # read again, never inserted again
    assert (await video.booking(bid))["location"]["join_url"] == MEET_URL
    (confirmation,) = video.invitee_mail()
    assert MEET_URL in _text(confirmation)


async def test_meet_room_refused_sends_the_confirmation_without_a_link(
    video: Video, fake: respx.MockRouter
) -> None:
    bid, _ = await _meet_booking(video, fake, "failure")
    await video.drain()

    assert (await video.booking(bid))["location"] == {"type": "google_meet"}
    assert await video.webhooks(bid, "booking.updated") == []
    (confirmation,) = video.invitee_mail()
    assert "Where: Google Meet" in _text(confirmation)
    async with video.app.state.astrocal.db.read() as session:
        row = await session.get_one(Booking, bid)
    assert row.external_events["room"]["status"] == "failure"


async def test_slow_room_confirmation_goes_after_the_deadline_and_an_update_follows(
    video: Video, fake: respx.MockRouter, validate_event: Callable[[bytes], list[str]]
) -> None:
    bid, insert = await _meet_booking(video, fake, "pending")
    get = fake.get(f"{EVENTS}/{google_event_id(bid)}").mock(
        return_value=_insert_answer(bid, "pending")
    )
    await video.drain()
    assert video.invitee_mail() == []

    video.clock.advance(seconds=WAIT)  # the deadline: the confirmation goes without the link
    await video.drain()
    (confirmation,) = video.invitee_mail()
    assert "Where: Google Meet" in _text(confirmation)
    assert _invite(confirmation)["SEQUENCE"] == 0

    get.mock(return_value=_insert_answer(bid, "success"))  # the room is made at last
    patch = fake.patch(f"{EVENTS}/{google_event_id(bid)}").mock(
        return_value=_insert_answer(bid, "success")
    )
    video.clock.advance(minutes=1)
    await video.drain()

    booking = await video.booking(bid)
    assert booking["location"]["join_url"] == MEET_URL
    (updated,) = await video.webhooks(bid, "booking.updated")
    assert updated["data"]["location"]["join_url"] == MEET_URL
    assert validate_event(json.dumps(updated).encode()) == []
    confirmation, update = video.invitee_mail()
    assert str(update["Subject"]).startswith("Updated:")
    assert MEET_URL in _text(update) and "now has its meeting link" in _text(update)
    event = _invite(update)
    assert str(event["LOCATION"]) == MEET_URL and event["SEQUENCE"] == 1
    assert insert.call_count == 1
    assert "conferenceData" not in _sent_json(patch)  # the calendars get the link, same room
    assert _sent_json(patch)["location"] == MEET_URL


async def test_provider_down_past_the_deadline_lets_the_email_go(
    video: Video, fake: respx.MockRouter
) -> None:
    insert = fake.post(EVENTS).mock(return_value=httpx.Response(503))
    bid = await video.book("google_meet", "google")
    await video.drain()
    assert video.invitee_mail() == []
    video.clock.advance(seconds=WAIT)
    await video.drain()
    (confirmation,) = video.invitee_mail()
    assert "Where: Google Meet" in _text(confirmation)

    insert.mock(return_value=_insert_answer(bid, "success"))  # Google is back
    fake.patch(f"{EVENTS}/{google_event_id(bid)}").mock(return_value=_insert_answer(bid, "success"))
    video.clock.advance(minutes=2)
    await video.drain()
    assert (await video.booking(bid))["location"]["join_url"] == MEET_URL
    assert str(video.invitee_mail()[-1]["Subject"]).startswith("Updated:")
    request_ids = {
        _sent_json(insert, i)["conferenceData"]["createRequest"]["requestId"]
        for i in range(insert.call_count)
    }
    assert request_ids == {meet_request_id(bid)}


async def test_a_retried_insert_asks_with_the_same_request_id_and_gets_one_room(
    video: Video, fake: respx.MockRouter
) -> None:
    """The first insert reached Google but its answer was lost (503); the retry answers 409 for
    our event id, and the event read back carries the one room the request id made."""
    insert = fake.post(EVENTS)
    bid = await video.book("google_meet", "google")
    insert.mock(
        side_effect=[
            httpx.Response(503),
            google_error(409, "The requested identifier already exists.", reason="duplicate"),
        ]
    )
    get = fake.get(f"{EVENTS}/{google_event_id(bid)}").mock(
        return_value=_insert_answer(bid, "success")
    )
    await video.drain()

    assert insert.call_count == 2 and get.call_count == 1
    first, second = (_sent_json(insert, i)["conferenceData"] for i in range(2))
    assert first == second and first["createRequest"]["requestId"] == meet_request_id(bid)
    assert _sent_json(insert, 0)["id"] == _sent_json(insert, 1)["id"] == google_event_id(bid)
    assert (await video.booking(bid))["location"]["join_url"] == MEET_URL
    assert len(video.invitee_mail()) == 1


async def test_reschedule_keeps_the_room_and_cancel_makes_no_new_one(
    video: Video, fake: respx.MockRouter
) -> None:
    bid, insert = await _meet_booking(video, fake, "success")
    await video.drain()
    patch = fake.patch(f"{EVENTS}/{google_event_id(bid)}").mock(
        return_value=_insert_answer(bid, "success")
    )

    moved = await video.client.post(
        f"/v1/bookings/{bid}/reschedule",
        headers=video.headers,
        json={"start": "2026-04-16T12:00:00Z"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["location"]["join_url"] == MEET_URL
    await video.drain()
    assert insert.call_count == 1
    assert "conferenceData" not in _sent_json(patch)  # the event keeps its room
    assert _sent_json(patch)["location"] == MEET_URL
    rescheduled = video.invitee_mail()[-1]
    assert str(rescheduled["Subject"]).startswith("Rescheduled:")
    assert MEET_URL in _text(rescheduled)

    delete = fake.delete(f"{EVENTS}/{google_event_id(bid)}").mock(return_value=httpx.Response(204))
    cancelled = await video.client.post(
        f"/v1/bookings/{bid}/cancel", headers=video.headers, json={}
    )
    assert cancelled.status_code == 200, cancelled.text
    await video.drain()
    assert delete.call_count == 1 and insert.call_count == 1
    assert len(await video.webhooks(bid, "booking.updated")) == 1


async def test_teams_meeting_with_its_join_url_at_once(
    video: Video, fake: respx.MockRouter
) -> None:
    create = fake.post(GRAPH_EVENTS).mock(
        return_value=httpx.Response(201, json=graph_teams_event("AAMkEVT=", TEAMS_URL))
    )
    bid = await video.book("microsoft_teams", "microsoft")
    await video.drain()

    sent = _sent_json(create)
    assert sent["isOnlineMeeting"] is True
    assert sent["onlineMeetingProvider"] == "teamsForBusiness"
    assert sent["transactionId"] == graph_transaction_id(bid)
    assert (await video.booking(bid))["location"] == {
        "type": "microsoft_teams",
        "join_url": TEAMS_URL,
    }
    (confirmation,) = video.invitee_mail()
    assert "Where: Microsoft Teams" in _text(confirmation)
    assert re.search(rf"Join:\s+{re.escape(TEAMS_URL)}", _text(confirmation))
    (updated,) = await video.webhooks(bid, "booking.updated")
    assert updated["data"]["location"]["join_url"] == TEAMS_URL


async def test_teams_join_url_null_at_first_is_read_again(
    video: Video, fake: respx.MockRouter
) -> None:
    fake.post(GRAPH_EVENTS).mock(
        return_value=httpx.Response(201, json=graph_teams_event("AAMkEVT=", None))
    )
    read = fake.get(f"{GRAPH}/me/events/AAMkEVT%3D").mock(
        return_value=httpx.Response(200, json=graph_teams_event("AAMkEVT=", TEAMS_URL))
    )
    bid = await video.book("microsoft_teams", "microsoft")
    await video.drain()
    assert video.invitee_mail() == []

    video.clock.advance(ROOM_POLL)
    await video.drain()
    assert read.call_count == 1
    assert "onlineMeeting" in read.calls.last.request.url.params["$select"]
    assert (await video.booking(bid))["location"]["join_url"] == TEAMS_URL
    (confirmation,) = video.invitee_mail()
    assert TEAMS_URL in _text(confirmation)


async def test_room_locations_need_a_destination_of_their_provider(video: Video) -> None:
    google = await video.connection("google")
    microsoft = await video.connection("microsoft")
    for kind, destination in (
        ("google_meet", None),
        ("google_meet", microsoft),
        ("microsoft_teams", google),
    ):
        r = await video.event_type(kind, destination)
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert error["param"] == "location.type"
        assert "destination_calendar" in error["message"]

    made = await video.event_type("google_meet", google)
    assert made.status_code == 201, made.text
    path = f"/v1/event_types/{made.json()['id']}"
    r = await video.client.patch(path, json={"destination_calendar": None}, headers=video.headers)
    assert r.status_code == 400 and r.json()["error"]["param"] == "location.type"
    r = await video.client.patch(
        path, json={"location": {"type": "microsoft_teams"}}, headers=video.headers
    )
    assert r.status_code == 400 and r.json()["error"]["param"] == "location.type"
    r = await video.client.patch(
        path,
        json={"location": {"type": "google_meet", "value": "https://meet.example/x"}},
        headers=video.headers,
    )
    assert r.status_code == 400 and r.json()["error"]["param"] == "location.value"
    r = await video.client.patch(path, json={"location": {"type": "video"}}, headers=video.headers)
    assert r.status_code == 400 and r.json()["error"]["param"] == "location.value"


async def test_destination_connection_deleted_later_books_without_a_room(
    video: Video, fake: respx.MockRouter
) -> None:
    """Decided: the booking is made, the write-back to the gone connection fails for good, and
    the confirmation goes at once without a link (no wait, no 500)."""
    google = await video.connection("google")
    made = await video.event_type("google_meet", google)
    assert made.status_code == 201, made.text
    async with video.app.state.astrocal.db.write() as session:
        await session.delete(await session.get_one(CalendarConnection, google[0]))
    insert = fake.post(EVENTS)
    booked = await video.book_with(made.json()["id"], START, headers=video.headers)
    assert booked.status_code == 201, booked.text
    await video.drain()
    assert insert.call_count == 0
    (confirmation,) = video.invitee_mail()
    assert "Where: Google Meet" in _text(confirmation)
    assert (await video.booking(booked.json()["id"]))["location"] == {"type": "google_meet"}


async def test_invitee_page_shows_the_join_link(video: Video, fake: respx.MockRouter) -> None:
    bid, _ = await _meet_booking(video, fake, "success")
    await video.drain()
    manage = (await video.booking(bid))["manage_url"]
    page = await video.client.get(httpx.URL(manage).raw_path.decode())
    assert page.status_code == 200
    assert f'href="{MEET_URL}"' in page.text


def test_room_answers_read_as_documented() -> None:
    from astrocal_server.calendars.google import _room
    from astrocal_server.calendars.microsoft import _teams_room

    assert _room(google_meet_event("e", "r", "pending")).status == "pending"
    assert _room(google_meet_event("e", "r", "failure")).status == "failure"
    assert _room(google_meet_event("e", "r", "success")).join_url == MEET_URL
    assert _room({"id": "e"}).status == "failure"  # written without asking for a room
    assert _teams_room(graph_teams_event("e", None)).status == "pending"
    assert _teams_room(graph_teams_event("e", None, isOnlineMeeting=False)).status == "failure"
    assert _teams_room(graph_teams_event("e", TEAMS_URL)).join_url == TEAMS_URL


async def test_a_hosts_destination_calendar_counts_for_a_team(video: Video) -> None:
    cid, calendar = await video.connection("google")
    host = await add_host(
        video.app,
        video.account,
        livemode=True,
        schedule=None,
        destination_calendar={"connection_id": cid, "calendar_id": calendar},
    )
    other = await add_host(video.app, video.account, livemode=True, name="Ann Lee", schedule=None)
    body: dict[str, Any] = {
        "title": "Team intro",
        "slug": "team-intro",
        "duration_minutes": 30,
        "location": {"type": "google_meet"},
        "assignment": "collective",
        "schedule_id": (await video.client.get("/v1/schedules", headers=video.headers)).json()[
            "data"
        ][0]["id"],
    }
    body["hosts"] = [{"host_id": other.id}]
    r = await video.client.post("/v1/event_types", json=body, headers=video.headers)
    assert r.status_code == 400 and r.json()["error"]["param"] == "location.type", r.text
    body["hosts"] = [{"host_id": other.id}, {"host_id": host.id}]
    r = await video.client.post("/v1/event_types", json=body, headers=video.headers)
    assert r.status_code == 201, r.text
