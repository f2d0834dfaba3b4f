"""API objects (the SDK's models) → the tools' output models, with local times filled in. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import MISSING

from astrocal_mcp.models import (
    AvailabilityResult,
    BookingHostInfo,
    BookingInfo,
    DaySlots,
    EventTypeInfo,
    Explanation,
    HoldInfo,
    HostInfo,
    QuestionInfo,
    Reason,
    SlotInfo,
    WaitlistInfo,
)
from astrocal_mcp.timeutil import ShownZone, describe_instant, show_instant, utc_text

__all__ = [
    "availability_result",
    "booking_info",
    "day_slots",
    "event_type_info",
    "explanation",
    "hold_info",
    "host_info",
    "invitee_zone",
    "slot_info",
    "slots_from_details",
    "waitlist_info",
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
    """``type: value``; a Meet / Teams room shows its join link once made."""
    if value is None:
        return None
    kind = _get(value, "type")
    where = _get(value, "join_url") or _get(value, "value")
    if kind in ("google_meet", "microsoft_teams") and not where:
        return f"{kind} (no join link yet)"
    return f"{kind}: {where}" if kind and where else where or None


def slot_info(slot: Any, zone: tzinfo) -> SlotInfo:
    start = _instant(_get(slot, "start"))
    local = describe_instant(start, zone)
    return SlotInfo(
        start=utc_text(start),
        local=local.local[:16] + local.utc_offset,
        weekday=local.weekday,
        seats_remaining=_get(slot, "seats_remaining"),
        host_ids=_get(slot, "host_ids") or None,
    )


def slots_from_details(details: Mapping[str, Any] | None, zone: tzinfo) -> list[SlotInfo]:
    """The ``alternatives`` of a ``slot_unavailable`` error, as slots."""
    raw: Iterable[Any] = (details or {}).get("alternatives") or []
    return [slot_info(s, zone) for s in raw]


def day_slots(slots: Iterable[Any], zone: tzinfo) -> list[DaySlots]:
    """Slots grouped by local day: ``HH:MM`` starts, the day's offset stated once (a start whose
    offset differs, around a clock change, carries its own)."""
    days: dict[str, DaySlots] = {}
    for slot in slots:
        local = describe_instant(_instant(_get(slot, "start")), zone)
        day = days.get(local.date)
        if day is None:
            day = days[local.date] = DaySlots(
                date=local.date, weekday=local.weekday, utc_offset=local.utc_offset, starts=[]
            )
        start = local.time if local.utc_offset == day.utc_offset else local.time + local.utc_offset
        day.starts.append(start)
        hosts = _get(slot, "host_ids")
        if hosts:
            day.free_hosts = {**(day.free_hosts or {}), start: list(hosts)}
        seats = _get(slot, "seats_remaining")
        if seats is not None:
            day.seats_remaining = {**(day.seats_remaining or {}), start: int(seats)}
    return list(days.values())


def _minutes(slot: Any) -> int:
    return int((_instant(_get(slot, "end")) - _instant(_get(slot, "start"))).total_seconds() // 60)


def availability_result(
    availability: Any, shown: ShownZone, none_because: str | None = None
) -> AvailabilityResult:
    slots = list(_get(availability, "data", []))
    warnings = [str(_get(w, "message", "")) for w in _get(availability, "warnings", [])]
    days = day_slots(slots, shown.zone)
    example = (
        f"{days[0].date}T{days[0].starts[0][:5]}{days[0].utc_offset}"
        if days
        else "2026-04-21T09:00+02:00"
    )
    return AvailabilityResult(
        event_type_id=str(_get(availability, "event_type_id")),
        time_zone=shown.name,
        time_zone_source=shown.source,
        start_date=str(_get(availability, "start_date")),
        end_date=str(_get(availability, "end_date")),
        duration_minutes=_minutes(slots[0]) if slots else None,
        slot_count=len(slots),
        start_time_format=f"date + 'T' + HH:MM + offset, e.g. {example}",
        days=days,
        none_because=None if slots else none_because,
        warnings=warnings,
    )


def explanation(
    check: Any,
    event_type_id: str,
    start: datetime,
    shown: ShownZone,
    *,
    working_hours: str | None,
    nearby: Iterable[Any],
) -> Explanation:
    """``nearby`` are open slots around ``start``: the three closest before and after it."""
    around = sorted(nearby, key=lambda s: _instant(_get(s, "start")))
    before = [s for s in around if _instant(_get(s, "start")) < start][-3:]
    after = [s for s in around if _instant(_get(s, "start")) > start][:3]
    return Explanation(
        event_type_id=event_type_id,
        start_time=utc_text(start),
        local_time=show_instant(start, shown),
        time_zone=shown.name,
        time_zone_source=shown.source,
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
        working_hours=working_hours,
        before=[slot_info(s, shown.zone) for s in before],
        after=[slot_info(s, shown.zone) for s in after],
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
        questions=[
            QuestionInfo(
                key=str(_get(q, "key")),
                label=str(_get(q, "label")),
                type=str(_get(q, "type")),
                required=bool(_get(q, "required", False)),
                options=_get(q, "options"),
                help_text=_get(q, "help_text"),
            )
            for q in _get(event_type, "questions", [])
        ]
        or None,
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


def invitee_zone(booking: Any) -> ZoneInfo | None:
    """The invitee's zone, when the booking has a valid one."""
    return _zone(_get(_get(booking, "invitee", {}), "time_zone"))


