"""Email outbox test data: payloads per the outbox contract, outbox items, an email-only state.

- ``make_payload`` / ``make_item``: an email outbox payload and (``await make_item(payload)``) the
  ``OutboxItem`` the relay would hand the handler, its row written to ``email_db``.
- ``email_db``: a migrated SQLite database, where the handler records the copies the relay accepted.
- ``email_state``: an ``AppState`` on ``email_db`` whose settings point the smtp backend at
  ``smtp_sink``; ``state_for(settings, email_db)`` is the same for any settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from astrocal_server.clock import FixedClock
from astrocal_server.config import Settings
from astrocal_server.outbox.handlers import OutboxItem
from astrocal_server.outbox.writer import enqueue
from astrocal_server.state import AppState
from astrocal_server.storage.db import Database
from astrocal_server.storage.migrate import migrate

from tests.support.databases import sqlite_url
from tests.support.smtp import Sink

CHANGED_AT = dt.datetime(2026, 4, 13, 8, 0, tzinfo=dt.UTC)
SENDER = "Astrocal <no-reply@astrocal.test>"


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


@pytest.fixture
def make_item(email_db: Database) -> MakeItem:
    async def make(payload: dict[str, Any], *, livemode: bool = True) -> OutboxItem:
        topic = f"booking.{payload['notice']}"
        booking_id = payload["booking"]["id"]
        async with email_db.write() as session:
            row_id = enqueue(
                session,
                account_id="acct_test",
                livemode=livemode,
                kind="email",
                topic=topic,
                payload=payload,
                now=CHANGED_AT,
                booking_id=booking_id,
            )
        return OutboxItem(
            id=row_id,
            account_id="acct_test",
            livemode=livemode,
            kind="email",
            topic=topic,
            booking_id=booking_id,
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
    return state_for(
        Settings(
            email_backend="smtp",
            smtp_url=smtp_sink.url,
            email_from=SENDER,
            _env_file=None,
        ),
        email_db,
    )
