"""The API objects of a waitlist entry (``GET /v1/waitlist/{id}``, the ``waitlist.*`` webhook
events' ``data``) and of a promotion as its invitee sees it (``GET /v1/invitee/waitlist/{token}``).

What depends on more than the row — the queue position, the hold's expiry, the confirm link
(opened from its sealed copy, or a placeholder in stored payloads) — is passed in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from astrocal_server.serialize.common import format_datetime, put
from astrocal_server.storage.models import EventType, Hold, WaitlistEntry

__all__ = ["entry_to_api", "invitee_entry_to_api"]


def _time(value: datetime | None) -> str | None:
    return None if value is None else format_datetime(value)


def _invitee(entry: WaitlistEntry) -> dict[str, Any]:
    out: dict[str, Any] = {"name": entry.invitee_name, "email": entry.invitee_email}
    if entry.invitee_time_zone is not None:
        out["time_zone"] = entry.invitee_time_zone
    return out


def entry_to_api(
    entry: WaitlistEntry,
    *,
    position: int | None,
    hold_expires_at: datetime | None,
    confirm_url: str | None,
) -> dict[str, Any]:
    return {
        "id": entry.id,
        "event_type_id": entry.event_type_id,
        "start": _time(entry.start_at),
        "date": None if entry.wait_date is None else entry.wait_date.isoformat(),
        "host_id": entry.host_id,
        "invitee": _invitee(entry),
        "status": entry.status,
        "position": position if entry.status == "waiting" else None,
        "hold_id": entry.hold_id,
        "hold_expires_at": _time(hold_expires_at),
        "booking_id": entry.booking_id,
        "confirm_url": confirm_url if entry.status == "promoted" else None,
        "metadata": dict(entry.metadata_),
        "livemode": entry.livemode,
        "created_at": format_datetime(entry.created_at),
        "updated_at": format_datetime(entry.updated_at),
    }


def invitee_entry_to_api(
    entry: WaitlistEntry, event_type: EventType, hold: Hold | None, *, can_confirm: bool
) -> dict[str, Any]:
    shown_type: dict[str, Any] = {"title": event_type.title}
    put(shown_type, "description", event_type.description or None)
    return {
        "status": entry.status,
        "event_type": shown_type,
        "start": None if hold is None else format_datetime(hold.start_at),
        "end": None if hold is None else format_datetime(hold.end_at),
        "hold_expires_at": None if hold is None else format_datetime(hold.expires_at),
        "can_confirm": can_confirm,
        "invitee": _invitee(entry),
    }
