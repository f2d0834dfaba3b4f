"""Times as people read them in an email: in their own zone, with the zone named (pure).

English names are spelled out here rather than taken from ``strftime`` so the output does not
depend on the server's locale.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

__all__ = ["long_span", "short_start", "zone_label"]

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _abbreviation(local: datetime) -> str:
    name = local.tzname() or ""
    if not name or name[0] in "+-":  # zones without a letter abbreviation report "+03"
        offset = local.utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        sign = "+" if minutes >= 0 else "-"
        hours, mins = divmod(abs(minutes), 60)
        return f"UTC{sign}{hours:02d}:{mins:02d}"
    return name


def zone_label(moment: datetime, zone: str) -> str:
    """``"Europe/London, BST"`` — the IANA name and what the clock there calls itself then."""
    local = moment.astimezone(ZoneInfo(zone))
    abbreviation = _abbreviation(local)
    return zone if abbreviation == zone else f"{zone}, {abbreviation}"


def _date(local: datetime) -> str:
    return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}"


def long_span(start: datetime, end: datetime, zone: str) -> str:
    """``"Wednesday 15 April 2026, 15:00–15:30 (Europe/London, BST)"``."""
    tz = ZoneInfo(zone)
    first, last = start.astimezone(tz), end.astimezone(tz)
    if first.date() == last.date():
        span = f"{_date(first)}, {first:%H:%M}–{last:%H:%M}"
    else:
        span = f"{_date(first)}, {first:%H:%M} – {_date(last)}, {last:%H:%M}"
    return f"{span} ({zone_label(start, zone)})"


def short_start(start: datetime, zone: str) -> str:
    """``"Wed 15 Apr 2026, 15:00 BST"`` — for subject lines."""
    local = start.astimezone(ZoneInfo(zone))
    return (
        f"{_DAYS[local.weekday()][:3]} {local.day} {_MONTHS[local.month - 1][:3]} {local.year}, "
        f"{local:%H:%M} {_abbreviation(local)}"
    )
