"""Event type reminders end to end: validated on the event type, planned as outbox rows when a booking
is made (never for an instant already past), planned again on reschedule, dropped on cancel, sent
at the due instant (an injected clock) by email to a real aiosmtpd server and as a
``booking.reminder`` webhook to a real receiver — once per booking, reminder and start, also when
the relay runs a row twice (``test_reminder_worker_killed.py``: a worker process killed while
sending one).

The module's tests share one database, so each test has its own invitee and host addresses
(``people``) and asserts on its own booking's rows and messages.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.clock import FixedClock
from astrocal_server.reminders.plan import reminder_row_id
from astrocal_server.state import AppState
from astrocal_server.storage.models import EmailCopy, OutboxMessage, WebhookDelivery
from fastapi import FastAPI
from sqlalchemy import func, select, update

from tests.support.app import MakeAccount
from tests.support.bookings import TUESDAY_9, booking_body, iso, make_schedule
from tests.support.reminders import drain, reminder_emails, reminder_event_type
from tests.support.smtp import Sink
from tests.support.webhooks import Receiver

H = dict[str, str]
# At the pinned clock (Monday 08:00 UTC) a booking on Tuesday 09:00 UTC is due its 60-minute
# reminder on Tuesday 08:00, its one-day reminder on Monday 09:00; the 1500-minute one would be
# due on Monday 08:00, not after the booking is made: never planned.
REMINDERS = [
    {"before_minutes": 60, "channels": ["email", "webhook"], "to": ["invitee", "hosts"]},
    {"before_minutes": 1440, "channels": ["email"], "to": ["invitee"]},
    {"before_minutes": 1500, "channels": ["webhook"], "to": ["hosts"]},
]
DUE_60 = TUESDAY_9 - timedelta(minutes=60)
DUE_1440 = TUESDAY_9 - timedelta(minutes=1440)


async def _event_type(client: httpx.AsyncClient, headers: H, **fields: Any) -> dict[str, Any]:
    location = {"type": "video", "value": "https://meet.example/abc-defg"}
    return await reminder_event_type(
        client, headers, fields.pop("reminders", REMINDERS), location=location, **fields
    )


@dataclass(frozen=True)
class People:
    invitee: str  # Europe/London, booking_body's zone
    host: str  # the account's default host


@pytest.fixture
def people() -> People:
    tag = uuid.uuid4().hex[:10]
    return People(invitee=f"jo.{tag}@acme.com", host=f"ann.{tag}@example.com")


@pytest.fixture
async def account(make_account: MakeAccount, people: People) -> NewAccount:
    """The test's account, whose default host has the test's own address."""
    return await make_account(email=people.host)


async def _book(
    client: httpx.AsyncClient,
    headers: H,
    start: datetime = TUESDAY_9,
    *,
    email: str = "jo@acme.com",
) -> dict[str, Any]:
    """A booking at ``start`` of a new event type with the module's reminders."""
    event_type = await _event_type(client, headers)
    r = await client.post(
        "/v1/bookings", headers=headers, json=booking_body(event_type["id"], start, email=email)
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


@dataclass
class Live:
    """The sending tests' live-mode side: the app's state, a client with live headers, the
    pinned clock, the SMTP sink and the test's own addresses."""

    state: AppState
    client: httpx.AsyncClient
    headers: H
    clock: FixedClock
    sink: Sink
    people: People

    async def book(self, start: datetime = TUESDAY_9) -> dict[str, Any]:
        return await _book(self.client, self.headers, start, email=self.people.invitee)

    async def drain(self) -> None:
        await drain(self.state)

    async def rows(self, booking_id: str) -> list[OutboxMessage]:
        return await _reminder_rows(self.state, booking_id)

    async def sent(self, booking_id: str) -> list[tuple[int, str]]:
        return await _sent(self.state, booking_id)

    def reminders(self, who: str) -> list[Any]:
        """The reminder emails received by the test's ``invitee`` or ``host``."""
        return reminder_emails(self.sink, getattr(self.people, who))


@pytest.fixture
def live(
    app: FastAPI,
    client: httpx.AsyncClient,
    live_headers: H,
    clock: FixedClock,
    smtp_sink: Sink,
    people: People,
) -> Live:
    return Live(app.state.astrocal, client, live_headers, clock, smtp_sink, people)


async def _reschedule(
    client: httpx.AsyncClient, headers: H, booking_id: str, start: datetime
) -> None:
    r = await client.post(
        f"/v1/bookings/{booking_id}/reschedule", headers=headers, json={"start": iso(start)}
    )
    assert r.status_code == 200, r.text


async def _reminder_rows(state: AppState, booking_id: str) -> list[OutboxMessage]:
    async with state.db.read() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.booking_id == booking_id, OutboxMessage.kind == "reminder")
            .order_by(OutboxMessage.available_at, OutboxMessage.id)
        )
        return list(rows.all())


