"""Pure rules between the stored objects and the engine: which duration a request may ask for, an
event type's engine :class:`~astrocal_server.availability.engine.Rules`, a schedule's working
hours, and the UTC spans a query or a check covers. No I/O, no clock.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from astrocal_server.availability.engine import CHECK_HORIZON_DAYS, Booked, Rules, WorkingHours
from astrocal_server.errors import invalid_param
from astrocal_server.storage.models import EventType, Schedule

__all__ = [
    "OCCUPANCY_MARGIN",
    "booked_from_row",
    "check_busy_range",
    "occupancy_range",
    "pick_duration",
    "rules_for",
    "slots_busy_range",
    "utc_range_for_dates",
    "working_hours_of",
]


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


@functools.lru_cache(maxsize=4096)
def utc_range_for_dates(
    start_date: date, end_date: date, time_zone: str
) -> tuple[datetime, datetime]:
    """``[start_date 00:00, end_date + 1 00:00)`` in ``time_zone``, as UTC instants (kept: the
    same days are asked about request after request, and a zone's rules do not change while a
    process runs)."""
    zone = ZoneInfo(time_zone)
    start = datetime.combine(start_date, datetime.min.time(), zone)
    end = datetime.combine(end_date + timedelta(days=1), datetime.min.time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def slots_busy_range(lo: datetime, hi: datetime) -> tuple[datetime, datetime]:
    """The span external busy times are needed for when listing slots starting in ``[lo, hi)``."""
    return lo - timedelta(days=1), hi + timedelta(days=1)


def check_busy_range(
    start: datetime, horizon_days: int = CHECK_HORIZON_DAYS
) -> tuple[datetime, datetime]:
    """The span external busy times are needed for when checking ``start`` with alternatives up
    to ``horizon_days`` away."""
    horizon = timedelta(days=horizon_days + 1)
    return start - horizon, start + horizon


# What occupies a host is loaded this far beyond the span the engine looks at: windows of
# neighbouring local days, the longest duration plus both buffers, and whole local days for the
# per-day limit all fit inside.
OCCUPANCY_MARGIN = timedelta(days=3)


def occupancy_range(lo: datetime, hi: datetime) -> tuple[datetime, datetime]:
    """The span whose occupants (bookings, holds) the engine needs to judge starts in ``[lo, hi)``."""
    return lo - OCCUPANCY_MARGIN, hi + OCCUPANCY_MARGIN


def booked_from_row(row: Mapping[Any, Any], event_type_id: str) -> Booked:
    """An occupancy row (``start_at``, ``end_at``, ``block_start``, ``block_end``,
    ``event_type_id``, ``expires_at``) as the engine sees it, marked when it is of
    ``event_type_id``; a hold's carries its expiry."""
    return Booked(
        row["start_at"],
        row["end_at"],
        row["block_start"],
        row["block_end"],
        row["event_type_id"] == event_type_id,
        row.get("expires_at"),
    )
