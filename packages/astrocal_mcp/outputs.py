"""API objects (the SDK's models) → the tools' output models, with local times filled in. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import MISSING

from astrocal_mcp.models import (
    AvailabilityResult,
    BookingHostInfo,
    BookingInfo,
    BookingWithLinks,
    EventTypeInfo,
    Explanation,
    HostInfo,
    Reason,
    SlotInfo,
)
from astrocal_mcp.timeutil import describe_instant, utc_text

__all__ = [
    "availability_result",
    "booking_info",
    "booking_with_links",
    "event_type_info",
    "explanation",
    "host_info",
    "invitee_zone",
    "slot_info",
    "slots_from_details",
]


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """A field of an SDK model or a plain dict; absent (pydantic's MISSING) reads as ``default``."""
    value = obj.get(name, default) if isinstance(obj, Mapping) else getattr(obj, name, default)
    if value is None or value is MISSING:
        return default
    return value


def _instant(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return None


def _location(value: Any) -> str | None:
    if value is None:
        return None
    kind, where = _get(value, "type"), _get(value, "value")
    return f"{kind}: {where}" if kind and where else where or None


def slot_info(slot: Any, zone: ZoneInfo) -> SlotInfo:
    start, end = _instant(_get(slot, "start")), _instant(_get(slot, "end"))
    local_start, local_end = describe_instant(start, zone), describe_instant(end, zone)
    return SlotInfo(
        start=utc_text(start),
        end=utc_text(end),
        local_start=local_start.local,
        local_end=local_end.local,
        weekday=local_start.weekday,
        date=local_start.date,
        seats_remaining=_get(slot, "seats_remaining"),
        host_ids=_get(slot, "host_ids") or None,
    )


def slots_from_details(details: Mapping[str, Any] | None, zone: ZoneInfo) -> list[SlotInfo]:
    """The ``alternatives`` of a ``slot_unavailable`` error, as slots."""
    raw: Iterable[Any] = (details or {}).get("alternatives") or []
    return [slot_info(s, zone) for s in raw]


def availability_result(
    availability: Any, zone: ZoneInfo, duration: int | None
) -> AvailabilityResult:
    warnings = [str(_get(w, "message", "")) for w in _get(availability, "warnings", [])]
    return AvailabilityResult(
        event_type_id=str(_get(availability, "event_type_id")),
        time_zone=zone.key,
        start_date=str(_get(availability, "start_date")),
        end_date=str(_get(availability, "end_date")),
        duration_minutes=duration,
        slots=[slot_info(s, zone) for s in _get(availability, "data", [])],
        warnings=warnings,
    )


def explanation(check: Any, event_type_id: str, start: datetime, zone: ZoneInfo) -> Explanation:
    return Explanation(
        event_type_id=event_type_id,
        start_time=utc_text(start),
        available=bool(_get(check, "available", False)),
        host_ids=_get(check, "host_ids") or None,
        reasons=[
            Reason(
                code=str(_get(r, "code")),
                message=str(_get(r, "message", "")),
                host_id=_get(r, "host_id"),
            )
            for r in _get(check, "reasons", [])
        ],
        alternatives=[slot_info(s, zone) for s in _get(check, "alternatives", [])],
    )


def event_type_info(event_type: Any, default_id: str | None) -> EventTypeInfo:
    # A team event type lists its hosts; one without is the account's default host's alone.
    hosts = [str(_get(h, "host_id")) for h in _get(event_type, "hosts", [])]
    return EventTypeInfo(
        id=str(_get(event_type, "id")),
        title=str(_get(event_type, "title")),
        slug=str(_get(event_type, "slug")),
        duration_minutes=int(_get(event_type, "duration_minutes")),
        duration_options=_get(event_type, "duration_options"),
        description=_get(event_type, "description"),
        location=_location(_get(event_type, "location")),
        active=bool(_get(event_type, "active", True)),
        is_default=_get(event_type, "id") == default_id,
        assignment=str(_get(event_type, "assignment", "single")) if hosts else None,
        host_ids=hosts or None,
    )


def host_info(host: Any) -> HostInfo:
    return HostInfo(
        id=str(_get(host, "id")),
        name=str(_get(host, "name")),
        email=_get(host, "email"),
        time_zone=str(_get(host, "time_zone")),
        external_id=_get(host, "external_id"),
        active=bool(_get(host, "active", True)),
        is_default=bool(_get(host, "is_default", False)),
    )


def _utc(value: Any) -> str | None:
    return None if value is None else utc_text(_instant(value))


def invitee_zone(booking: Any) -> ZoneInfo | None:
    """The invitee's zone, when the booking has a valid one."""
    return _zone(_get(_get(booking, "invitee", {}), "time_zone"))


def booking_info(booking: Any) -> BookingInfo:
    invitee = _get(booking, "invitee", {})
    tz_name = _get(invitee, "time_zone")
    start = _instant(_get(booking, "start"))
    zone = _zone(tz_name)
    local = describe_instant(start, zone) if zone is not None else None
    return BookingInfo(
        id=str(_get(booking, "id")),
        status=str(_get(booking, "status")),
        event_type_id=str(_get(booking, "event_type_id")),
        start=utc_text(start),
        end=utc_text(_instant(_get(booking, "end"))),
        local_start=local.local if local else None,
        weekday=local.weekday if local else None,
        invitee_name=str(_get(invitee, "name", "")),
        invitee_email=str(_get(invitee, "email", "")),
        invitee_timezone=tz_name,
        hosts=[
            BookingHostInfo(
                id=str(_get(h, "id")), name=str(_get(h, "name", "")), email=_get(h, "email")
            )
            for h in _get(booking, "hosts", None) or []
        ],
        notes=_get(booking, "notes"),
        location=_location(_get(booking, "location")),
        previous_start=_utc(_get(booking, "previous_start")),
        rescheduled_at=_utc(_get(booking, "rescheduled_at")),
        cancelled_at=_utc(_get(booking, "cancelled_at")),
        cancel_reason=_get(booking, "cancel_reason"),
    )


def booking_with_links(booking: Any) -> BookingWithLinks:
    """:func:`booking_info` plus the invitee's links, for results an agent hands on."""
    return BookingWithLinks(
        **booking_info(booking).model_dump(),
        manage_url=_get(booking, "manage_url"),
        cancel_url=_get(booking, "cancel_url"),
        reschedule_url=_get(booking, "reschedule_url"),
    )