async def _sent(state: AppState, booking_id: str) -> list[tuple[int, str]]:
    """(before_minutes, channel) of the booking's reminder rows that completed."""
    rows = await _reminder_rows(state, booking_id)
    return sorted(
        (r.payload["before_minutes"], r.payload["channel"])
        for r in rows
        if r.completed_at is not None
    )


def _reminder_events(receiver: Receiver) -> list[dict[str, Any]]:
    events = [json.loads(r.body) for r in receiver.requests]
    return [e for e in events if e["type"] == "booking.reminder"]


async def _webhook(client: httpx.AsyncClient, headers: H, receiver: Receiver) -> None:
    r = await client.post(
        "/v1/webhooks",
        headers=headers,
        json={"url": receiver.url, "events": ["booking.reminder", "booking.cancelled"]},
    )
    assert r.status_code == 201, r.text


# --- the event type ------------------------------------------------------------------------------


async def test_reminders_are_stored_shown_and_replaced(
    client: httpx.AsyncClient, live_headers: H
) -> None:
    created = await _event_type(client, live_headers)
    assert created["reminders"] == REMINDERS
    shown = (await client.get(f"/v1/event_types/{created['id']}", headers=live_headers)).json()
    assert shown["reminders"] == REMINDERS

    one = [{"before_minutes": 30, "channels": ["webhook"], "to": ["invitee"]}]
    r = await client.patch(
        f"/v1/event_types/{created['id']}", headers=live_headers, json={"reminders": one}
    )
    assert r.status_code == 200, r.text
    assert r.json()["reminders"] == one

    schedule = await make_schedule(client, live_headers, name="Other")
    bare = await client.post(
        "/v1/event_types",
        headers=live_headers,
        json={"title": "Bare", "slug": "bare", "duration_minutes": 30, "schedule_id": schedule},
    )
    assert bare.json()["reminders"] == []


