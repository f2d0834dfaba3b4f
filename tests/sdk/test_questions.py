"""Booking questions through the SDK: ``questions`` on event type create and update (as models or
dicts), ``answers`` on ``bookings.create``, typed answers back on the booking, and a wrong answer
a ``BadRequestError`` naming ``answers.<key>`` (async in memory, sync over real HTTP)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from astrocal_sdk import Astrocal, AsyncAstrocal, BadRequestError, types

NINE_BERLIN = dt.datetime(2026, 4, 15, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
INVITEE = {"name": "Jo Smith", "email": "jo@example.com"}
COMPANY = types.Question(key="company", label="Company", type="short_text", required=True)
TOPICS: types.QuestionDict = {
    "key": "topics",
    "label": "Topics",
    "type": "multi_select",
    "options": ["API", "MCP"],
}


async def test_async_round_trip(aclient: AsyncAstrocal) -> None:
    evt = await aclient.event_types.create(
        title="Intro", slug="intro", duration_minutes=30, questions=[COMPANY, TOPICS]
    )
    assert [q.key for q in evt.questions] == ["company", "topics"]
    assert isinstance(evt.questions[0], types.Question) and evt.questions[1].options == [
        "API",
        "MCP",
    ]

    booking = await aclient.bookings.create(
        event_type_id=evt.id,
        start=NINE_BERLIN,
        invitee=INVITEE,
        answers={"company": "Acme", "topics": ["MCP"]},
    )
    assert all(isinstance(a, types.BookingAnswer) for a in booking.answers)
    assert [(a.key, a.label, a.value) for a in booking.answers] == [
        ("company", "Company", "Acme"),
        ("topics", "Topics", ["MCP"]),
    ]

    with pytest.raises(BadRequestError) as wrong:
        await aclient.bookings.create(
            event_type_id=evt.id,
            start=NINE_BERLIN + dt.timedelta(hours=1),
            invitee=INVITEE,
            answers={"topics": ["CLI"]},
        )
    assert wrong.value.param == "answers.company" and wrong.value.code == "parameter_missing"
    assert [e["param"] for e in (wrong.value.details or {})["errors"]] == [
        "answers.company",
        "answers.topics",
    ]

    updated = await aclient.event_types.update(evt.id, questions=[TOPICS])
    assert [q.key for q in updated.questions] == ["topics"]
    kept = await aclient.bookings.retrieve(booking.id)
    assert [a.key for a in kept.answers] == ["company", "topics"]


def test_sync_round_trip(sync_client: Astrocal) -> None:
    evt = sync_client.event_types.create(
        title="Intro", slug="intro-sync", duration_minutes=30, questions=[COMPANY]
    )
    booking = sync_client.bookings.create(
        event_type_id=evt.id, start=NINE_BERLIN, invitee=INVITEE, answers={"company": "Acme"}
    )
    assert booking.answers[0].value == "Acme"
