"""Values the routers read from query strings and bodies alike: dates and RFC 3339 instants.

Shared by the availability and booking routers, so a date or an instant is refused with the same
message wherever it is sent.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from astrocal_server.errors import invalid_param

__all__ = ["check_start", "parse_date", "parse_instant", "parse_start"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)


def parse_date(value: str, name: str) -> date:
    try:
        if not _DATE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise invalid_param(
            name, f"{name} must be a date as YYYY-MM-DD, such as 2026-04-15."
        ) from None


# Far outside any bookable horizon; keeps horizon and buffer arithmetic away from year 1 and 9999.
_EARLIEST = datetime(1971, 1, 1, tzinfo=UTC)
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def parse_instant(value: str, name: str) -> datetime:
    """An RFC 3339 date-time with an offset (``Z`` or ``±HH:MM``), as an aware UTC datetime."""
    try:
        if not _DATETIME.match(value):
            raise ValueError
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise invalid_param(
            name,
            f"{name} must be an RFC 3339 date-time with an offset, such as 2026-04-15T14:00:00Z.",
        ) from None
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 has no UTC instant
        raise invalid_param(
            name, f"{name} must be a date-time between 1971 and 9000, such as 2026-04-15T14:00:00Z."
        ) from None


def parse_start(value: str, name: str = "start") -> datetime:
    """:func:`parse_instant` for a slot start: one the scheduling arithmetic can work with."""
    return check_start(parse_instant(value, name), name)


def check_start(value: datetime, name: str = "start") -> datetime:
    """An aware instant already parsed (by the contract's model) as a slot start, in UTC."""
    try:
        start = value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 has no UTC instant
        start = None
    if start is None or not _EARLIEST <= start < _LATEST:
        raise invalid_param(
            name, f"{name} must be a date-time between 1971 and 9000, such as 2026-04-15T14:00:00Z."
        )
    return start