@pytest.mark.parametrize(
    ("reminders", "param"),
    [
        (
            [
                {"before_minutes": 60, "channels": ["email"], "to": ["invitee"]},
                {"before_minutes": 60, "channels": ["webhook"], "to": ["hosts"]},
            ],
            "reminders.1.before_minutes",
        ),
        (
            [{"before_minutes": 60, "channels": ["email", "email"], "to": ["invitee"]}],
            "reminders.0.channels",
        ),
        (
            [
                {"before_minutes": 30, "channels": ["email"], "to": ["invitee"]},
                {"before_minutes": 60, "channels": ["email"], "to": ["hosts", "hosts"]},
            ],
            "reminders.1.to",
        ),
        (
            [{"before_minutes": 4, "channels": ["email"], "to": ["invitee"]}],
            "reminders.0.before_minutes",
        ),
        (
            [{"before_minutes": 10081, "channels": ["email"], "to": ["invitee"]}],
            "reminders.0.before_minutes",
        ),
        ([{"before_minutes": 60, "channels": [], "to": ["invitee"]}], "reminders.0.channels"),
        (
            [{"before_minutes": 60, "channels": ["sms"], "to": ["invitee"]}],
            "reminders.0.channels.0",
        ),
        ([{"before_minutes": 60, "channels": ["email"], "to": ["guests"]}], "reminders.0.to.0"),
        ([{"before_minutes": 60, "channels": ["email"]}], "reminders.0.to"),
        (
            [
                {"before_minutes": 10 + n, "channels": ["email"], "to": ["invitee"]}
                for n in range(6)
            ],
            "reminders",
        ),
    ],
)
async def test_bad_reminders_are_a_400_naming_the_parameter(
    client: httpx.AsyncClient, live_headers: H, reminders: list[Any], param: str
) -> None:
    schedule = await make_schedule(client, live_headers)
    body = {"title": "T", "slug": "t", "duration_minutes": 30, "schedule_id": schedule}
    r = await client.post(
        "/v1/event_types", headers=live_headers, json={**body, "reminders": reminders}
    )
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["param"] == param, error
    assert error["message"]

    created = await client.post("/v1/event_types", headers=live_headers, json=body)
    r = await client.patch(
        f"/v1/event_types/{created.json()['id']}",
        headers=live_headers,
        json={"reminders": reminders},
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == error["param"]


# --- planning -----------------------------------------------------------------------------------


async def test_a_booking_plans_one_row_per_reminder_and_channel_not_for_past_instants(
    app: FastAPI, client: httpx.AsyncClient, live_headers: H
) -> None:
    state: AppState = app.state.astrocal
    booking = await _book(client, live_headers)

    rows = await _reminder_rows(state, booking["id"])
    planned = [(r.available_at, r.payload["before_minutes"], r.payload["channel"]) for r in rows]
    assert sorted(planned) == sorted(
        [(DUE_1440, 1440, "email"), (DUE_60, 60, "email"), (DUE_60, 60, "webhook")]
    )  # 1500 minutes before is Monday 08:00, the very instant the booking was made: skipped
    for row in rows:
        assert row.booking_seq is None  # outside the booking's order
        assert row.completed_at is None and row.topic == "booking.reminder"
        assert row.payload["start"] == iso(TUESDAY_9)
        assert row.id == reminder_row_id(
            booking["id"], row.payload["before_minutes"], row.payload["channel"], TUESDAY_9
        )


async def test_test_mode_plans_webhook_reminders_only(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H
) -> None:
    booking = await _book(client, auth_headers)
    rows = await _reminder_rows(app.state.astrocal, booking["id"])
    assert [(r.payload["before_minutes"], r.payload["channel"]) for r in rows] == [(60, "webhook")]


async def test_a_reschedule_plans_again_and_a_cancel_drops_them(
    app: FastAPI, client: httpx.AsyncClient, live_headers: H
) -> None:
    state: AppState = app.state.astrocal
    booking = await _book(client, live_headers)
    old_ids = {r.id for r in await _reminder_rows(state, booking["id"])}

    wednesday = TUESDAY_9 + timedelta(days=1)
    await _reschedule(client, live_headers, booking["id"], wednesday)
    rows = await _reminder_rows(state, booking["id"])
    assert {r.id for r in rows}.isdisjoint(old_ids)  # the old start's rows are gone
    assert sorted((r.available_at, r.payload["channel"]) for r in rows) == sorted(
        [
            (wednesday - timedelta(minutes=1500), "webhook"),  # in the future now
            (wednesday - timedelta(minutes=1440), "email"),
            (wednesday - timedelta(minutes=60), "email"),
            (wednesday - timedelta(minutes=60), "webhook"),
        ]
    )
    assert all(r.payload["start"] == iso(wednesday) for r in rows)

    r = await client.post(f"/v1/bookings/{booking['id']}/cancel", headers=live_headers, json={})
    assert r.status_code == 200, r.text
    assert await _reminder_rows(state, booking["id"]) == []


async def test_a_pending_reminder_never_holds_up_the_bookings_other_rows(
    app: FastAPI, client: httpx.AsyncClient, live_headers: H, smtp_sink: Sink, people: People
) -> None:
    state: AppState = app.state.astrocal
    next_week = TUESDAY_9 + timedelta(days=7)
    booking = await _book(client, live_headers, next_week, email=people.invitee)
    await drain(state)
    r = await client.patch(
        f"/v1/bookings/{booking['id']}", headers=live_headers, json={"notes": "Bring the deck"}
    )
    assert r.status_code == 200, r.text
    await drain(state)
    async with state.db.read() as session:
        updated = (
            await session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.booking_id == booking["id"],
                    OutboxMessage.topic == "booking.updated",
                )
            )
        ).all()
    assert updated and all(row.completed_at is not None for row in updated)
    pending = await _reminder_rows(state, booking["id"])
    assert len(pending) == 4 and all(row.completed_at is None for row in pending)

    r = await client.post(f"/v1/bookings/{booking['id']}/cancel", headers=live_headers, json={})
    assert r.status_code == 200
    await drain(state)
    cancelled = [
        m for m in smtp_sink.to(people.invitee) if str(m["Subject"]).startswith("Cancelled:")
    ]
    assert len(cancelled) == 1, [(e[1], e[2][:0]) for e in smtp_sink.envelopes] + [
        str(m["To"]) + str(m["Cc"]) + str(m["Message-ID"]) for m in cancelled
    ]  # at once, not after next week's reminders
    assert await _reminder_rows(state, booking["id"]) == []
    assert reminder_emails(smtp_sink, people.invitee) == []


