"""A booking's answers in the calendar event write-back creates: the description lists them after
the event type's description and the notes, and neither the CalDAV object nor the provider's
fields can be broken by markup or CRLF in them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import respx
from astrocal_server.accounts import NewAccount
from astrocal_server.calendars.ical import event_to_ics
from astrocal_server.calendars.writeback import draft_for, handle
from astrocal_server.storage.models import Booking
from fastapi import FastAPI
from icalendar import Calendar

from tests.support.app import AddBooking
from tests.support.caldav import Z
from tests.support.calendars import add_oauth_connection, calendar_item
from tests.support.clocks import NOW
from tests.support.providers import GOOGLE_API

START = Z("2026-04-15T09:00:00Z")
HOSTILE = "Acme\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected <b>x</b>"
ANSWERS = [
    {"key": "company", "label": "Company", "type": "short_text", "value": HOSTILE},
    {"key": "seats", "label": "Seats\r\nX-EVIL:1", "type": "number", "value": 12},
    {"key": "terms", "label": "Terms", "type": "checkbox", "value": True},
]
EVENT_TYPE = {"id": "evt_x", "title": "Intro", "description": "Say hi", "location": None}


def _booking(**values: Any) -> Booking:
    return Booking(
        id="bk_answers",
        start_at=START,
        end_at=START + timedelta(minutes=30),
        invitee_name="Jo Smith",
        invitee_email="jo@acme.com",
        guests=[],
        notes="Bring the roadmap",
        location=None,
        ics_sequence=0,
        **values,
    )


def test_the_description_lists_the_answers_after_the_notes() -> None:
    draft = draft_for(_booking(answers=ANSWERS), EVENT_TYPE)
    assert draft.description == (
        "Say hi\n\nBring the roadmap\n\nAnswers:\n"
        "Company: Acme\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected <b>x</b>\n"
        "Seats X-EVIL:1: 12\nTerms: Yes"
    )
    assert draft_for(_booking(answers=[]), EVENT_TYPE).description == "Say hi\n\nBring the roadmap"


def test_the_caldav_object_stays_one_event() -> None:
    text = event_to_ics(draft_for(_booking(answers=ANSWERS), EVENT_TYPE), stamp=NOW)
    lines = text.splitlines()
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1
    assert not any(line.startswith(("SUMMARY:injected", "X-EVIL")) for line in lines)
    (event,) = Calendar.from_ical(text).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Intro with Jo Smith"
    assert "SUMMARY:injected <b>x</b>" in str(event["DESCRIPTION"])


async def test_google_receives_the_answers_in_the_description(
    app: FastAPI,
    client: httpx.AsyncClient,
    live_headers: dict[str, str],
    account: NewAccount,
    add_booking: AddBooking,
    fake: respx.MockRouter,
) -> None:
    cid = await add_oauth_connection(app, account, provider="google", email="g@example.com")
    r = await client.post(
        "/v1/event_types",
        json={"title": "Intro", "slug": "intro", "duration_minutes": 30},
        headers=live_headers,
    )
    bid = await add_booking(account, r.json()["id"], START, livemode=True)
    async with app.state.astrocal.db.write() as session:
        (await session.get_one(Booking, bid)).answers = ANSWERS
    created = fake.post(f"{GOOGLE_API}/calendars/g%40example.com/events").mock(
        return_value=httpx.Response(200, json={"id": "x"})
    )
    item = calendar_item(account, bid, cid, "g@example.com", "create", created_at=NOW)
    await handle(item, app.state.astrocal)
    sent = json.loads(created.calls.last.request.content)
    assert "Answers:\nCompany: Acme\nEND:VEVENT" in sent["description"]
    assert sent["summary"] == "Intro with Jo Smith"
