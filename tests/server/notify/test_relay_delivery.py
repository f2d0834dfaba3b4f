"""Email rows in a real outbox table, relayed to a real aiosmtpd server: a refusing relay gets the
email once in the end, and a worker killed mid-send loses nothing.
"""

from __future__ import annotations

from astrocal_server.clock import FixedClock
from astrocal_server.outbox.relay import OutboxRelay
from astrocal_server.state import AppState
from fastapi import FastAPI

from tests.support.emails import (
    DOOMED_WORKER,
    KilledMidSend,
    MakePayload,
    outbox_row,
    queue_email,
    take_over_after_lease,
)
from tests.support.smtp import Sink

INVITEE = "jo@invitee.example"
HOST = "ann@host.example"


async def test_refusing_relay_gets_the_email_once_in_the_end(
    app: FastAPI, clock: FixedClock, smtp_sink: Sink, make_payload: MakePayload
) -> None:
    state: AppState = app.state.astrocal
    row_id = await queue_email(state.db, make_payload(), now=clock.now())
    smtp_sink.script(INVITEE, "421 4.7.0 Try again later", times=1)
    smtp_sink.script(HOST, "452 4.2.2 Mailbox full", times=2)
    relay = OutboxRelay(state)

    assert await relay.run_once() == 1
    row = await outbox_row(state.db, row_id)
    assert row.completed_at is None and row.attempts == 1
    assert "421" in (row.last_error or "") and "452" in (row.last_error or "")
    assert row.available_at > clock.now()  # backed off, not retried in a hot loop
    assert await relay.run_once() == 0  # nothing due until the backoff has passed
    assert smtp_sink.envelopes == []

    clock.set(row.available_at)
    assert await relay.run_once() == 1  # invitee accepted now; host still full
    row = await outbox_row(state.db, row_id)
    assert row.completed_at is None and row.attempts == 2
    assert len(smtp_sink.to(INVITEE)) == 1 and smtp_sink.to(HOST) == []

    clock.set(row.available_at)
    assert await relay.run_once() == 1
    row = await outbox_row(state.db, row_id)
    assert row.completed_at is not None and row.last_error is None and row.attempts == 3
    clock.advance(hours=1)
    assert await relay.run_once() == 0
    assert len(smtp_sink.to(INVITEE)) == 1 and len(smtp_sink.to(HOST)) == 1  # exactly once each
    assert smtp_sink.to(INVITEE)[0]["Subject"].startswith("Confirmed:")


async def test_test_mode_row_completes_without_sending(
    app: FastAPI, smtp_sink: Sink, make_payload: MakePayload
) -> None:
    state: AppState = app.state.astrocal
    row_id = await queue_email(state.db, make_payload(), now=state.clock.now(), livemode=False)
    assert await OutboxRelay(state).run_once() == 1
    assert (await outbox_row(state.db, row_id)).completed_at is not None
    assert smtp_sink.envelopes == [] and smtp_sink.handler.rcpt_attempts == []


async def test_worker_killed_mid_send_loses_no_email(
    clock: FixedClock, killed_mid_send: KilledMidSend
) -> None:
    # The worker had claimed the row and was in the middle of handing the email to the relay.
    state, sink, row_id = killed_mid_send.state, killed_mid_send.sink, killed_mid_send.row_id

    row = await outbox_row(state.db, row_id)
    assert row.completed_at is None  # still owed
    assert row.lease_owner == DOOMED_WORKER and row.attempts == 1
    assert sink.envelopes == []

    # A fresh worker on the same database and SMTP relay, once the dead worker's lease ran out.
    row = await take_over_after_lease(state, clock, row_id, sink.url)
    assert row.completed_at is not None and row.attempts == 2, row.last_error
    assert len(sink.to(INVITEE)) == 1 and len(sink.to(HOST)) == 1
