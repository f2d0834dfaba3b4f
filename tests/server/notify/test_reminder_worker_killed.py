"""A worker process SIGKILLed while it sends a reminder: each copy still goes out exactly once.

The killed worker handed the invitee's reminder to the mail relay (accepted, recorded in
``email_copies``) and was killed while handing over the host's; a fresh worker, once the dead
one's lease ran out, sends the host's copy alone, with the Message-ID derived from the reminder's
row. Its own module: a module's tests share a database, and the killed worker claims every row due.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from astrocal_server.clock import FixedClock
from astrocal_server.outbox.relay import OutboxRelay
from astrocal_server.reminders.plan import reminder_row_id
from astrocal_server.state import AppState
from fastapi import FastAPI

from tests.support.bookings import TUESDAY_9, booking_body, make_schedule
from tests.support.emails import (
    DOOMED_WORKER,
    kill_worker_mid_send,
    outbox_row,
    take_over_after_lease,
)
from tests.support.smtp import holding_sink

H = dict[str, str]
INVITEE = "jo@acme.com"  # booking_body's invitee
HOST = "owner@example.com"  # the account's default host
DUE_60 = TUESDAY_9 - timedelta(minutes=60)


def _reminders(sink: Any, address: str) -> list[Any]:
    return [m for m in sink.to(address) if str(m["Subject"]).startswith("Reminder:")]


async def test_a_worker_killed_while_sending_a_reminder_sends_each_copy_once(
    app: FastAPI,
    client: httpx.AsyncClient,
    live_headers: H,
    clock: FixedClock,
    db_url: str,
) -> None:
    """The worker handed the invitee's reminder to the mail relay (accepted and recorded) and was
    SIGKILLed while handing over the host's; a fresh worker, once the lease ran out, sends the
    host's copy alone."""
    state: AppState = app.state.astrocal
    schedule = await make_schedule(client, live_headers)
    r = await client.post(
        "/v1/event_types",
        headers=live_headers,
        json={
            "title": "Intro call",
            "slug": "intro-call",
            "duration_minutes": 30,
            "schedule_id": schedule,
            "reminders": [
                {"before_minutes": 60, "channels": ["email"], "to": ["invitee", "hosts"]}
            ],
        },
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        "/v1/bookings", headers=live_headers, json=booking_body(r.json()["id"], TUESDAY_9)
    )
    assert r.status_code == 201, r.text
    booking = r.json()
    relay = OutboxRelay(state)
    while await relay.run_once():  # the confirmations go to the app's own sink
        pass
    row_id = reminder_row_id(booking["id"], 60, "email", TUESDAY_9)

    with holding_sink() as (sink, holder):
        holder.should_hold = lambda envelope: HOST in envelope.rcpt_tos
        await kill_worker_mid_send(db_url, sink, holder, DUE_60)

        row = await outbox_row(state.db, row_id)
        assert row.completed_at is None and row.lease_owner == DOOMED_WORKER
        assert len(_reminders(sink, INVITEE)) == 1 and sink.to(HOST) == []

        clock.set(DUE_60)
        row = await take_over_after_lease(state, clock, row_id, sink.url)
        assert row.completed_at is not None and row.last_error is None, row.last_error
        assert row.attempts == 2
        assert len(_reminders(sink, INVITEE)) == 1
        assert len(_reminders(sink, HOST)) == 1
        assert str(_reminders(sink, HOST)[0]["Message-ID"]) == f"<{row_id}.host@astrocal.test>"
