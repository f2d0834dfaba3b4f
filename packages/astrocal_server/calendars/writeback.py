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

Video rooms. For a booking whose location is ``google_meet`` / ``microsoft_teams``, the first
destination calendar of that provider (the *room owner*, kept as ``external_events["room"]`` =
``{"connection_id", "status"}``) creates its event asking for a room; other destinations get a
plain event. The room's link is kept through ``bookings.service.record_join_url`` (which fires
``booking.updated``). The booking's calendar rows come before its confirmation email
(``outbox/writer.py``), so while a row holds that email up it waits for the room — a pending room
is read again after :data:`ROOM_POLL` — until ``video_link_wait_seconds`` after the booking was
made. Past that the row gives way: it leaves its remaining work to a new row behind the email
(a copy of itself, which keeps reading a pending room with the relay's backoff, or writes again
after a transient failure) and completes, so the email goes without the link and an updated invite
follows once it arrives; a room still pending :data:`ROOM_GIVE_UP` after the booking was made is
given up (the booking's later rows wait behind it until then). A room the provider refuses (``failure``) leaves the booking without a link; so does a
room location with no destination of its provider (a connection deleted or a destination changed
after the event type was saved): the event is written without a room. Rescheduling patches the
event, which keeps its room; cancelling deletes it.
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
    Room,
    RoomProvider,
)
from astrocal_server.locations import ROOM_PROVIDERS, location_text, room_kind
from astrocal_server.notify.text import answers_block
from astrocal_server.outbox.handlers import OutboxItem, PermanentFailure, RetryLater
from astrocal_server.outbox.writer import enqueue
from astrocal_server.storage.models import Booking, CalendarConnection

__all__ = ["ROOM_KEY", "draft_for", "handle"]

AUTH_RETRY_DELAY = timedelta(hours=1)
ROOM_POLL = timedelta(seconds=5)
ROOM_GIVE_UP = timedelta(minutes=30)  # after the booking was made: a room still pending is dropped
ROOM_KEY = "room"  # external_events["room"]: the room owner's connection and the room's status


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
        location=location_text(location),
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
    # Whether this row holds up the booking's confirmation email (see outbox/writer.py).
    holds_email = (
        item.topic == "booking.created"
        and not payload.get("follow_up")
        and room_kind(booking.location) is not None
    )
    try:
        await _write(item, state, connection, booking, action, calendar_id, holds_email)
    except RetryLater:
        wait = timedelta(seconds=state.settings.video_link_wait_seconds)
        if not holds_email or service.now() < booking.created_at + wait:
            raise
        # Waited long enough: the email goes now, this write carries on behind it.
        await _follow_up(state, item, {**payload, "follow_up": True})


async def _write(
    item: OutboxItem,
    state: Any,
    connection: CalendarConnection,
    booking: Booking,
    action: str,
    calendar_id: str,
    holds_email: bool,
) -> None:
    service = state.calendars
    connection_id = connection.id
    booking_id = booking.id
    events = booking.external_events or {}
    existing = events.get(connection_id)
    if booking.status == "cancelled":
        action = "delete"
    elif action == "update" and not existing:
        action = "create"
    if action == "delete" and not existing:
        existing = _deterministic_id(connection, calendar_id, booking_id)
        if existing is None:
            return  # never written (Graph ids are the provider's): nothing to delete
    owner = _room_owner(booking, connection)

    draft = draft_for(booking, item.payload.get("event_type") or {})
    room: Room | None = None

    async def run(provider: CalendarProvider) -> str | None:
        nonlocal room
        if owner is not None and action == "create":
            rooms: RoomProvider = provider  # type: ignore[assignment]
            if existing:  # written by an earlier attempt: read its room
                room = await rooms.room(calendar_id, str(existing))
                return str(existing)
            event_id, room = await rooms.create_event_with_room(calendar_id, draft)
            return event_id
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
    await _record(state, booking_id, connection_id, event_id, service.now(), room=room)
    if room is None:
        return
    if room.status == "success" and room.join_url:
        from astrocal_server.bookings.service import record_join_url

        await record_join_url(
            state, item.account_id, booking_id, room.join_url, tell_invitee=not holds_email
        )
    elif room.status == "pending":
        if holds_email:
            raise RetryLater("the video room is not ready yet", delay=ROOM_POLL)
        if service.now() >= booking.created_at + ROOM_GIVE_UP:
            # The booking's later rows (a reschedule's, a cancel's emails) wait behind this one.
            raise PermanentFailure("the provider did not make the video room in time")
        raise RetryLater("the video room is not ready yet")  # the relay's backoff


def _room_owner(booking: Booking, connection: CalendarConnection) -> str | None:
    """The room's location type when this connection makes (or made) the booking's room: the first
    connection of the room's provider to write the booking's event."""
    kind = room_kind(booking.location)
    if kind is None or ROOM_PROVIDERS[kind] != connection.provider:
        return None
    claimed = (booking.external_events or {}).get(ROOM_KEY)
    if isinstance(claimed, dict) and claimed.get("connection_id") not in (None, connection.id):
        return None
    return kind


async def _follow_up(state: Any, item: OutboxItem, payload: dict[str, Any]) -> None:
    """Leave the rest of this row's work to a new row behind the booking's later ones."""
    async with state.db.write() as session:
        enqueue(
            session,
            account_id=item.account_id,
            livemode=item.livemode,
            kind="calendar",
            topic=item.topic,
            payload=payload,
            now=state.clock.now(),
            booking_id=item.booking_id,
        )


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
    state: Any,
    booking_id: str,
    connection_id: str,
    event_id: str | None,
    now: datetime,
    *,
    room: Room | None = None,
) -> None:
    async with state.db.write() as session:
        booking = await session.get(Booking, booking_id)
        if booking is None:
            return
        events = dict(booking.external_events or {})
        if event_id is None:
            events.pop(connection_id, None)
        else:
            events[connection_id] = event_id
        if room is not None:
            events[ROOM_KEY] = {"connection_id": connection_id, "status": room.status}
        if events != (booking.external_events or {}):
            booking.external_events = events
