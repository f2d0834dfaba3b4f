"""Pure schedule rules: weekly hours and date overrides must not overlap, and are stored in a
canonical order (by day, then start; overrides by date). No I/O.

Each interval's own shape (HH:MM, end after start) is checked when the request is parsed; these
rules look across intervals and name the offending entry by its position in the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, get_args

from astrocal_server.errors import invalid_param
from astrocal_server.validation import first_overlap, minute_of_day

__all__ = [
    "DAYS",
    "DateOverride",
    "Day",
    "Interval",
    "WeeklyInterval",
    "check_overrides",
    "check_weekly",
]

Day = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DAYS: tuple[Day, ...] = get_args(Day)


@dataclass(frozen=True)
class Interval:
    start: str  # HH:MM
    end: str  # HH:MM, or 24:00

    def minutes(self) -> tuple[int, int]:
        return minute_of_day(self.start), minute_of_day(self.end, allow_24=True)


@dataclass(frozen=True)
class WeeklyInterval(Interval):
    day: Day


@dataclass(frozen=True)
class DateOverride:
    date: date
    intervals: list[Interval]


def check_weekly(weekly: list[WeeklyInterval]) -> list[dict[str, str]]:
    """The weekly hours as stored, or ``parameter_invalid`` on the first overlap within a day."""
    for day in DAYS:
        positions = [i for i, w in enumerate(weekly) if w.day == day]
        clash = first_overlap([weekly[i].minutes() for i in positions])
        if clash:
            a, b = weekly[positions[clash[0]]], weekly[positions[clash[1]]]
            raise invalid_param(
                f"weekly_hours.{positions[clash[1]]}",
                f"The {day} intervals {a.start}–{a.end} and {b.start}–{b.end} overlap; merge them or make them not overlap.",
            )
    ordered = sorted(weekly, key=lambda w: (DAYS.index(w.day), w.minutes()))
    return [{"day": w.day, "start": w.start, "end": w.end} for w in ordered]


def check_overrides(overrides: list[DateOverride]) -> list[dict[str, Any]]:
    """The date overrides as stored, or ``parameter_invalid`` on a repeated date or an overlap."""
    seen: dict[date, int] = {}
    for position, override in enumerate(overrides):
        if override.date in seen:
            raise invalid_param(
                f"date_overrides.{position}.date",
                f"{override.date.isoformat()} is overridden twice (entries {seen[override.date]} and {position}); list each date once.",
            )
        seen[override.date] = position
        clash = first_overlap([i.minutes() for i in override.intervals])
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
                {"start": i.start, "end": i.end} for i in sorted(o.intervals, key=Interval.minutes)
            ],
        }
        for o in ordered
    ]
