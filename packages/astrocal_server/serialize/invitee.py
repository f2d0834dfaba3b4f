"""The invitee's view of a booking (``/v1/invitee/bookings/{token}``): what the person holding the
link may see. Built field by field, never from :func:`~astrocal_server.serialize.bookings.booking_to_api`,
so a field added to the booking object does not leak here by default: no metadata, no host
emails or ids, no event type or account ids, no other invitee of a seated slot. Open slots name
the booking's event type (the ``Availability`` object requires it) but no host.

``found.booking.hosts`` must be loaded (the invitee service loads it).
"""

from __future__ import annotations

from typing import Any

from astrocal_server.availability.service import OpenSlots
from astrocal_server.invitee.rules import Refusal
from astrocal_server.invitee.service import InviteeBooking
from astrocal_server.serialize.availability import open_slots_to_api
from astrocal_server.serialize.common import format_datetime, put

__all__ = ["invitee_booking_to_api", "invitee_slots_to_api"]


def invitee_slots_to_api(found: OpenSlots) -> dict[str, Any]:
    """Open slots as ``GET /v1/availability`` answers them, less the hosts free at each start
    (a team's host ids are the account's, not the invitee's)."""
    out = open_slots_to_api(found)
    for slot in out["data"]:
        slot.pop("host_ids", None)
    return out


def _refusal(refusal: Refusal | None) -> dict[str, str] | None:
    return None if refusal is None else {"code": refusal.code, "message": refusal.message}


def invitee_booking_to_api(found: InviteeBooking) -> dict[str, Any]:
    booking, event_type, policy = found.booking, found.event_type, found.policy
    what: dict[str, Any] = {"title": event_type.title}
    put(what, "description", event_type.description or None)
    invitee: dict[str, Any] = {"name": booking.invitee_name, "email": booking.invitee_email}
    put(invitee, "time_zone", booking.invitee_time_zone)
    out: dict[str, Any] = {
        "id": booking.id,
        "status": booking.status,
        "start": format_datetime(booking.start_at),
        "end": format_datetime(booking.end_at),
        "duration_minutes": booking.duration_minutes,
        "event_type": what,
    }
    put(out, "location", booking.location)
    out["hosts"] = [{"name": host.name} for host in booking.hosts]
    out["invitee"] = invitee
    out["guests"] = list(booking.guests or [])
    put(out, "notes", booking.notes or None)
    for name, value in (
        ("cancelled_at", booking.cancelled_at),
        ("rescheduled_at", booking.rescheduled_at),
        ("previous_start", booking.previous_start),
        ("previous_end", booking.previous_end),
    ):
        if value is not None:
            out[name] = format_datetime(value)
    put(out, "cancel_reason", booking.cancel_reason or None)
    put(out, "cancelled_by", booking.cancelled_by)
    put(out, "reschedule_reason", booking.reschedule_reason or None)
    put(out, "rescheduled_by", booking.rescheduled_by)
    out["can_cancel"] = policy.can_cancel
    out["can_reschedule"] = policy.can_reschedule
    put(out, "cancel_refusal", _refusal(policy.cancel))
    put(out, "reschedule_refusal", _refusal(policy.reschedule))
    if policy.deadline is not None:
        out["change_deadline"] = format_datetime(policy.deadline)
    out.update(found.links.as_dict())
    return out
