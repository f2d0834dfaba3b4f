"""Writing outbox rows: the side effects a change owes, added to the caller's own transaction.

Nothing here commits. The rows become visible to the relay exactly when the caller's transaction
commits, and vanish with it when it rolls back — which is the whole point of the outbox.

The rows of one booking are numbered ``booking_seq`` = 1, 2, … in the order they were written: in
``enqueue`` call order within a transaction (several rows share one clock reading, so time cannot
order them), after every row of earlier transactions. The number is taken when the session flushes
(highest number so far + 1; a booking created in this transaction has no earlier rows, so its
numbering needs no query); that is race-free because every transaction that writes a booking's
rows holds the booking's row lock (``SELECT … FOR UPDATE``) or creates the booking, and SQLite
serialises all writes. The unique index on ``(booking_id, booking_seq)`` turns a writer that broke
this rule into a failed transaction rather than an ambiguous order.

Payloads follow the cross-area contract (times RFC 3339 UTC with ``Z``):

- ``webhook``: ``{"type", "timestamp", "livemode", "data"}`` for live and test objects alike;
  the row id (``ob_…``) is the event id.
- ``email``: live mode only; ``{"notice", "booking", "sequence", "event_type", "host", "hosts"}``:
  ``hosts`` is every host of the booking in position order (``{"id", "name", "email",
  "time_zone"}``), each of whom gets the host copy; ``host`` is the first of them (rows written
  before bookings had several hosts carry only ``host``).
- ``calendar``: live mode only; one row per destination calendar (see :func:`destinations`):
  ``{"action", "booking", "event_type", "destination"}``, plus ``"follow_up": true`` on a row
  the write-back left behind the email to finish its work (``calendars/writeback.py``).

A booking whose location is a per-booking room (``google_meet``, ``microsoft_teams``) has its
calendar rows written *before* its confirmation email, so the email runs once the write-back
has made the room (or given up waiting for it, see ``calendars/writeback.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from astrocal_server.ids import new_id
from astrocal_server.locations import room_kind
from astrocal_server.serialize.hosts import host_summary
from astrocal_server.storage.models import Account, EventType, Host, OutboxMessage
from astrocal_server.webhooks.events import event_payload

__all__ = [
    "BookingChange",
    "CollectedRows",
    "OutboxSession",
    "destinations",
    "enqueue",
    "enqueue_booking_change",
    "enqueue_webhook_event",
    "event_type_summary",
    "host_summary",
]

Kind = Literal["webhook", "email", "calendar", "hold", "reminder"]
BookingChange = Literal["created", "updated", "rescheduled", "cancelled"]

# What each booking change owes besides its webhook event.
_EMAIL_NOTICE: dict[str, str] = {
    "created": "created",
    "rescheduled": "rescheduled",
    "cancelled": "cancelled",
}
_CALENDAR_ACTION: dict[str, str] = {
    "created": "create",
    "updated": "update",
    "rescheduled": "update",
    "cancelled": "delete",
}


class OutboxSession(Protocol):
    """Where :func:`enqueue` adds rows: the caller's ``AsyncSession``, or :class:`CollectedRows`."""

    @property
    def info(self) -> dict[Any, Any]: ...

    def add(self, instance: object) -> None: ...