# --- sending ------------------------------------------------------------------------------------


async def test_reminders_go_out_at_their_instant_and_not_before(
    live: Live,
    receiver: Receiver,
    validate_event: Callable[[bytes], list[str]],
) -> None:
    await _webhook(live.client, live.headers, receiver)
    booking = await live.book()
    await live.drain()  # the confirmations
    assert live.reminders("invitee") == [] and _reminder_events(receiver) == []

    live.clock.set(DUE_1440 - timedelta(seconds=1))
    await live.drain()
    assert await live.sent(booking["id"]) == []
    live.clock.set(DUE_1440)
    await live.drain()
    assert await live.sent(booking["id"]) == [(1440, "email")]
    (day_before,) = live.reminders("invitee")
    assert live.reminders("host") == []  # that one is for the invitee only
    assert _reminder_events(receiver) == []  # and by email only

    live.clock.set(DUE_60 - timedelta(seconds=1))
    await live.drain()
    assert len(live.reminders("invitee")) == 1
    live.clock.set(DUE_60)
    await live.drain()
    assert await live.sent(booking["id"]) == [(60, "email"), (60, "webhook"), (1440, "email")]
    assert len(live.reminders("invitee")) == 2
    (host_copy,) = live.reminders("host")

    # The invitee's copy: their zone (London, BST), the join link, their manage links.
    mine = live.reminders("invitee")[-1]
    assert mine.get_content_type() == "multipart/alternative"  # text + HTML, no invitation
    text = mine.get_body(preferencelist=("plain",)).get_content()
    html = mine.get_body(preferencelist=("html",)).get_content()
    assert "10:00" in text and "Intro call" in text
    assert "https://meet.example/abc-defg" in text and "https://meet.example/abc-defg" in html
    assert "/manage/" in text and "/manage/" in html and "{invitee_token}" not in text
    assert "Reschedule:" in text and "Cancel:" in text
    assert str(day_before["Message-ID"]) != str(mine["Message-ID"])
    # The host's copy names the invitee, carries the join link but never the invitee's links.
    host_text = host_copy.get_body(preferencelist=("plain",)).get_content()
    assert "Jo Smith" in host_text and "https://meet.example/abc-defg" in host_text
    assert "/manage/" not in host_text and "/manage/" not in host_copy.as_string()

    (event,) = _reminder_events(receiver)
    assert event["data"]["id"] == booking["id"] and event["data"]["status"] == "confirmed"
    assert validate_event(receiver.requests[-1].body) == []  # openapi.yaml's BookingReminderEvent
    assert event["data"]["reminder"] == {
        "before_minutes": 60,
        "scheduled_for": iso(DUE_60),
        "to": ["invitee", "hosts"],
    }
    assert "/manage/" in event["data"]["manage_url"] and "{" not in event["data"]["manage_url"]
    webhook_row = reminder_row_id(booking["id"], 60, "webhook", TUESDAY_9)
    assert receiver.requests[-1].headers["webhook-id"] == "whe_" + webhook_row[3:]
    assert all(r.completed_at is not None for r in await live.rows(booking["id"]))


