"""Email outbox test data: payloads per the outbox contract, outbox items, an email-only state.

- ``make_payload`` / ``make_item``: an email outbox payload and (``await make_item(payload)``) the
  ``OutboxItem`` the relay would hand the handler, its row written to ``email_db``.
- ``composed(payload)``: the emails the payload's notice owes, by copy role, read back from their
  bytes as a receiving client would see them.
- ``mime_tree(message)``: its parts' content types, indented by depth; ``INVITE_MIME_TREE`` is the
  layout every booking email has.
- ``composed(payload)``: the notice's emails by copy role, round-tripped through bytes as a
  client reads them; ``only_part(message, content_type)``: its one part of that type.
- ``queue_email(db, payload, now=...)`` / ``outbox_row(db, id)``: commit an email outbox row, read
  one back.
- ``email_db``: a migrated SQLite database, where the handler records the copies the relay accepted.
- ``email_state``: an ``AppState`` on ``email_db`` whose settings point the smtp backend at
  ``smtp_sink``; ``state_for(settings, email_db)`` is the same for any settings.
- ``smtp_fields(sink)``: the settings fields that send email through the smtp backend to ``sink``.
- ``berlin_event_type(client, headers, **fields)`` / ``book_jo(client, headers, event_type_id)``:
  through the API, ``Intro call`` on Berlin weekdays, and Jo Smith (``INVITEE``) booked on it
  on Wednesday 2026-04-15 10:00 Berlin; ``OWNER`` is the account's (and its default host's) address.
- ``kill_worker_mid_send(db_url, sink, holder, at)``: a relay pass in a separate process (emails
  through the smtp backend, clock pinned at ``at``, lease owner ``doomed-worker``), SIGKILLed while
  the holding sink holds its DATA; the ``killed_mid_send`` fixture is that for an email row queued on
  the app's database (``.state``, ``.sink``, ``.row_id``); ``take_over_after_lease(state, clock, row_id, smtp_url)``: a fresh
  in-process worker that finds the row only once the dead worker's lease has run out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import sys
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from astrocal_server.clock import FixedClock
from astrocal_server.config import Settings
from astrocal_server.notify.message import compose
from astrocal_server.notify.notice import parse_notice
from astrocal_server.outbox.handlers import OutboxItem
from astrocal_server.outbox.relay import OutboxRelay
from astrocal_server.outbox.writer import enqueue
from astrocal_server.state import AppState
from astrocal_server.storage.db import Database
from astrocal_server.storage.migrate import migrate
from astrocal_server.storage.models import OutboxMessage
from fastapi import FastAPI
from sqlalchemy import select

from tests.support.bookings import create_event_type, make_schedule
from tests.support.databases import sqlite_url
from tests.support.smtp import HoldingSink, Sink, kill_when_held

CHANGED_AT = dt.datetime(2026, 4, 13, 8, 0, tzinfo=dt.UTC)
SENDER = "Astrocal <no-reply@astrocal.test>"
INVITEE = "jo@invitee.example"
OWNER = "owner@example.com"  # make_account's email (tests/support/app.py)


def smtp_fields(sink: Sink) -> dict[str, Any]:
    """The settings that send the app's email through the smtp backend to ``sink``, from ``SENDER``."""
    return {"email_backend": "smtp", "smtp_url": sink.url, "email_from": SENDER}


