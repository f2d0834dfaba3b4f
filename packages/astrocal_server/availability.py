"""Availability as a service: load what the slot engine needs, ask external calendars, call the engine.

The engine (``astrocal_server.domain.slots``) is pure; everything here does I/O. Bookings reuse
:func:`check_start_in_session` to re-check a start inside their write transaction (one code path).

External busy times come from an :class:`ExternalBusySource` (``AppState.busy_source``). The default
reports nothing; the calendar integration replaces it. When a source reports failed connections, the
event type's ``on_calendar_error`` decides: ``fail`` → 503 ``calendar_unavailable`` naming the
connection(s); ``ignore`` → the answer carries ``warnings`` saying what was skipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol, TypedDict

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from astrocal_server.domain.slots import (
    CHECK_HORIZON_DAYS,
    Booked,
    BusyInterval,
    Rules,
    Slot,
    StartCheck,
    WorkingHours,
    check_start,
    find_slots,
    format_ts,
)
from astrocal_server.errors import Unavailable, invalid_param
from astrocal_server.storage.models import Booking, EventType, Schedule
from astrocal_server.storage.rows import fetch_all, instance, labelled

__all__ = [
    "CHECK_HORIZON_DAYS",
    "BusyFailure",
    "ExternalBusyResult",
    "ExternalBusySource",
    "NoExternalBusy",
    "StartCheck",
    "check_busy_range",
    "check_start_in_session",
    "check_to_api",
    "fetch_external_busy",
    "find_slots_in_session",
    "load_bookings",
    "load_event_type_and_schedule",
    "pick_duration",
    "rules_for",
    "slot_to_api",
    "utc_range_for_dates",
    "working_hours_of",
]

# Bookings are loaded this far beyond the slots' range: windows of neighbouring local days, the
# longest duration plus both buffers, and whole local days for the per-day limit all fit inside.
_BOOKING_MARGIN = timedelta(days=3)


class BusyFailure(TypedDict, total=False):
    connection_id: str  # always present
    reason: str  # always present: what went wrong, for people
    provider: str  # google | microsoft | caldav, when known


@dataclass
class ExternalBusyResult:
    busy: list[BusyInterval] = field(default_factory=list)
    failures: list[BusyFailure] = field(default_factory=list)


class ExternalBusySource(Protocol):
    async def busy(
        self, event_type: EventType, start: datetime, end: datetime
    ) -> ExternalBusyResult:
        """Busy intervals from the event type's conflict calendars between ``start`` and ``end`` (UTC).

        Providers are asked concurrently, each with its own timeout; a provider that fails or times
        out is reported in ``failures`` instead of raising.
        """
        ...


class NoExternalBusy:
    """The default source: no connected calendars, so nothing is busy."""

    async def busy(
        self, event_type: EventType, start: datetime, end: datetime
    ) -> ExternalBusyResult:
        return ExternalBusyResult()


async def fetch_external_busy(
    source: ExternalBusySource,
    event_type: EventType,
    start: datetime,
    end: datetime,
    *,
    timeout_seconds: float,
) -> tuple[list[BusyInterval], list[dict[str, Any]]]:
    """External busy intervals plus warnings, or 503 ``calendar_unavailable`` under ``on_calendar_error: fail``."""
    if not event_type.conflict_calendars:
        return [], []
    try:
        # The source applies its own per-provider timeout; this outer bound only stops a source
        # that forgot to, so a hung provider never hangs the request.
        result = await asyncio.wait_for(source.busy(event_type, start, end), timeout_seconds + 1)
    except TimeoutError:
        ids = sorted({str(c.get("connection_id")) for c in event_type.conflict_calendars})
        result = ExternalBusyResult(
            failures=[{"connection_id": cid, "reason": "timed out"} for cid in ids]
        )
    if not result.failures:
        return list(result.busy), []
    if event_type.on_calendar_error == "ignore":
        warnings = [
            {
                "code": "calendar_unavailable",
                "connection_id": f["connection_id"],
                "message": f"Busy times from calendar connection {f['connection_id']} were skipped: {f['reason']}.",
            }
            for f in result.failures
        ]
        return list(result.busy), warnings
    names = ", ".join(f["connection_id"] for f in result.failures)
    raise Unavailable(
        "calendar_unavailable",
        f"Could not read busy times from calendar connection {names}; retry shortly, check the "
        "connection, or set the event type's on_calendar_error to `ignore`.",
        details={
            "connection_id": result.failures[0]["connection_id"],
            "provider": result.failures[0].get("provider", "unknown"),
            "connections": [dict(f) for f in result.failures],
        },
        retry_after=5,
    )


def utc_range_for_dates(
    start_date: date, end_date: date, time_zone: str
) -> tuple[datetime, datetime]:
    """``[start_date 00:00, end_date + 1 00:00)`` in ``time_zone``, as UTC instants."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(time_zone)
    start = datetime.combine(start_date, datetime.min.time(), zone)
    end = datetime.combine(end_date + timedelta(days=1), datetime.min.time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


# --- loading -----------------------------------------------------------------------------------

_EVENT_TYPE_AND_SCHEDULE = (
    select(*labelled(EventType, "e"), *labelled(Schedule, "s"))
    .join_from(EventType, Schedule, Schedule.id == EventType.schedule_id)
    .where(
        EventType.id == bindparam("event_type_id"),
        EventType.account_id == bindparam("account_id"),
        EventType.livemode == bindparam("livemode"),
        EventType.deleted_at.is_(None),
    )
)

_BOOKINGS = select(
    Booking.id,
    Booking.event_type_id,
    Booking.start_at,
    Booking.end_at,
    Booking.block_start,
    Booking.block_end,
).where(
    Booking.host_id == bindparam("host_id"),
    Booking.livemode == bindparam("livemode"),
    Booking.status != "cancelled",
    Booking.block_end > bindparam("lo"),
    Booking.block_start < bindparam("hi"),
)


async def load_event_type_and_schedule(
    conn: AsyncConnection | AsyncSession, *, account_id: str, livemode: bool, event_type_id: str
) -> tuple[EventType, Schedule] | None:
    """The caller's (not deleted) event type and its schedule, or None (→ 404)."""
    rows = await fetch_all(
        conn,
        _EVENT_TYPE_AND_SCHEDULE,
        {"event_type_id": event_type_id, "account_id": account_id, "livemode": livemode},
    )
    if not rows:
        return None
    return instance(EventType, rows[0], "e"), instance(Schedule, rows[0], "s")


async def load_bookings(
    conn: AsyncConnection | AsyncSession,
    *,
    event_type: EventType,
    lo: datetime,
    hi: datetime,
    exclude_booking_id: str | None = None,
) -> list[Booked]:
    """Non-cancelled bookings of the event type's host (same mode) whose blocked time touches
    ``[lo, hi)``, widened by their own buffers (the stored ``block_start``/``block_end``)."""
    rows = await fetch_all(
        conn,
        _BOOKINGS,
        {
            "host_id": event_type.account_id,
            "livemode": event_type.livemode,
            "lo": lo.astimezone(UTC),
            "hi": hi.astimezone(UTC),
        },
    )
    own = event_type.id
    return [
        Booked(
            row["start_at"],
            row["end_at"],
            row["block_start"],
            row["block_end"],
            row["event_type_id"] == own,
        )
        for row in rows
        if row["id"] != exclude_booking_id
    ]


# --- rules -------------------------------------------------------------------------------------


def pick_duration(event_type: EventType, requested: int | None) -> int:
    """The slot length: ``requested`` if it is one of the event type's durations, else a 400."""
    if requested is None:
        return event_type.duration_minutes
    allowed = sorted(set(event_type.duration_options or []) | {event_type.duration_minutes})
    if requested not in allowed:
        raise invalid_param(
            "duration",
            f"This event type offers durations of {', '.join(map(str, allowed))} minutes; "
            f"{requested} is not one of them.",
        )
    return requested


def rules_for(event_type: EventType, duration_minutes: int) -> Rules:
    return Rules(
        duration_minutes=duration_minutes,
        slot_interval_minutes=event_type.slot_interval_minutes,
        buffer_before_minutes=event_type.buffer_before_minutes,
        buffer_after_minutes=event_type.buffer_after_minutes,
        minimum_notice_minutes=event_type.minimum_notice_minutes,
        booking_window_days=event_type.booking_window_days,
        max_bookings_per_day=event_type.max_bookings_per_day,
        seats_per_slot=event_type.seats_per_slot,
        active=event_type.active,
    )


def working_hours_of(schedule: Schedule) -> WorkingHours:
    return WorkingHours.from_api(
        schedule.time_zone, schedule.weekly_hours, schedule.date_overrides or []
    )


# --- the two services --------------------------------------------------------------------------


async def find_slots_in_session(
    conn: AsyncConnection | AsyncSession,
    *,
    event_type: EventType,
    schedule: Schedule,
    now: datetime,
    start_date: date,
    end_date: date,
    query_time_zone: str,
    busy: Sequence[BusyInterval],
    duration_minutes: int,
) -> list[Slot]:
    """Open slots starting in ``[start_date 00:00, end_date + 1 00:00)`` of ``query_time_zone``."""
    range_start, range_end = utc_range_for_dates(start_date, end_date, query_time_zone)
    rules = rules_for(event_type, duration_minutes)
    if not rules.active:
        return []
    bookings = await load_bookings(
        conn,
        event_type=event_type,
        lo=range_start - _BOOKING_MARGIN,
        hi=range_end + _BOOKING_MARGIN,
    )
    return find_slots(
        working_hours_of(schedule),
        rules,
        now=now,
        range_start=range_start,
        range_end=range_end,
        bookings=bookings,
        busy=busy,
    )


def check_busy_range(start: datetime) -> tuple[datetime, datetime]:
    """The span external busy times are needed for when checking ``start`` (alternatives too)."""
    horizon = timedelta(days=CHECK_HORIZON_DAYS + 1)
    return start - horizon, start + horizon


async def check_start_in_session(
    conn: AsyncConnection | AsyncSession,
    *,
    event_type: EventType,
    schedule: Schedule,
    start: datetime,
    now: datetime,
    busy: Sequence[BusyInterval],
    duration_minutes: int,
    exclude_booking_id: str | None = None,
) -> StartCheck:
    """Whether ``start`` is open, why not, and the nearest alternatives — the one check behind
    ``availability/check``, booking and reschedule. Run it inside the booking's write transaction
    (``conn`` may be that session) so it sees every committed booking; ``exclude_booking_id`` leaves
    out the booking being rescheduled, so its own old time does not block the new one."""
    lo, hi = check_busy_range(start)
    bookings = await load_bookings(
        conn,
        event_type=event_type,
        lo=lo - _BOOKING_MARGIN,
        hi=hi + _BOOKING_MARGIN,
        exclude_booking_id=exclude_booking_id,
    )
    return check_start(
        working_hours_of(schedule),
        rules_for(event_type, duration_minutes),
        now=now,
        start=start,
        bookings=bookings,
        busy=busy,
    )


# --- API shapes --------------------------------------------------------------------------------


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def slot_to_api(slot: Slot) -> dict[str, Any]:
    out: dict[str, Any] = {"start": format_ts(slot.start_ts), "end": format_ts(slot.end_ts)}
    if slot.seats_remaining is not None:
        out["seats_remaining"] = slot.seats_remaining
    return out


def check_to_api(result: StartCheck) -> dict[str, Any]:
    reasons = []
    for reason in result.reasons:
        item: dict[str, Any] = {"code": reason.code, "message": reason.message}
        if reason.conflict is not None:
            item["conflict"] = {
                "start": _iso(reason.conflict.start),
                "end": _iso(reason.conflict.end),
                "source": reason.conflict.source,
            }
        reasons.append(item)
    return {
        "available": result.available,
        "reasons": reasons,
        "alternatives": [slot_to_api(slot) for slot in result.alternatives],
    }
