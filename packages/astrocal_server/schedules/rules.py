"""Pure schedule rules: every interval ends after it starts, weekly hours and date overrides do
not overlap, and they are stored in a canonical order (by day, then start; overrides by date). No I/O.

Each interval's shape (``HH:MM``, ``24:00`` only as an end) is the contract's, checked when the
request is parsed (:mod:`astrocal_server.contract.requests`); these rules look at the values and
across intervals, and name the offending entry by its position in the request.
"""

from __future__ import annotations

from datetime import date
from typing import Any, get_args

from astrocal_server.contract.requests import (
    DateOverride,
    TimeInterval,
    Weekday,
    WeeklyHoursInterval,
)
from astrocal_server.errors import invalid_param
from astrocal_server.validation import first_overlap, minute_of_day

__all__ = ["DAYS", "DEFAULT_WEEKLY_HOURS", "check_overrides", "check_weekly"]

DAYS: tuple[str, ...] = get_args(Weekday.__value__)
# The hours a schedule gets when none are given: Monday to Friday 09:00–17:00.
DEFAULT_WEEKLY_HOURS = [
    {"day": day, "start": "09:00", "end": "17:00"}
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
]


def _minutes(interval: TimeInterval | WeeklyHoursInterval) -> tuple[int, int]:
    return minute_of_day(interval.start), minute_of_day(interval.end, allow_24=True)


def _check_order(param: str, interval: TimeInterval | WeeklyHoursInterval) -> None:
    start, end = _minutes(interval)
    if start >= end:
        raise invalid_param(
            param,
            f"Invalid {param!r}: the interval {interval.start}–{interval.end} must end after it starts.",
        )


def check_weekly(weekly: list[WeeklyHoursInterval]) -> list[dict[str, str]]:
    """The weekly hours as stored, or ``parameter_invalid`` on a reversed interval or the first
    overlap within a day."""
    for position, interval in enumerate(weekly):
        _check_order(f"weekly_hours.{position}", interval)
    for day in DAYS:
        positions = [i for i, w in enumerate(weekly) if w.day == day]
        clash = first_overlap([_minutes(weekly[i]) for i in positions])
        if clash:
            a, b = weekly[positions[clash[0]]], weekly[positions[clash[1]]]
            raise invalid_param(
                f"weekly_hours.{positions[clash[1]]}",
                f"The {day} intervals {a.start}–{a.end} and {b.start}–{b.end} overlap; merge them or make them not overlap.",
            )
    ordered = sorted(weekly, key=lambda w: (DAYS.index(w.day), _minutes(w)))
    return [{"day": w.day, "start": w.start, "end": w.end} for w in ordered]


def check_overrides(overrides: list[DateOverride]) -> list[dict[str, Any]]:
    """The date overrides as stored, or ``parameter_invalid`` on a repeated date or an overlap."""
    seen: dict[date, int] = {}
    for position, override in enumerate(overrides):
        for index, interval in enumerate(override.intervals):
            _check_order(f"date_overrides.{position}.intervals.{index}", interval)
        if override.date in seen:
            raise invalid_param(
                f"date_overrides.{position}.date",
                f"{override.date.isoformat()} is overridden twice (entries {seen[override.date]} and {position}); list each date once.",
            )
        seen[override.date] = position
        clash = first_overlap([_minutes(i) for i in override.intervals])
        if clash:
            a, b = override.intervals[clash[0]], override.intervals[clash[1]]
            raise invalid_param(
                f"date_overrides.{position}.intervals.{clash[1]}",
                f"On {override.date.isoformat()} the intervals {a.start}–{a.end} and {b.start}–{b.end} overlap.",
            )
    ordered = sorted(overrides, key=lambda o: o.date)
    return [
        {
            "date": o.date.isoformat(),
            "intervals": [
                {"start": i.start, "end": i.end} for i in sorted(o.intervals, key=_minutes)
            ],
        }
        for o in ordered
    ]
