"""Outbox handler for kind ``calendar``: write a booking's event to its destination calendar.

Payload: ``{"action": create|update|delete, "booking", "event_type", "destination":
{connection_id, calendar_id}}``. The booking is re-read from the database, so rows handled out of
order still converge: a create for a booking cancelled meanwhile writes nothing, an update with no
event yet creates it (every create is idempotent per booking), and the times written are the
booking's current ones. The provider's event id is recorded on the booking (``external_events``).

Outcomes: transient failures (network, 5xx, throttling) → :class:`RetryLater` (with the provider's
Retry-After); refused credentials → retry later, the connection is marked ``error`` and a webhook
fires; an expired connection, a deleted connection or calendar → :class:`PermanentFailure`.
Test-mode rows never reach a calendar.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from astrocal_server.bookings.answers import answer_lines
from astrocal_server.calendars.base import (
    AuthFailed,
    CalendarNotFound,
    CalendarProvider,
    ConnectionExpired,
    EventDraft,
    ProviderError,
    ProviderUnavailable,
)
from astrocal_server.notify.text import answers_block
from astrocal_server.outbox.handlers import OutboxItem, PermanentFailure, RetryLater
from astrocal_server.storage.models import Booking, CalendarConnection

__all__ = ["draft_for", "handle"]

AUTH_RETRY_DELAY = timedelta(hours=1)


def draft_for(booking: Booking, event_type: dict[str, Any]) -> EventDraft:
    title = str(event_type.get("title") or "Meeting")
    parts = [
        str(event_type.get("description") or "").strip(),
        (booking.notes or "").strip(),
        answers_block(answer_lines(booking.answers)),
    ]
    location = booking.location or event_type.get("location")
    attendees: list[tuple[str | None, str]] = [(booking.invitee_name, booking.invitee_email)]
    attendees += [(None, guest) for guest in booking.guests or []]
    return EventDraft(
        booking_id=booking.id,
        title=f"{title} with {booking.invitee_name}",
        start=booking.start_at,
        end=booking.end_at,
        description="\n\n".join(p for p in parts if p),
        location=str(location.get("value")) if isinstance(location, dict) else None,
        attendees=tuple(attendees),
        sequence=booking.ics_sequence,
    )


async def handle(item: OutboxItem, state: Any) -> None:
    if not item.livemode:
        return  # test mode never writes to a calendar
    payload = item.payload
    action = str(payload.get("action"))
    destination = payload.get("destination") or {}
    connection_id = str(destination.get("connection_id") or "")
    calendar_id = str(destination.get("calendar_id") or "")
    booking_id = item.booking_id or str((payload.get("booking") or {}).get("id") or "")
    if action not in ("create", "update", "delete") or not connection_id or not booking_id:
        raise PermanentFailure(f"malformed calendar outbox row (action={action!r})")

    service = state.calendars
    async with state.db.read() as session:
        connection = await session.get(CalendarConnection, connection_id)
        booking = await session.get(Booking, booking_id)
    if connection is None or connection.account_id != item.account_id:
        raise PermanentFailure(f"calendar connection {connection_id} was deleted")
    if booking is None:
        raise PermanentFailure(f"booking {booking_id} does not exist")
    existing = (booking.external_events or {}).get(connection_id)
    if booking.status == "cancelled":
        action = "delete"
    elif action == "update" and not existing:
        action = "create"
    if action == "delete" and not existing:
        existing = _deterministic_id(connection, calendar_id, booking_id)
        if existing is None:
            return  # never written (Graph ids are the provider's): nothing to delete

    draft = draft_for(booking, payload.get("event_type") or {})

    async def run(provider: CalendarProvider) -> str | None:
        if action == "create":
            return await provider.create_event(calendar_id, draft)
        if action == "update":
            assert existing is not None
            return await provider.update_event(calendar_id, existing, draft)
        assert existing is not None
        await provider.delete_event(calendar_id, existing)
        return None

    try:
        event_id = await service.call(connection, run)
    except ConnectionExpired as exc:
        raise PermanentFailure(
            f"calendar connection {connection_id} expired: {exc.message}"
        ) from None
    except AuthFailed as exc:
        raise RetryLater(exc.message, delay=AUTH_RETRY_DELAY) from None
    except CalendarNotFound as exc:
        raise PermanentFailure(exc.message) from None
    except ProviderUnavailable as exc:
        delay = timedelta(seconds=exc.retry_after) if exc.retry_after else None
        raise RetryLater(exc.message, delay=delay) from None
    except ProviderError as exc:
        raise PermanentFailure(exc.message) from None
    await service.mark_working(connection)
    await _record(state, booking_id, connection_id, event_id, service.now())


def _deterministic_id(
    connection: CalendarConnection, calendar_id: str, booking_id: str
) -> str | None:
    """Where a create for this booking would have written, for providers whose ids are ours."""
    if connection.provider == "caldav":
        from astrocal_server.calendars.caldav import CalDavProvider

        return CalDavProvider.resource_href_for(calendar_id, booking_id)
    if connection.provider == "google":
        from astrocal_server.calendars.google import google_event_id

        return google_event_id(booking_id)
    return None


async def _record(
    state: Any, booking_id: str, connection_id: str, event_id: str | None, now: datetime
) -> None:
    async with state.db.write() as session:
        booking = await session.get(Booking, booking_id)
        if booking is None:
            return
        events = dict(booking.external_events or {})
        if event_id is None:
            if connection_id not in events:
                return
            events.pop(connection_id)
        elif events.get(connection_id) == event_id:
            return
        else:
            events[connection_id] = event_id
        booking.external_events = events
