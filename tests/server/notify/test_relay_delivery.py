"""Email rows in a real outbox table, relayed to a real aiosmtpd server: a refusing relay gets the
email once in the end, and a worker killed mid-send loses nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from astrocal_server.clock import FixedClock
from astrocal_server.outbox.relay import OutboxRelay
from astrocal_server.outbox.writer import enqueue
from astrocal_server.state import AppState
from astrocal_server.storage.models import OutboxMessage
from fastapi import FastAPI
from sqlalchemy import select

from tests.support.emails import SENDER, MakePayload
from tests.support.smtp import Sink, SinkHandler, start_sink

INVITEE = "jo@invitee.example"
HOST = "ann@host.example"


async def _queue(state: AppState, payload: dict[str, Any]) -> str:
    async with state.db.write() as session:
        return enqueue(
            session,
            account_id="acct_mail",
            livemode=True,
            kind="email",
            topic=f"booking.{payload['notice']}",
            payload=payload,
            now=state.clock.now(),
            booking_id=payload["booking"]["id"],
        )


async def _row(state: AppState, row_id: str) -> OutboxMessage:
    async with state.db.read() as session:
        return (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.id == row_id))
        ).one()


async def test_refusing_relay_gets_the_email_once_in_the_end(
    app: FastAPI, clock: FixedClock, smtp_sink: Sink, make_payload: MakePayload
) -> None:
    state: AppState = app.state.astrocal
    row_id = await _queue(state, make_payload())
    smtp_sink.script(INVITEE, "421 4.7.0 Try again later", times=1)
    smtp_sink.script(HOST, "452 4.2.2 Mailbox full", times=2)
    relay = OutboxRelay(state)

    assert await relay.run_once() == 1
    row = await _row(state, row_id)
    assert row.completed_at is None and row.attempts == 1
    assert "421" in (row.last_error or "") and "452" in (row.last_error or "")
    assert row.available_at > clock.now()  # backed off, not retried in a hot loop
    assert await relay.run_once() == 0  # nothing due until the backoff has passed
    assert smtp_sink.envelopes == []

    clock.set(row.available_at)
    assert await relay.run_once() == 1  # invitee accepted now; host still full
    row = await _row(state, row_id)
    assert row.completed_at is None and row.attempts == 2
    assert len(smtp_sink.to(INVITEE)) == 1 and smtp_sink.to(HOST) == []

    clock.set(row.available_at)
    assert await relay.run_once() == 1
    row = await _row(state, row_id)
    assert row.completed_at is not None and row.last_error is None and row.attempts == 3
    clock.advance(hours=1)
    assert await relay.run_once() == 0
    assert len(smtp_sink.to(INVITEE)) == 1 and len(smtp_sink.to(HOST)) == 1  # exactly once each
    assert smtp_sink.to(INVITEE)[0]["Subject"].startswith("Confirmed:")


async def test_test_mode_row_completes_without_sending(
    app: FastAPI, smtp_sink: Sink, make_payload: MakePayload
) -> None:
    state: AppState = app.state.astrocal
    async with state.db.write() as session:
        row_id = enqueue(
            session,
            account_id="acct_mail",
            livemode=False,
            kind="email",
            topic="booking.created",
            payload=make_payload(),
            now=state.clock.now(),
        )
    assert await OutboxRelay(state).run_once() == 1
    assert (await _row(state, row_id)).completed_at is not None
    assert smtp_sink.envelopes == [] and smtp_sink.handler.rcpt_attempts == []


class HoldingSink:
    """An aiosmtpd handler that holds the first DATA (never answering it) until released."""

    def __init__(self, inner: SinkHandler) -> None:
        self.inner = inner
        self.data_arrived = threading.Event()
        self.release = threading.Event()
        self._held = False

    async def handle_RCPT(self, *args: Any) -> str:
        return await self.inner.handle_RCPT(*args)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self._held:
            self._held = True
            self.data_arrived.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
            return "421 4.3.0 Client went away"  # never reaches the killed client; not delivered
        return await self.inner.handle_DATA(server, session, envelope)


@pytest.fixture
def holding_sink() -> Iterator[tuple[Sink, HoldingSink]]:
    holders: list[HoldingSink] = []

    def front(inner: SinkHandler) -> HoldingSink:
        holders.append(HoldingSink(inner))
        return holders[0]

    controller, sink = start_sink(front)
    try:
        yield sink, holders[0]
    finally:
        holders[0].release.set()
        controller.stop()


_WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from datetime import datetime
    from astrocal_server.availability import NoExternalBusy
    from astrocal_server.clock import FixedClock
    from astrocal_server.config import Settings
    from astrocal_server.outbox.relay import OutboxRelay
    from astrocal_server.state import AppState
    from astrocal_server.storage.db import Database

    async def main(db_url, smtp_url, sender, at):
        settings = Settings(database_url=db_url, email_backend="smtp", smtp_url=smtp_url,
                            email_from=sender, run_relay=False, _env_file=None)
        state = AppState(settings=settings, db=Database(db_url),
                         clock=FixedClock(datetime.fromisoformat(at)), busy_source=NoExternalBusy())
        print("claiming", flush=True)
        await OutboxRelay(state, owner="doomed-worker").run_once()
        print("finished", flush=True)

    asyncio.run(main(*sys.argv[1:]))
    """
)


async def test_worker_killed_mid_send_loses_no_email(
    app: FastAPI,
    clock: FixedClock,
    db_url: str,
    holding_sink: tuple[Sink, HoldingSink],
    make_payload: MakePayload,
) -> None:
    sink, holder = holding_sink
    state: AppState = app.state.astrocal
    row_id = await _queue(state, make_payload())

    env = {k: v for k, v in os.environ.items() if not k.startswith("ASTROCAL_")}
    worker = subprocess.Popen(  # noqa: ASYNC220 - killed below, never awaited for long
        [sys.executable, "-c", _WORKER, db_url, sink.url, SENDER, clock.now().isoformat()],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        # The worker has claimed the row and is in the middle of handing the email to the relay.
        arrived = await asyncio.to_thread(holder.data_arrived.wait, 60)
        assert arrived, worker.stderr.read().decode() if worker.poll() is not None else "no DATA"
        worker.kill()  # SIGKILL: no cleanup, no chance to record anything
        await asyncio.to_thread(worker.wait, 30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert b"finished" not in (worker.stdout.read() if worker.stdout else b"")
    holder.release.set()

    row = await _row(state, row_id)
    assert row.completed_at is None  # still owed
    assert row.lease_owner == "doomed-worker" and row.attempts == 1
    assert sink.envelopes == []

    # A fresh worker on the same database and SMTP relay.
    state = dataclasses.replace(state, settings=state.settings.with_overrides(smtp_url=sink.url))
    relay = OutboxRelay(state)
    assert await relay.run_once() == 0  # the dead worker's lease still stands
    assert row.lease_expires_at is not None
    clock.set(row.lease_expires_at + timedelta(seconds=1))
    assert await relay.run_once() == 1  # the lease ran out: another worker takes the row
    row = await _row(state, row_id)
    assert row.completed_at is not None and row.attempts == 2, row.last_error
    assert len(sink.to(INVITEE)) == 1 and len(sink.to(HOST)) == 1
