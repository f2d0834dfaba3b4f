"""The API object of a booking (``GET /v1/bookings/{id}``): the one shape webhooks, emails and
calendar write-backs carry too.

``booking.hosts`` must be loaded (the bookings service loads it with every booking it returns).
``links`` are the invitee's URLs: real ones in answers to the API, :class:`PendingLinks` (token
left as a placeholder, revealed at send time) in payloads that are stored; None leaves them out.
"""

from __future__ import annotations

from typing import Any

from astrocal_server.invitee.links import SEALED_KEY, URL_FIELDS, InviteeLinks, PendingLinks
from astrocal_server.serialize.common import format_datetime
from astrocal_server.storage.models import Booking, Host

__all__ = ["booking_host_to_api", "booking_to_api", "shown_from_stored"]


def booking_host_to_api(host: Host) -> dict[str, Any]:
    return {"id": host.id, "name": host.name, "email": host.email}


def booking_to_api(
    booking: Booking, links: InviteeLinks | PendingLinks | None = None
) -> dict[str, Any]:
    invitee: dict[str, Any] = {"name": booking.invitee_name, "email": booking.invitee_email}
    if booking.invitee_time_zone:
        invitee["time_zone"] = booking.invitee_time_zone
    out: dict[str, Any] = {
        "id": booking.id,
        "status": booking.status,
        "event_type_id": booking.event_type_id,
        "start": format_datetime(booking.start_at),
        "end": format_datetime(booking.end_at),
        "invitee": invitee,
        "guests": list(booking.guests),
        "hosts": [booking_host_to_api(host) for host in booking.hosts],
    }
    if booking.notes:
        out["notes"] = booking.notes
    out["metadata"] = dict(booking.metadata_)
    if booking.location:
        out["location"] = dict(booking.location)
    if booking.answers:
        out["answers"] = [dict(a) for a in booking.answers]
    out["livemode"] = booking.livemode
    optional_times = (
        ("cancelled_at", booking.cancelled_at),
        ("rescheduled_at", booking.rescheduled_at),
        ("previous_start", booking.previous_start),
        ("previous_end", booking.previous_end),
    )
    for name, value in optional_times:
        if value is not None:
            out[name] = format_datetime(value)
    if booking.cancel_reason:
        out["cancel_reason"] = booking.cancel_reason
    if booking.cancelled_by:
        out["cancelled_by"] = booking.cancelled_by
    if booking.reschedule_reason:
        out["reschedule_reason"] = booking.reschedule_reason
    if booking.rescheduled_by:
        out["rescheduled_by"] = booking.rescheduled_by
    if links is not None:
        out.update(links.as_dict())
    out["created_at"] = format_datetime(booking.created_at)
    out["updated_at"] = format_datetime(booking.updated_at)
    return out


def shown_from_stored(stored: dict[str, Any], links: InviteeLinks | None) -> dict[str, Any] | None:
    """What ``booking_to_api(booking, links)`` gives, from ``stored``, the booking's object as
    ``booking_to_api(booking, PendingLinks(…))`` gave it (an outbox row's copy): the same keys in
    the same order, its links the real ones (or none), the sealed token left out. None when
    ``stored`` has no links to put them in place of. The values are shared with ``stored``:
    neither may be changed afterwards."""
    if links is not None and SEALED_KEY not in stored:
        return None
    shown = {key: value for key, value in stored.items() if key != SEALED_KEY}
    if links is None:
        for name in URL_FIELDS:
            shown.pop(name, None)
    else:
        shown.update(links.as_dict())
    return shown
