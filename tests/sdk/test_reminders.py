"""Reminders through the SDK: ``reminders`` on event type create and update (as models or dicts),
read back typed; a repeated ``before_minutes`` a ``BadRequestError`` naming it; and a
``booking.reminder`` delivery unwrapped as a typed ``BookingReminderEvent`` (async in memory, sync
over real HTTP)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from astrocal_sdk import Astrocal, AsyncAstrocal, BadRequestError, types, webhooks
from standardwebhooks.webhooks import Webhook as ReferenceWebhook

from tests.support.sdk_payloads import booking_json

HOUR = types.Reminder(before_minutes=60, channels=["email", "webhook"], to=["invitee", "hosts"])
DAY: types.ReminderDict = {"before_minutes": 1440, "channels": ["email"], "to": ["invitee"]}


async def test_async_round_trip(aclient: AsyncAstrocal) -> None:
    evt = await aclient.event_types.create(
        title="Intro", slug="intro", duration_minutes=30, reminders=[HOUR, DAY]
    )
    assert all(isinstance(r, types.Reminder) for r in evt.reminders)
    assert [(r.before_minutes, r.channels, r.to) for r in evt.reminders] == [
        (60, ["email", "webhook"], ["invitee", "hosts"]),
        (1440, ["email"], ["invitee"]),
    ]
    updated = await aclient.event_types.update(evt.id, reminders=[DAY])
    assert [r.before_minutes for r in updated.reminders] == [1440]
    assert (await aclient.event_types.retrieve(evt.id)).reminders == updated.reminders

    with pytest.raises(BadRequestError) as twice:
        await aclient.event_types.update(evt.id, reminders=[DAY, {**DAY, "to": ["hosts"]}])
    assert twice.value.param == "reminders.1.before_minutes"


def test_sync_round_trip(sync_client: Astrocal) -> None:
    evt = sync_client.event_types.create(
        title="Intro", slug="intro-sync", duration_minutes=30, reminders=[HOUR]
    )
    assert evt.reminders[0].before_minutes == 60
    assert sync_client.event_types.update(evt.id, reminders=[]).reminders == []


def test_a_reminder_event_unwraps_typed() -> None:
    secret = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
    now = 1_776_067_200  # 2026-04-13T08:00:00Z
    body = json.dumps(
        {
            "type": "booking.reminder",
            "timestamp": "2026-04-13T08:00:00Z",
            "livemode": True,
            "data": {
                **booking_json(livemode=True),
                "reminder": {
                    "before_minutes": 60,
                    "scheduled_for": "2026-04-13T08:00:00Z",
                    "to": ["invitee"],
                },
            },
        }
    )
    signature = ReferenceWebhook(secret).sign("msg_1", datetime.fromtimestamp(now, UTC), body)
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(now), "webhook-signature": signature}
    event = webhooks.unwrap(body, headers, secret, now=now)
    assert isinstance(event, types.BookingReminderEvent)
    assert isinstance(event.data, types.BookingReminder) and isinstance(event.data, types.Booking)
    assert event.data.reminder.before_minutes == 60 and event.data.reminder.to == ["invitee"]
