"""A worker process SIGKILLed while it sends a reminder: each copy still goes out exactly once.

The killed worker handed the invitee's reminder to the mail relay (accepted, recorded in
``email_copies``) and was killed while handing over the host's; a fresh worker, once the dead
one's lease ran out, sends the host's copy alone, with the Message-ID derived from the reminder's
row. Its own module: a module's tests share a database, and the killed worker claims every row due.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
from astrocal_server.clock import FixedClock
from astrocal_server.reminders.plan import reminder_row_id
from astrocal_server.state import AppState
from fastapi import FastAPI

from tests.support.bookings import TUESDAY_9, booking_body
from tests.support.emails import (
    DOOMED_WORKER,
    kill_worker_mid_send,
    outbox_row,
    take_over_after_lease,
)
from tests.support.reminders import drain, reminder_emails, reminder_event_type
from tests.support.smtp import holding_sink

H = dict[str, str]
INVITEE = "jo@acme.com"  # booking_body's invitee
HOST = "owner@example.com"  # the account's default host
DUE_60 = TUESDAY_9 - timedelta(minutes=60)


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
    one = [{"before_minutes": 60, "channels": ["email"], "to": ["invitee", "hosts"]}]
    event_type = await reminder_event_type(client, live_headers, one)
    r = await client.post(
        "/v1/bookings", headers=live_headers, json=booking_body(event_type["id"], TUESDAY_9)
    )
    assert r.status_code == 201, r.text
    booking = r.json()
    await drain(state)  # the confirmations go to the app's own sink
    row_id = reminder_row_id(booking["id"], 60, "email", TUESDAY_9)

    with holding_sink() as (sink, holder):
        holder.should_hold = lambda envelope: HOST in envelope.rcpt_tos
        await kill_worker_mid_send(db_url, sink, holder, DUE_60)

        row = await outbox_row(state.db, row_id)
        assert row.completed_at is None and row.lease_owner == DOOMED_WORKER
        assert len(reminder_emails(sink, INVITEE)) == 1 and sink.to(HOST) == []

        clock.set(DUE_60)
        row = await take_over_after_lease(state, clock, row_id, sink.url)
        assert row.completed_at is not None and row.last_error is None, row.last_error
        assert row.attempts == 2
        assert len(reminder_emails(sink, INVITEE)) == 1
        assert len(reminder_emails(sink, HOST)) == 1
        assert str(reminder_emails(sink, HOST)[0]["Message-ID"]) == f"<{row_id}.host@astrocal.test>"