def enqueue(
    session: OutboxSession,
    *,
    account_id: str,
    livemode: bool,
    kind: Kind,
    topic: str,
    payload: dict[str, Any],
    now: datetime,
    booking_id: str | None = None,
    available_at: datetime | None = None,
    row_id: str | None = None,
    ordered: bool = True,
) -> str:
    """Add one outbox row to ``session`` (flushed with the caller's transaction); returns its id.

    ``available_at`` (default ``now``) holds the row back until then. A booking's row is numbered
    into its booking's order unless ``ordered`` is false: such a row (a reminder due next week)
    carries the booking id but no ``booking_seq``, so it neither waits for nor holds up the
    booking's other rows (``outbox/relay.py``). ``row_id`` is for rows whose id must be stable.
    """
    row_id = row_id or new_id("ob")
    values = {
        "id": row_id,
        "account_id": account_id,
        "livemode": livemode,
        "kind": kind,
        "topic": topic,
        "booking_id": booking_id,
        "booking_seq": None,
        "payload": payload,
        "created_at": now,
        "available_at": available_at or now,
        "attempts": 0,
        "lease_owner": None,
        "lease_expires_at": None,
        "completed_at": None,
        "last_error": None,
    }
    numbered = booking_id is not None and ordered
    if isinstance(session, CollectedRows):  # plain column values: no ORM instance to build
        session.collect(values, numbered=numbered)
        return row_id
    row = OutboxMessage(**values)
    session.add(row)
    if numbered:
        session.info.setdefault(_UNNUMBERED, []).append(row)
    return row_id


# The session's booking rows awaiting their ``booking_seq``, in the order they were enqueued.
_UNNUMBERED = "astrocal_outbox_unnumbered"
# Bookings created in the session's transaction: none of their rows exist yet.
_CREATED = "astrocal_outbox_created_bookings"


@event.listens_for(Session, "before_flush")
def _number_booking_rows(session: Session, _context: object, _instances: object) -> None:
    rows: list[OutboxMessage] = session.info.pop(_UNNUMBERED, [])
    rows = [r for r in rows if r.booking_seq is None and r in session.new]
    if not rows:
        return
    created: set[str] = session.info.pop(_CREATED, set())
    booking_ids = {r.booking_id for r in rows} - created
    last: dict[str | None, int] = {}
    if booking_ids:
        with session.no_autoflush:
            last = {
                booking_id: seq or 0
                for booking_id, seq in session.execute(
                    select(OutboxMessage.booking_id, func.max(OutboxMessage.booking_seq))
                    .where(OutboxMessage.booking_id.in_(booking_ids))
                    .group_by(OutboxMessage.booking_id)
                ).all()
            }
    for row in rows:
        last[row.booking_id] = last.get(row.booking_id, 0) + 1
        row.booking_seq = last[row.booking_id]


def enqueue_webhook_event(
    session: OutboxSession,
    *,
    account_id: str,
    livemode: bool,
    topic: str,
    data: dict[str, Any],
    now: datetime,
    booking_id: str | None = None,
) -> str:
    """A webhook event (``booking.*``, ``calendar_connection.error``) with ``data`` as its object."""
    return enqueue(
        session,
        account_id=account_id,
        livemode=livemode,
        kind="webhook",
        topic=topic,
        payload=event_payload(topic, data, livemode=livemode, now=now),
        now=now,
        booking_id=booking_id,
    )


def event_type_summary(event_type: EventType) -> dict[str, Any]:
    return {
        "id": event_type.id,
        "title": event_type.title,
        "description": event_type.description,
        "location": event_type.location,
    }


def destinations(event_type: EventType, hosts: Sequence[Host]) -> list[dict[str, Any]]:
    """The calendars a booking's event is written to: each host's destination calendar, except
    that an event type's own ``destination_calendar`` wins for the default host of an event type
    without ``hosts`` (as before hosts existed), and is written besides the hosts' for a team.

    The provider's event id is kept per connection (``bookings.external_events``), so one
    connection takes one calendar: the first destination named on it.
    """
    own = [dict(h.destination_calendar) for h in hosts if h.destination_calendar]
    chosen = dict(event_type.destination_calendar) if event_type.destination_calendar else None
    if chosen is None:
        candidates = own
    elif event_type.hosts:
        candidates = [chosen, *own]
    else:
        candidates = [chosen]
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for destination in candidates:
        connection_id = str(destination.get("connection_id") or "")
        if connection_id not in seen:
            seen.add(connection_id)
            out.append(destination)
    return out