async def berlin_event_type(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    """``Intro call`` (30 minutes) on a Mon–Fri 09:00–17:00 Europe/Berlin schedule, with ``fields``."""
    schedule = await make_schedule(client, headers, name="Weekdays", time_zone="Europe/Berlin")
    body = {"title": "Intro call", "slug": "intro-call", "duration_minutes": 30, **fields}
    return await create_event_type(client, headers, schedule_id=schedule, **body)


async def book_jo(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    event_type_id: str,
    *,
    extra: dict[str, Any] | None = None,
    **invitee: str,
) -> dict[str, Any]:
    """Book Jo Smith (``INVITEE``, with ``invitee``'s fields) on Wednesday 2026-04-15 10:00 Berlin,
    the body with ``extra`` (notes, answers); returns the booking."""
    body = {
        "event_type_id": event_type_id,
        "start": "2026-04-15T08:00:00Z",
        "invitee": {"name": "Jo Smith", "email": INVITEE, **invitee},
        **(extra or {}),
    }
    r = await client.post("/v1/bookings", headers=headers, json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


# A reschedule's times: from Wednesday 14:00 UTC to Thursday 09:00 UTC.
MOVED = {
    "start": "2026-04-16T09:00:00Z",
    "end": "2026-04-16T09:30:00Z",
    "previous_start": "2026-04-15T14:00:00Z",
    "previous_end": "2026-04-15T14:30:00Z",
}
# The MIME layout of every booking email: text and HTML alternatives with the calendar part
# inline, and the same invite again as an .ics attachment.
INVITE_MIME_TREE = [
    "multipart/mixed",
    "  multipart/alternative",
    "    text/plain",
    "    text/html",
    "    text/calendar",
    "  application/ics",
]


def mime_tree(message: EmailMessage) -> list[str]:
    """The message's parts, one content type a line, indented two spaces a level."""
    out: list[str] = []

    def walk(part: EmailMessage, depth: int) -> None:
        out.append("  " * depth + part.get_content_type())
        if part.is_multipart():
            for child in part.iter_parts():
                walk(child, depth + 1)  # type: ignore[arg-type]

    walk(message, 0)
    return out


def composed(payload: dict[str, Any]) -> dict[str, EmailMessage]:
    """``compose`` for ``payload``, each message parsed back from its bytes (as a receiving client
    sees it), by copy role."""
    messages = compose(parse_notice(payload), sender=SENDER, stamp=CHANGED_AT, message_key="ob_abc")
    return {
        role: email.message_from_bytes(m.as_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for role, m in messages
    }


def only_part(message: EmailMessage, content_type: str) -> EmailMessage:
    parts = [p for p in message.walk() if p.get_content_type() == content_type]
    assert len(parts) == 1, content_type
    return parts[0]  # type: ignore[return-value]


MakePayload = Callable[..., dict[str, Any]]


@pytest.fixture
def make_payload() -> MakePayload:
    def make(
        notice: str = "created",
        *,
        sequence: int = 0,
        booking_id: str = "bk_0123456789abcdefghij",
        start: str = "2026-04-15T14:00:00Z",
        end: str = "2026-04-15T14:30:00Z",
        invitee: dict[str, Any] | None = None,
        guests: list[str] | None = None,
        notes: str | None = "Looking forward to it.",
        host_email: str | None = "ann@host.example",
        **booking_extra: Any,
    ) -> dict[str, Any]:
        booking: dict[str, Any] = {
            "id": booking_id,
            "status": "cancelled" if notice == "cancelled" else "confirmed",
            "event_type_id": "evt_intro",
            "start": start,
            "end": end,
            "invitee": invitee
            or {"name": "Jo Smith", "email": "jo@invitee.example", "time_zone": "Europe/London"},
            "guests": guests or [],
            "metadata": {},
            "location": {"type": "video", "value": "https://meet.example/abc"},
            "livemode": True,
            "created_at": "2026-04-13T08:00:00Z",
            "updated_at": "2026-04-13T08:00:00Z",
        }
        if notes is not None:
            booking["notes"] = notes
        booking.update(booking_extra)
        return {
            "notice": notice,
            "booking": booking,
            "sequence": sequence,
            "event_type": {
                "id": "evt_intro",
                "title": "Intro call",
                "description": "A first 30-minute chat.",
                "location": {"type": "video", "value": "https://meet.example/abc"},
            },
            "host": {"name": "Ann Host", "email": host_email, "time_zone": "Europe/Berlin"},
        }

    return make


MakeItem = Callable[..., Awaitable[OutboxItem]]


@pytest.fixture
async def email_db(tmp_path: Path) -> AsyncIterator[Database]:
    url = sqlite_url(tmp_path)
    await migrate(url)
    db = Database(url)
    try:
        yield db
    finally:
        await db.dispose()


async def queue_email(
    db: Database, payload: dict[str, Any], *, now: dt.datetime, livemode: bool = True
) -> str:
    """Commit an email outbox row owing ``payload`` (account ``acct_mail``); returns its id."""
    async with db.write() as session:
        return enqueue(
            session,
            account_id="acct_mail",
            livemode=livemode,
            kind="email",
            topic=f"booking.{payload['notice']}",
            payload=payload,
            now=now,
            booking_id=payload["booking"]["id"],
        )


async def outbox_row(db: Database, row_id: str) -> OutboxMessage:
    async with db.read() as session:
        return (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.id == row_id))
        ).one()


@pytest.fixture
def make_item(email_db: Database) -> MakeItem:
    async def make(payload: dict[str, Any], *, livemode: bool = True) -> OutboxItem:
        row_id = await queue_email(email_db, payload, now=CHANGED_AT, livemode=livemode)
        return OutboxItem(
            id=row_id,
            account_id="acct_mail",
            livemode=livemode,
            kind="email",
            topic=f"booking.{payload['notice']}",
            booking_id=payload["booking"]["id"],
            payload=payload,
            created_at=CHANGED_AT,
            attempts=0,
        )

    return make


def state_for(settings: Settings, db: Database | None = None) -> AppState:
    """An AppState for calling the email handler directly (settings, services and ``db``, where it
    records accepted copies; settings-only checks may leave it out)."""
    return AppState(
        settings=settings,
        db=db,  # type: ignore[arg-type]
        clock=FixedClock(CHANGED_AT),
        busy_source=None,  # type: ignore[arg-type]
    )


@pytest.fixture
def email_state(smtp_sink: Sink, email_db: Database) -> AppState:
    return state_for(Settings(**smtp_fields(smtp_sink), _env_file=None), email_db)


_RELAY_WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from datetime import datetime
    from astrocal_server.availability import NoExternalBusy
    from astrocal_server.clock import FixedClock
    from astrocal_server.config import Settings
    from astrocal_server.outbox.relay import OutboxRelay
    from astrocal_server.state import AppState
    from astrocal_server.storage.db import Database

    async def main(db_url, smtp_url, sender, at, owner, passes="1"):
        settings = Settings(database_url=db_url, email_backend="smtp", smtp_url=smtp_url,
                            email_from=sender, run_relay=False, _env_file=None)
        state = AppState(settings=settings, db=Database(db_url),
                         clock=FixedClock(datetime.fromisoformat(at)), busy_source=NoExternalBusy())
        print("claiming", flush=True)
        for _ in range(int(passes)):
            await OutboxRelay(state, owner=owner).run_once()
        print("finished", flush=True)

    asyncio.run(main(*sys.argv[1:]))
    """
)


DOOMED_WORKER = "doomed-worker"


async def kill_worker_mid_send(
    db_url: str, sink: Sink, holder: HoldingSink, at: dt.datetime, *, passes: int = 1
) -> None:
    """Run ``passes`` relay passes as ``DOOMED_WORKER`` in a new process (a later pass claims the
    rows an earlier one wrote); SIGKILL it (no cleanup, nothing recorded from then on) once
    ``holder`` holds the DATA it is waiting for, then release that."""
    argv = [sys.executable, "-c", _RELAY_WORKER, db_url, sink.url, SENDER, at.isoformat()]
    argv += [DOOMED_WORKER, str(passes)]
    assert b"finished" not in await kill_when_held(argv, holder)
    holder.release.set()


@dataclasses.dataclass(frozen=True)
class KilledMidSend:
    state: AppState
    sink: Sink
    row_id: str


@pytest.fixture
async def killed_mid_send(
    app: FastAPI,
    clock: FixedClock,
    db_url: str,
    held_sink: tuple[Sink, HoldingSink],
    make_payload: MakePayload,
) -> KilledMidSend:
    """An email row queued on the app's database, then ``kill_worker_mid_send`` on it: the
    worker is SIGKILLed while ``held_sink`` holds its DATA (which one: parametrise ``held_sink``)."""
    sink, holder = held_sink
    state: AppState = app.state.astrocal
    row_id = await queue_email(state.db, make_payload(), now=clock.now())
    await kill_worker_mid_send(db_url, sink, holder, clock.now())
    return KilledMidSend(state, sink, row_id)


async def take_over_after_lease(
    state: AppState, clock: FixedClock, row_id: str, smtp_url: str
) -> OutboxMessage:
    """A fresh worker on ``smtp_url``: nothing to claim while the dead worker's lease stands, the
    row once it has run out (the clock is moved just past it). Returns the row afterwards."""
    state = dataclasses.replace(state, settings=state.settings.with_overrides(smtp_url=smtp_url))
    relay = OutboxRelay(state)
    assert await relay.run_once() == 0
    lease_expires_at = (await outbox_row(state.db, row_id)).lease_expires_at
    assert lease_expires_at is not None
    clock.set(lease_expires_at + dt.timedelta(seconds=1))
    assert await relay.run_once() == 1
    return await outbox_row(state.db, row_id)
