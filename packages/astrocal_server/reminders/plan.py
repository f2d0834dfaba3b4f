"""Planning a booking's reminders: outbox rows written in the transaction of the booking's change.

One row (``kind = "reminder"``, topic ``booking.reminder``) per (reminder, channel) of the event
type, available at ``start − before_minutes``; an instant not after the change's ``now`` is not
planned (a booking made 30 minutes ahead gets no 60-minute reminder). ``email`` rows are planned in
live mode only, as the booking emails are. Payload: ``{"before_minutes", "channel", "to", "start",
"scheduled_for"}`` (times RFC 3339 UTC with ``Z``): the reminder as the event type had it when the
row was planned, and the start it was planned for.

Invariants:

- Reminder rows carry the booking id but no ``booking_seq``: they take no part in the booking's
  order (``outbox/relay.py``), so a cancel email never waits for a reminder due next week, and a
  reminder never waits for a failing calendar write.
- A row's id is derived from (booking, before_minutes, channel, start) (:func:`reminder_row_id`),
  so there is at most one row per booking, reminder, channel and start, ever: planning a row that
  exists (a booking moved away and back to a start whose reminder already went out) adds nothing.
  The senders key their own records on the row id — the email copies (``email_copies``, per
  recipient role, and the Message-ID) and the webhook event id — so that is also what makes a
  reminder go out once per booking, reminder and start however often the relay runs the row.
- Created: plan. Rescheduled: drop the booking's unfinished reminder rows that are not in the new
  plan, then plan. Cancelled: drop the unfinished reminder rows. All in the change's transaction,
  which holds the booking's row lock (or creates the booking). A finished row is never dropped:
  it is the record that its reminder went out. The sender re-reads the booking anyway and sends
  nothing for a cancelled booking or a moved start (``reminders/send.py``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from astrocal_server.outbox.writer import BookingChange, OutboxSession, enqueue
from astrocal_server.serialize.common import format_datetime
from astrocal_server.storage.models import Booking, EventType, OutboxMessage

__all__ = [
    "KIND",
    "TOPIC",
    "enqueue_planned",
    "plan_reminders",
    "planned_for",
    "planned_rows",
    "reminder_row_id",
]

KIND: Final = "reminder"
TOPIC = "booking.reminder"
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def reminder_row_id(booking_id: str, before_minutes: int, channel: str, start: datetime) -> str:
    """``ob_…`` derived from what makes a reminder the same one: 20 base-36 characters of a
    SHA-256 (like :func:`astrocal_server.ids.new_id`'s ~103 bits)."""
    key = f"reminder|{booking_id}|{before_minutes}|{channel}|{format_datetime(start)}"
    number = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:16], "big")
    chars = []
    for _ in range(20):
        number, digit = divmod(number, 36)
        chars.append(_ALPHABET[digit])
    return "ob_" + "".join(chars)


def planned_rows(
    reminders: list[dict[str, Any]],
    *,
    booking_id: str,
    start: datetime,
    livemode: bool,
    now: datetime,
) -> dict[str, tuple[datetime, dict[str, Any]]]:
    """Row id → (due instant, payload) for each reminder row owed at ``now`` (pure)."""
    out: dict[str, tuple[datetime, dict[str, Any]]] = {}
    for reminder in reminders:
        before = int(reminder["before_minutes"])
        due = start - timedelta(minutes=before)
        if due <= now:
            continue  # already past when the booking was made or moved: never sent
        for channel in reminder["channels"]:
            if channel == "email" and not livemode:
                continue  # test mode sends no email, by contract
            payload = {
                "before_minutes": before,
                "channel": channel,
                "to": list(reminder["to"]),
                "start": format_datetime(start),
                "scheduled_for": format_datetime(due),
            }
            out[reminder_row_id(booking_id, before, channel, start)] = (due, payload)
    return out


def planned_for(
    event_type: EventType, booking: Booking, now: datetime
) -> dict[str, tuple[datetime, dict[str, Any]]]:
    """:func:`planned_rows` of ``event_type``'s reminders for ``booking``'s start and mode."""
    return planned_rows(
        list(event_type.reminders or []),
        booking_id=booking.id,
        start=booking.start_at,
        livemode=booking.livemode,
        now=now,
    )


async def plan_reminders(
    session: AsyncSession,
    *,
    change: BookingChange,
    booking: Booking,
    event_type: EventType,
    now: datetime,
) -> None:
    """Bring the booking's reminder rows in line with ``change`` (see the module docstring)."""
    if change == "updated":
        return  # same start: the rows stand, and the sender reads the booking as it is then
    planned: dict[str, tuple[datetime, dict[str, Any]]] = {}
    if change != "cancelled" and booking.status != "cancelled":
        planned = planned_for(event_type, booking, now)
    if change != "created":
        await session.execute(
            delete(OutboxMessage)
            .where(
                OutboxMessage.booking_id == booking.id,
                OutboxMessage.kind == KIND,
                OutboxMessage.completed_at.is_(None),
                OutboxMessage.id.not_in(list(planned)),
            )
            .execution_options(synchronize_session=False)
        )
        if planned:
            existing = set(
                (
                    await session.scalars(
                        select(OutboxMessage.id).where(OutboxMessage.id.in_(list(planned)))
                    )
                ).all()
            )
            planned = {k: v for k, v in planned.items() if k not in existing}
    enqueue_planned(session, booking, planned, now)


def enqueue_planned(
    target: OutboxSession,
    booking: Booking,
    planned: dict[str, tuple[datetime, dict[str, Any]]],
    now: datetime,
) -> None:
    """Add the ``planned`` reminder rows (:func:`planned_rows`) of ``booking`` to ``target``: a
    session, or the rows a direct writer collects. Outside the booking's order: a reminder
    neither waits for nor holds up its other rows."""
    for row_id, (due, payload) in planned.items():
        enqueue(
            target,
            account_id=booking.account_id,
            livemode=booking.livemode,
            kind=KIND,
            topic=TOPIC,
            payload=payload,
            now=now,
            booking_id=booking.id,
            available_at=due,
            row_id=row_id,
            ordered=False,
        )
