"""Pure event type rules: duration options, references to the caller's calendars, slug clashes.
No I/O: the service loads what the rules look at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from astrocal_server.errors import Conflict, conflict, invalid_param, not_found
from astrocal_server.storage.models import CalendarConnection

__all__ = ["CalendarRefs", "calendar_refs", "check_calendar_refs", "check_durations", "slug_taken"]

# (request param, {"connection_id": …, "calendar_id": …}) in the order they are checked.
CalendarRefs = list[tuple[str, dict[str, Any]]]


def check_durations(duration_minutes: int, options: Sequence[int] | None) -> None:
    """``duration_options`` lists each duration once and includes ``duration_minutes``."""
    if options is None:
        return
    if len(set(options)) != len(options):
        raise invalid_param(
            "duration_options", "duration_options lists a duration twice; list each once."
        )
    if duration_minutes not in options:
        raise invalid_param(
            "duration_options",
            f"duration_options must include duration_minutes ({duration_minutes}); add it to the list.",
        )


def calendar_refs(
    conflict_calendars: Sequence[dict[str, Any]], destination_calendar: dict[str, Any] | None
) -> CalendarRefs:
    refs: CalendarRefs = [(f"conflict_calendars.{i}", c) for i, c in enumerate(conflict_calendars)]
    if destination_calendar:
        refs.append(("destination_calendar", destination_calendar))
    return refs


def check_calendar_refs(refs: CalendarRefs, connections: Mapping[str, CalendarConnection]) -> None:
    """Each ref names one of the caller's ``connections`` and one of its calendars (when the
    connection has listed them); bookings can only be written to a writable calendar."""
    for param, ref in refs:
        connection = connections.get(ref["connection_id"])
        if connection is None:
            raise not_found(
                "calendar connection", ref["connection_id"], param=f"{param}.connection_id"
            )
        calendars = {str(c.get("id")): c for c in connection.calendars or []}
        if calendars and ref["calendar_id"] not in calendars:
            raise invalid_param(
                f"{param}.calendar_id",
                f"Calendar {ref['calendar_id']!r} is not one of connection {connection.id}'s calendars: {', '.join(sorted(calendars))}.",
            )
        chosen = calendars.get(ref["calendar_id"])
        if param == "destination_calendar" and chosen and chosen.get("read_only"):
            writable = sorted(i for i, c in calendars.items() if not c.get("read_only"))
            raise invalid_param(
                "destination_calendar.calendar_id",
                f"Calendar {ref['calendar_id']!r} is read-only, so bookings cannot be written to it; "
                f"choose a writable calendar of connection {connection.id}"
                + (f": {', '.join(writable)}." if writable else " (it has none)."),
            )


def slug_taken(slug: str) -> Conflict:
    return conflict(
        "slug_taken",
        f"Another event type in this account already uses the slug {slug!r}; choose another slug.",
        param="slug",
    )