def enqueue_booking_change(
    session: OutboxSession,
    *,
    change: BookingChange,
    booking: dict[str, Any],
    sequence: int,
    event_type: EventType,
    account: Account,
    hosts: Sequence[Host],
    now: datetime,
    notice: str | None = None,
    write_calendars: bool = True,
) -> list[str]:
    """Every row one booking change owes: its webhook event, the emails (invitee and hosts), the
    calendar write-backs. ``booking`` is the API object after the change; ``sequence`` its ICS
    sequence; ``hosts`` the booking's host rows in position order (at least one); ``notice`` the
    email to send when it is not the change's own (an ``updated`` booking sends none by default);
    ``write_calendars=False`` leaves the calendars alone (they read the change when they run)."""
    livemode = bool(booking["livemode"])
    booking_id = str(booking["id"])
    if change == "created":
        session.info.setdefault(_CREATED, set()).add(booking_id)
    common: dict[str, Any] = {
        "account_id": account.id,
        "livemode": livemode,
        "now": now,
        "booking_id": booking_id,
    }
    topic = f"booking.{change}"
    ids = [enqueue_webhook_event(session, topic=topic, data=booking, **common)]
    if not livemode:
        return ids  # test mode: no email is sent and no external calendar is written
    summary = event_type_summary(event_type)
    notice = notice or _EMAIL_NOTICE.get(change)
    rows: list[tuple[Kind, dict[str, Any]]] = []
    if notice is not None:
        email = {
            "notice": notice,
            "booking": booking,
            "sequence": sequence,
            "event_type": summary,
            "host": host_summary(hosts[0]),
            "hosts": [host_summary(h) for h in hosts],
        }
        rows.append(("email", email))
    calendar_rows: list[tuple[Kind, dict[str, Any]]] = [
        (
            "calendar",
            {
                "action": _CALENDAR_ACTION[change],
                "booking": booking,
                "event_type": summary,
                "destination": destination,
            },
        )
        for destination in (destinations(event_type, hosts) if write_calendars else [])
    ]
    if room_kind(booking.get("location")) and change == "created":
        rows = calendar_rows + rows  # the room first: the confirmation carries its link
    else:
        rows += calendar_rows
    for kind, payload in rows:
        ids.append(enqueue(session, kind=kind, topic=topic, payload=payload, **common))
    return ids


class CollectedRows:
    """An :class:`OutboxSession` that keeps the rows instead of flushing them, for a writer that
    inserts them itself in its transaction (``bookings/write.py``): :func:`enqueue` hands it each
    row's column values (every column of ``outbox``, in the table's order: no ORM instance is
    built), and :meth:`values` gives them back numbered as the flush numbers them. Only rows of
    bookings created in that transaction can be numbered without a query, so only those may be
    collected ordered."""

    def __init__(self) -> None:
        self.info: dict[Any, Any] = {}
        self._rows: list[dict[str, Any]] = []
        self._numbered: list[dict[str, Any]] = []

    def add(self, instance: object) -> None:
        raise TypeError(
            "CollectedRows keeps column values: enqueue rows with outbox.writer.enqueue"
        )

    def collect(self, values: dict[str, Any], *, numbered: bool) -> None:
        """Keep one row's column values; ``numbered``: it takes its booking's next ``booking_seq``."""
        self._rows.append(values)
        if numbered:
            self._numbered.append(values)

    def values(self) -> list[dict[str, Any]]:
        """Every row collected, in order, as ``{column: value}`` (ready for ``insert(outbox)``)."""
        created: set[str] = self.info.pop(_CREATED, set())
        last: dict[str | None, int] = {}
        for row in self._numbered:
            booking_id = row["booking_id"]
            if booking_id not in created:
                raise ValueError(f"outbox rows of booking {booking_id} need a flush to number")
            row["booking_seq"] = last[booking_id] = last.get(booking_id, 0) + 1
        self._numbered = []
        return self._rows
