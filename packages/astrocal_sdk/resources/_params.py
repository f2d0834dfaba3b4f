"""Argument types of resource methods: the generated models, or plain mappings of the same shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from astrocal_sdk.types._generated.models import (
    CalendarRef,
    DateOverride,
    Invitee,
    InviteeUpdate,
    Location,
    WeeklyHoursInterval,
)

__all__ = [
    "CalendarRefParam",
    "DateLike",
    "DateOverrideParam",
    "DateTimeLike",
    "InviteeParam",
    "InviteeUpdateParam",
    "LocationParam",
    "TimeZoneLike",
    "WeeklyHoursParam",
]

DateTimeLike = dt.datetime | str
"""An aware ``datetime`` (any zone; sent as UTC) or an RFC 3339 string."""
DateLike = dt.date | str
"""A ``date`` or ``YYYY-MM-DD``."""
TimeZoneLike = ZoneInfo | str
"""A ``ZoneInfo`` or an IANA name such as ``Europe/Berlin``."""

InviteeParam = Invitee | Mapping[str, object]
InviteeUpdateParam = InviteeUpdate | Mapping[str, object]
LocationParam = Location | Mapping[str, object]
CalendarRefParam = CalendarRef | Mapping[str, object]
WeeklyHoursParam = WeeklyHoursInterval | Mapping[str, object]
DateOverrideParam = DateOverride | Mapping[str, object]
