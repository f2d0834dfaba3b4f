"""The outbox consumer for ``kind = "reminder"``: send one planned reminder, once.

The row (``reminders/plan.py``) names a reminder and a channel and the start it was planned for.
At send time the booking is read again: a cancelled booking, or one whose start is no longer the
planned one (a stale row), gets nothing, and the row completes. Otherwise the reminder goes out
with the booking as it is now:

- ``webhook``: a ``booking.reminder`` event (``{"type", "timestamp", "livemode", "data"}``,
  ``data`` the Booking plus ``"reminder": {"before_minutes", "scheduled_for", "to"}``,
  ``timestamp`` the instant it was due) through the webhook fan-out (``webhooks/fanout.py``) under this row's id, so its event
  id — and each endpoint's single delivery of it — is the same on every run of the row;
- ``email``: the reminder emails to the recipients in ``to`` (the invitee's copy with their links,
  guests in Cc; one copy per host with an address, never with the links), sent and recorded per
  copy under this row's id (``notify/outbox.py``: ``email_copies``, stable Message-IDs), so a
  copy the mail relay accepted is not sent again when the row runs again. Test mode plans no
  email rows; one found anyway sends nothing.

The row id is derived from (booking, before_minutes, channel, start), so together: once per
booking, reminder, channel, recipient and start, however often the relay runs the row (a lost
lease, a killed worker). What remains is the instant between the mail relay accepting a copy and
its record's commit, as for every email.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from astrocal_server.invitee.links import reveal, stored_links
from astrocal_server.notify.message import BadAddress, compose
from astrocal_server.notify.notice import MalformedNotice, parse_notice
from astrocal_server.notify.outbox import send_copies
from astrocal_server.outbox.handlers import OutboxItem, PermanentFailure
from astrocal_server.outbox.writer import event_type_summary, host_summary
from astrocal_server.serialize.bookings import booking_to_api
from astrocal_server.storage.models import Account, Booking, EventType
from astrocal_server.webhooks import fanout

if TYPE_CHECKING:
    from astrocal_server.state import AppState

__all__ = ["handle"]


@dataclasses.dataclass(frozen=True)
class _Current:
    booking: dict[str, Any]  # the API object, links pending (placeholder + sealed copy)
    sequence: int
    event_type: dict[str, Any]
    hosts: list[dict[str, Any]]


def _planned_start(item: OutboxItem) -> datetime:
    try:
        return datetime.fromisoformat(str(item.payload["start"]))
    except (KeyError, ValueError) as exc:
        raise PermanentFailure(f"reminder {item.id} has no usable start: {exc}") from exc


async def _current(state: AppState, item: OutboxItem) -> _Current | None:
    """The booking as it is now, or None when the reminder is no longer owed."""
    planned = _planned_start(item)
    async with state.db.read() as session:
        booking = await session.scalar(
            select(Booking)
            .where(Booking.id == item.booking_id, Booking.account_id == item.account_id)
            .options(selectinload(Booking.hosts))
        )
        if booking is None or booking.status == "cancelled" or booking.start_at != planned:
            return None
        event_type = await session.get(EventType, booking.event_type_id)
        account = await session.get(Account, booking.account_id)
        if event_type is None or account is None:
            return None
        links = stored_links(
            booking.invitee_token_sealed,
            public_base_url=state.settings.public_base_url,
            template=account.invitee_url_template,
        )
        return _Current(
            booking=booking_to_api(booking, links),
            sequence=booking.ics_sequence,
            event_type=event_type_summary(event_type),
            hosts=[host_summary(h) for h in booking.hosts],
        )


async def _send_webhook(item: OutboxItem, state: AppState, current: _Current) -> None:
    payload = item.payload
    reminder = {
        "before_minutes": payload["before_minutes"],
        "scheduled_for": payload["scheduled_for"],
        "to": list(payload["to"]),
    }
    event = {
        "type": item.topic,
        "timestamp": payload["scheduled_for"],
        "livemode": item.livemode,
        "data": {**current.booking, "reminder": reminder},
    }
    await fanout.handle(dataclasses.replace(item, kind="webhook", payload=event), state)


async def _send_email(item: OutboxItem, state: AppState, current: _Current) -> None:
    if not item.livemode or not current.hosts:
        return  # test mode: no emails, by contract
    to = set(item.payload["to"])
    try:
        notice = parse_notice(
            {
                "notice": "reminder",
                "booking": reveal(dict(current.booking), state.secret_box),
                "sequence": current.sequence,
                "event_type": current.event_type,
                "host": current.hosts[0],
                "hosts": current.hosts,
            }
        )
        messages = compose(
            notice,
            sender=state.settings.email_from,
            stamp=datetime.fromisoformat(str(item.payload["scheduled_for"])),
            message_key=item.id,
        )
    except (MalformedNotice, BadAddress, ValueError) as exc:
        raise PermanentFailure(f"reminder {item.id} cannot be built: {exc}") from exc
    wanted = [
        (role, message)
        for role, message in messages
        if ("invitee" in to if role == "invitee" else "hosts" in to)
    ]
    await send_copies(state, item.id, wanted)


async def handle(item: OutboxItem, state: AppState) -> None:
    channel = item.payload.get("channel")
    if channel not in ("email", "webhook"):
        raise PermanentFailure(f"reminder {item.id} has an unknown channel {channel!r}")
    current = await _current(state, item)
    if current is None:
        return  # cancelled, moved or gone: this reminder is no longer owed
    if channel == "webhook":
        await _send_webhook(item, state, current)
    else:
        await _send_email(item, state, current)
