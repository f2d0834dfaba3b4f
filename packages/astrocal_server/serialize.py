"""Model → API dict, one function per resource.

Times are RFC 3339 UTC with ``Z`` and second precision; absent optional fields are omitted, not null
(only fields the contract declares nullable are ever ``null``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from astrocal_server.storage.models import Account, ApiKey, EventType, Schedule

__all__ = [
    "account_to_api",
    "api_key_to_api",
    "event_type_to_api",
    "format_datetime",
    "schedule_to_api",
]


def format_datetime(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def account_to_api(account: Account) -> dict[str, Any]:
    out: dict[str, Any] = {"id": account.id, "name": account.name}
    _put(out, "email", account.email)
    out.update(
        time_zone=account.time_zone,
        plan=account.plan,
        created_at=format_datetime(account.created_at),
    )
    return out


def api_key_to_api(key: ApiKey, *, secret: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": key.id,
        "name": key.name,
        "mode": key.mode,
        "prefix": key.prefix,
    }
    _put(out, "secret", secret)
    out["created_at"] = format_datetime(key.created_at)
    if key.last_used_at is not None:
        out["last_used_at"] = format_datetime(key.last_used_at)
    if key.revoked_at is not None:
        out["revoked_at"] = format_datetime(key.revoked_at)
    return out


def schedule_to_api(schedule: Schedule) -> dict[str, Any]:
    return {
        "id": schedule.id,
        "name": schedule.name,
        "time_zone": schedule.time_zone,
        "weekly_hours": [dict(w) for w in schedule.weekly_hours],
        "date_overrides": [
            {"date": o["date"], "intervals": [dict(i) for i in o["intervals"]]}
            for o in schedule.date_overrides
        ],
        "is_default": schedule.is_default,
        "livemode": schedule.livemode,
        "created_at": format_datetime(schedule.created_at),
        "updated_at": format_datetime(schedule.updated_at),
    }


def event_type_to_api(event_type: EventType) -> dict[str, Any]:
    out: dict[str, Any] = {"id": event_type.id, "title": event_type.title, "slug": event_type.slug}
    _put(out, "description", event_type.description)
    out["duration_minutes"] = event_type.duration_minutes
    _put(out, "duration_options", event_type.duration_options)
    out["slot_interval_minutes"] = event_type.slot_interval_minutes or event_type.duration_minutes
    out.update(
        buffer_before_minutes=event_type.buffer_before_minutes,
        buffer_after_minutes=event_type.buffer_after_minutes,
        minimum_notice_minutes=event_type.minimum_notice_minutes,
        booking_window_days=event_type.booking_window_days,
    )
    _put(out, "max_bookings_per_day", event_type.max_bookings_per_day)
    out.update(seats_per_slot=event_type.seats_per_slot, schedule_id=event_type.schedule_id)
    _put(out, "location", event_type.location)
    out["conflict_calendars"] = [dict(c) for c in event_type.conflict_calendars]
    _put(out, "destination_calendar", event_type.destination_calendar)
    out.update(
        on_calendar_error=event_type.on_calendar_error,
        active=event_type.active,
        metadata=dict(event_type.metadata_),
        livemode=event_type.livemode,
        created_at=format_datetime(event_type.created_at),
        updated_at=format_datetime(event_type.updated_at),
    )
    return out