def _answers(answers: Iterable[Any]) -> dict[str, Any] | None:
    """A booking's answers by question label (a label asked twice gets its key added)."""
    out: dict[str, Any] = {}
    for answer in answers:
        label = str(_get(answer, "label"))
        if label in out:
            label = f"{label} ({_get(answer, 'key')})"
        out[label] = _get(answer, "value")
    return out or None


def booking_info(booking: Any, shown: ShownZone, *, links: bool = False) -> BookingInfo:
    """The booking as a tool shows it; ``links`` adds the invitee's own links (for the results an
    agent hands on to the person: create, get, reschedule)."""
    invitee = _get(booking, "invitee", {})
    start, end = _instant(_get(booking, "start")), _instant(_get(booking, "end"))
    previous = _get(booking, "previous_start")
    cancelled = _get(booking, "cancelled_at")
    return BookingInfo(
        id=str(_get(booking, "id")),
        status=str(_get(booking, "status")),
        event_type_id=str(_get(booking, "event_type_id")),
        start=utc_text(start),
        end=utc_text(end),
        when=show_instant(start, shown, end=end),
        time_zone=shown.name,
        time_zone_source=shown.source,
        invitee_name=str(_get(invitee, "name", "")),
        invitee_email=str(_get(invitee, "email", "")),
        invitee_time_zone=_get(invitee, "time_zone"),
        hosts=[
            BookingHostInfo(
                id=str(_get(h, "id")), name=str(_get(h, "name", "")), email=_get(h, "email")
            )
            for h in _get(booking, "hosts", None) or []
        ],
        notes=_get(booking, "notes"),
        location=_location(_get(booking, "location")),
        answers=_answers(_get(booking, "answers", [])),
        previously=None if previous is None else show_instant(_instant(previous), shown),
        cancelled_at=None if cancelled is None else show_instant(_instant(cancelled), shown),
        cancel_reason=_get(booking, "cancel_reason"),
        manage_url=_get(booking, "manage_url") if links else None,
        cancel_url=_get(booking, "cancel_url") if links else None,
        reschedule_url=_get(booking, "reschedule_url") if links else None,
    )


def hold_info(hold: Any, shown: ShownZone) -> HoldInfo:
    """A hold with its slot and its expiry shown in ``shown`` (the person's zone) next to UTC."""
    start, end = _instant(_get(hold, "start")), _instant(_get(hold, "end"))
    return HoldInfo(
        id=str(_get(hold, "id")),
        status=str(_get(hold, "status")),
        event_type_id=str(_get(hold, "event_type_id")),
        start=utc_text(start),
        when=show_instant(start, shown, end=end),
        expires=show_instant(_instant(_get(hold, "expires_at")), shown),
        host_ids=[str(_get(h, "id")) for h in _get(hold, "hosts", [])] or None,
        booking_id=_get(hold, "booking_id"),
    )


def waitlist_info(entry: Any, shown: ShownZone) -> WaitlistInfo:
    """A waitlist entry: the start (or day) it waits for, and once promoted its hold's expiry."""
    start, expires = _get(entry, "start"), _get(entry, "hold_expires_at")
    return WaitlistInfo(
        id=str(_get(entry, "id")),
        status=str(_get(entry, "status")),
        event_type_id=str(_get(entry, "event_type_id")),
        waiting_for=(
            show_instant(_instant(start), shown)
            if start is not None
            else f"any start on {_get(entry, 'date')}"
        ),
        invitee_email=str(_get(_get(entry, "invitee", {}), "email", "")),
        position=_get(entry, "position"),
        hold_id=_get(entry, "hold_id"),
        hold_expires=None if expires is None else show_instant(_instant(expires), shown),
        booking_id=_get(entry, "booking_id"),
        confirm_url=_get(entry, "confirm_url"),
    )
