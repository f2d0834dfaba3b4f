"""No duplicate email after a crash: each copy of an email row (invitee, host) that the SMTP relay
accepted is recorded in ``email_copies`` before the row is settled, so a run of the row after the
process died sends only the missing copies, with the Message-ID the first run would have used.
"""

from __future__ import annotations

import pytest
from astrocal_server.clock import FixedClock
from astrocal_server.config import Settings
from astrocal_server.notify.outbox import handle
from astrocal_server.outbox.relay import OutboxRelay
from astrocal_server.state import AppState
from astrocal_server.storage.db import Database
from astrocal_server.storage.models import EmailCopy, OutboxMessage
from fastapi import FastAPI
from sqlalchemy import delete, select

from tests.support.emails import (
    DOOMED_WORKER,
    SENDER,
    KilledMidSend,
    MakeItem,
    MakePayload,
    outbox_row,
    queue_email,
    state_for,
    take_over_after_lease,
)
from tests.support.smtp import Sink

INVITEE = "jo@invitee.example"
HOST = "ann@host.example"


def _message_id(row_id: str, role: str) -> str:
    return f"<{row_id}.{role}@astrocal.test>"  # SENDER's domain


async def _copies(state: AppState, row_id: str) -> dict[str, str]:
    async with state.db.read() as session:
        rows = await session.scalars(select(EmailCopy).where(EmailCopy.outbox_id == row_id))
        return {copy.role: copy.message_id for copy in rows}


@pytest.mark.parametrize("held_sink", [2], indirect=True)  # the host's copy, after the invitee's
async def test_worker_killed_between_the_copies_sends_each_copy_once(
    clock: FixedClock, killed_mid_send: KilledMidSend
) -> None:
    # The relay accepted the invitee's copy; the worker was handing over the host's when killed.
    state, sink, row_id = killed_mid_send.state, killed_mid_send.sink, killed_mid_send.row_id

    row = await outbox_row(state.db, row_id)
    assert row.completed_at is None and row.lease_owner == DOOMED_WORKER
    assert len(sink.to(INVITEE)) == 1 and sink.to(HOST) == []
    assert await _copies(state, row_id) == {"invitee": _message_id(row_id, "invitee")}

    # A fresh worker, once the dead one's lease has run out.
    row = await take_over_after_lease(state, clock, row_id, sink.url)
    assert row.completed_at is not None and row.last_error is None and row.attempts == 2

    # Exactly one message each, carrying the Message-ID of its copy.
    assert [m["Message-ID"] for m in sink.to(INVITEE)] == [_message_id(row_id, "invitee")]
    assert [m["Message-ID"] for m in sink.to(HOST)] == [_message_id(row_id, "host")]
    assert len(sink.envelopes) == 2
    assert await _copies(state, row_id) == {
        "invitee": _message_id(row_id, "invitee"),
        "host": _message_id(row_id, "host"),
    }


async def test_a_row_whose_first_copy_is_recorded_sends_only_the_second(
    app: FastAPI, clock: FixedClock, smtp_sink: Sink, make_payload: MakePayload
) -> None:
    state: AppState = app.state.astrocal
    row_id = await queue_email(state.db, make_payload(), now=clock.now())
    async with state.db.write() as session:
        session.add(
            EmailCopy(
                outbox_id=row_id,
                role="invitee",
                message_id=_message_id(row_id, "invitee"),
                accepted_at=clock.now(),
            )
        )

    assert await OutboxRelay(state).run_once() == 1
    assert (await outbox_row(state.db, row_id)).completed_at is not None
    assert smtp_sink.to(INVITEE) == []
    assert [m["Message-ID"] for m in smtp_sink.to(HOST)] == [_message_id(row_id, "host")]
    assert set(await _copies(state, row_id)) == {"invitee", "host"}


async def test_a_deferred_copy_is_the_only_one_sent_again(
    app: FastAPI, clock: FixedClock, smtp_sink: Sink, make_payload: MakePayload
) -> None:
    state: AppState = app.state.astrocal
    row_id = await queue_email(state.db, make_payload(), now=clock.now())
    smtp_sink.script(HOST, "451 4.3.0 Try again later")
    assert await OutboxRelay(state).run_once() == 1
    row = await outbox_row(state.db, row_id)
    assert row.completed_at is None and "451" in (row.last_error or "")
    assert set(await _copies(state, row_id)) == {"invitee"}  # committed before the row settled

    clock.set(row.available_at)
    assert await OutboxRelay(state).run_once() == 1  # another worker, e.g. after a restart
    assert (await outbox_row(state.db, row_id)).completed_at is not None
    assert len(smtp_sink.to(INVITEE)) == 1 and len(smtp_sink.to(HOST)) == 1


async def test_copies_go_with_their_outbox_row(
    app: FastAPI, clock: FixedClock, smtp_sink: Sink, make_payload: MakePayload
) -> None:
    state: AppState = app.state.astrocal
    row_id = await queue_email(state.db, make_payload(), now=clock.now())
    assert await OutboxRelay(state).run_once() == 1
    assert set(await _copies(state, row_id)) == {"invitee", "host"}

    async with state.db.write() as session:
        await session.execute(delete(OutboxMessage).where(OutboxMessage.id == row_id))
    assert await _copies(state, row_id) == {}


async def test_only_backends_that_deliver_record_copies(
    make_payload: MakePayload, make_item: MakeItem, email_db: Database
) -> None:
    # Printing or dropping a copy twice duplicates nothing, so those backends write no records.
    for backend, recorded in [("memory", {"invitee", "host"}), ("console", set()), ("none", set())]:
        state = state_for(
            Settings(email_backend=backend, email_from=SENDER, _env_file=None),  # type: ignore[arg-type]
            email_db,
        )
        item = await make_item(make_payload())
        await handle(item, state)
        assert set(await _copies(state, item.id)) == recorded, backend
