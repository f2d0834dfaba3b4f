"""Reminder test helpers: an event type with reminders on a UTC weekday schedule, draining the
outbox relay, and the reminder emails a sink received."""

from __future__ import annotations

from typing import Any

import httpx
from astrocal_server.outbox.relay import OutboxRelay
from astrocal_server.state import AppState

from tests.support.bookings import create_event_type, make_schedule
from tests.support.smtp import Sink

__all__ = ["drain", "reminder_emails", "reminder_event_type"]


async def reminder_event_type(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    reminders: list[dict[str, Any]],
    **fields: Any,
) -> dict[str, Any]:
    """``Intro call`` (30 minutes, Mon–Fri 09:00–17:00 UTC) with ``reminders`` and ``fields``."""
    schedule = await make_schedule(client, headers)
    return await create_event_type(
        client,
        headers,
        **{
            "title": "Intro call",
            "slug": "intro-call",
            "duration_minutes": 30,
            "schedule_id": schedule,
            "reminders": reminders,
            **fields,
        },
    )


async def drain(state: AppState) -> None:
    """Relay passes until nothing is due at the state's clock."""
    relay = OutboxRelay(state)
    while await relay.run_once():
        pass


def reminder_emails(sink: Sink, address: str) -> list[Any]:
    """The reminder emails ``sink`` received for ``address``, in order."""
    return [m for m in sink.to(address) if str(m["Subject"]).startswith("Reminder:")]
