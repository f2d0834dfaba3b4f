"""The event type object."""

from __future__ import annotations

from typing import Any

from astrocal_server.serialize.common import format_datetime, put
from astrocal_server.storage.models import EventType

__all__ = ["event_type_to_api"]


def event_type_to_api(event_type: EventType) -> dict[str, Any]:
    out: dict[str, Any] = {"id": event_type.id, "title": event_type.title, "slug": event_type.slug}
    put(out, "description", event_type.description)
    out["duration_minutes"] = event_type.duration_minutes
    put(out, "duration_options", event_type.duration_options)
    out["slot_interval_minutes"] = event_type.slot_interval_minutes or event_type.duration_minutes
    out.update(
        buffer_before_minutes=event_type.buffer_before_minutes,
        buffer_after_minutes=event_type.buffer_after_minutes,
        minimum_notice_minutes=event_type.minimum_notice_minutes,
        booking_window_days=event_type.booking_window_days,
    )
    put(out, "max_bookings_per_day", event_type.max_bookings_per_day)
    out.update(seats_per_slot=event_type.seats_per_slot, schedule_id=event_type.schedule_id)
    out["hosts"] = [
        {"host_id": h["host_id"], "priority": h.get("priority", 0), "weight": h.get("weight", 1)}
        for h in event_type.hosts or []
    ]
    out["assignment"] = event_type.assignment or "single"
    put(out, "location", event_type.location)
    out["conflict_calendars"] = [dict(c) for c in event_type.conflict_calendars]
    put(out, "destination_calendar", event_type.destination_calendar)
    out["questions"] = [dict(q) for q in event_type.questions or []]
    out["reminders"] = [
        {
            "before_minutes": r["before_minutes"],
            "channels": list(r["channels"]),
            "to": list(r["to"]),
        }
        for r in event_type.reminders or []
    ]
    out.update(
        on_calendar_error=event_type.on_calendar_error,
        active=event_type.active,
        invitee_can_cancel=event_type.invitee_can_cancel,
        invitee_can_reschedule=event_type.invitee_can_reschedule,
        invitee_change_notice_minutes=event_type.invitee_change_notice_minutes,
        waitlist_hold_minutes=event_type.waitlist_hold_minutes,
        metadata=dict(event_type.metadata_),
        livemode=event_type.livemode,
        created_at=format_datetime(event_type.created_at),
        updated_at=format_datetime(event_type.updated_at),
    )
    return out