async def test_a_row_run_twice_sends_once(
    live: Live,
    receiver: Receiver,
) -> None:
    await _webhook(live.client, live.headers, receiver)
    booking = await live.book()
    await live.drain()
    live.clock.set(DUE_60)
    await live.drain()  # both channels of 60, and 1440 (late, still owed)
    assert await live.sent(booking["id"]) == [(60, "email"), (60, "webhook"), (1440, "email")]
    assert len(_reminder_events(receiver)) == 1

    # As if the worker's lease had run out before it recorded the result: the rows run again.
    async with live.state.db.write() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.booking_id == booking["id"], OutboxMessage.kind == "reminder")
            .values(completed_at=None, available_at=live.clock.now())
        )
    await live.drain()
    assert await live.sent(booking["id"]) == [(60, "email"), (60, "webhook"), (1440, "email")]
    assert len(live.reminders("invitee")) == 2  # 60 and 1440, each once
    assert len(live.reminders("host")) == 1
    assert len(_reminder_events(receiver)) == 1
    async with live.state.db.read() as session:
        deliveries = await session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(
                WebhookDelivery.event_type == "booking.reminder",
                WebhookDelivery.booking_id == booking["id"],
            )
        )
        copies = await session.scalars(
            select(EmailCopy.role)
            .join(OutboxMessage, OutboxMessage.id == EmailCopy.outbox_id)
            .where(OutboxMessage.booking_id == booking["id"], OutboxMessage.kind == "reminder")
        )
        roles = sorted(copies.all())
    assert deliveries == 1
    assert roles == ["host", "invitee", "invitee"]  # 60 (both), 1440 (the invitee)


async def test_moving_back_to_a_start_already_reminded_sends_nothing_again(live: Live) -> None:
    booking = await live.book()
    live.clock.set(DUE_1440)
    await live.drain()
    assert len(live.reminders("invitee")) == 1

    for start in (TUESDAY_9 + timedelta(hours=2), TUESDAY_9):
        await _reschedule(live.client, live.headers, booking["id"], start)
    rows = await live.rows(booking["id"])
    sent = [r for r in rows if r.completed_at is not None]
    assert [(r.payload["before_minutes"], r.payload["start"]) for r in sent] == [
        (1440, iso(TUESDAY_9))
    ]
    live.clock.set(DUE_60)
    await live.drain()
    # The one-day reminder for Tuesday 09:00 went out once; the hour one is still owed once.
    subjects = [str(m["Subject"]) for m in live.reminders("invitee")]
    assert len(subjects) == 2


async def test_a_stale_row_sends_nothing(live: Live) -> None:
    """Belt and braces: a row whose start is not the booking's (or whose booking is cancelled)
    completes without sending, whatever put it there."""
    booking = await live.book()
    rows = await live.rows(booking["id"])
    async with live.state.db.write() as session:
        for row in rows:
            moved = {**row.payload, "start": iso(TUESDAY_9 + timedelta(hours=1))}
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row.id).values(payload=moved)
            )
    live.clock.set(DUE_60)
    await live.drain()
    assert live.reminders("invitee") == []
    assert all(r.completed_at is not None for r in await live.rows(booking["id"]))
