"""Pure iCalendar logic: busy periods from VEVENTs (recurrences expanded) and a booking as a VEVENT.

Busy rules (the contract's slot semantics): an occurrence blocks time unless it is TRANSPARENT
(shown as free) or CANCELLED; TENTATIVE blocks. Recurrences are expanded client-side with
``recurring-ical-events`` (RRULE, RDATE, EXDATE, and RECURRENCE-ID instances that move or cancel one
occurrence), because servers differ in what they expand. All-day (DATE) events and floating times
are read in the calendar's zone, so an all-day event blocks that whole local day.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from astrocal_server.calendars.base import BusyPeriod, EventDraft

__all__ = [
    "busy_periods",
    "description_with_attendees",
    "event_to_ics",
    "merge_periods",
    "parse_freebusy",
    "subtract_periods",
]

PRODID = "-//Astrocal//Astrocal Scheduling API//EN"


def _instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # floating: the calendar's wall clock
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    return datetime.combine(value, time.min, zone).astimezone(UTC)


def _occurrence_span(event: Any, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    dtstart = event.get("DTSTART")
    if dtstart is None:
        return None
    start_value = dtstart.dt
    dtend = event.get("DTEND")
    duration = event.get("DURATION")
    if dtend is not None:
        end_value = dtend.dt
    elif duration is not None:
        end_value = start_value + duration.dt
    elif isinstance(start_value, datetime):
        return None  # RFC 5545: no end and no duration → takes no time
    else:
        end_value = start_value + timedelta(days=1)  # an all-day event lasts its day
    start, end = _instant(start_value, zone), _instant(end_value, zone)
    return (start, end) if end > start else None


def _blocks(event: Any) -> bool:
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return False
    return str(event.get("STATUS", "CONFIRMED")).upper() != "CANCELLED"


def busy_periods(
    calendars: Iterable[str | bytes],
    start: datetime,
    end: datetime,
    zone: str,
    *,
    ignore_uids: Collection[str] = (),
) -> list[BusyPeriod]:
    """Busy periods in ``[start, end)`` (UTC) from iCalendar objects; sorted, not merged.

    Events whose UID is in ``ignore_uids`` are skipped (the events Astrocal wrote for bookings,
    which block through the bookings themselves)."""
    tz = ZoneInfo(zone)
    out: list[BusyPeriod] = []
    # Widen the expansion window by a day each side: all-day and floating occurrences are
    # matched by the library in their own terms, then clipped here in UTC.
    window = (start - timedelta(days=1), end + timedelta(days=1))
    for text in calendars:
        calendar = icalendar.Calendar.from_ical(text)
        if str(calendar.get("METHOD", "")).upper() == "CANCEL":
            continue
        query = recurring_ical_events.of(calendar, skip_bad_series=True)
        for event in query.between(*window):
            if not _blocks(event) or str(event.get("UID", "")) in ignore_uids:
                continue
            span = _occurrence_span(event, tz)
            if span is None:
                continue
            s, e = span
            if s < end and e > start:
                out.append(BusyPeriod(max(s, start), min(e, end)))
    out.sort()
    return out


def merge_periods(periods: Iterable[BusyPeriod]) -> list[BusyPeriod]:
    """Sorted, with overlapping or touching periods joined."""
    merged: list[BusyPeriod] = []
    for period in sorted(periods):
        if merged and period.start <= merged[-1].end:
            if period.end > merged[-1].end:
                merged[-1] = BusyPeriod(merged[-1].start, period.end)
        else:
            merged.append(period)
    return merged


def subtract_periods(
    periods: Iterable[BusyPeriod], holes: Iterable[BusyPeriod]
) -> list[BusyPeriod]:
    """``periods`` with the time covered by ``holes`` taken out (sorted, merged)."""
    cuts = merge_periods(holes)
    out: list[BusyPeriod] = []
    for period in merge_periods(periods):
        pieces = [period]
        for hole in cuts:
            next_pieces = []
            for piece in pieces:
                if hole.end <= piece.start or hole.start >= piece.end:
                    next_pieces.append(piece)
                    continue
                if piece.start < hole.start:
                    next_pieces.append(BusyPeriod(piece.start, hole.start))
                if hole.end < piece.end:
                    next_pieces.append(BusyPeriod(hole.end, piece.end))
            pieces = next_pieces
        out += pieces
    return out


def parse_freebusy(text: str | bytes, start: datetime, end: datetime) -> list[BusyPeriod]:
    """Busy periods from a VFREEBUSY reply (CalDAV ``free-busy-query``); FBTYPE=FREE is skipped."""
    calendar = icalendar.Calendar.from_ical(text)
    out: list[BusyPeriod] = []
    for component in calendar.walk("VFREEBUSY"):
        values = component.get("FREEBUSY")
        if values is None:
            continue
        for prop in values if isinstance(values, list) else [values]:
            if str(prop.params.get("FBTYPE", "BUSY")).upper() == "FREE":
                continue
            for period in prop.dt if isinstance(prop.dt, list) else [prop.dt]:
                s, rest = period
                e = s + rest if isinstance(rest, timedelta) else rest
                s, e = s.astimezone(UTC), e.astimezone(UTC)
                if s < end and e > start:
                    out.append(BusyPeriod(max(s, start), min(e, end)))
    out.sort()
    return out


def event_to_ics(event: EventDraft, *, stamp: datetime) -> str:
    """The booking as one VEVENT. No ATTENDEE lines: a server with implicit scheduling would send
    its own invitations on top of ours, so attendees go in the description instead."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    vevent = icalendar.Event()
    vevent.add("uid", event.ical_uid)
    vevent.add("dtstamp", stamp.astimezone(UTC))
    vevent.add("dtstart", event.start.astimezone(UTC))
    vevent.add("dtend", event.end.astimezone(UTC))
    vevent.add("summary", event.title)
    vevent.add("sequence", event.sequence)
    vevent.add("status", "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    description = description_with_attendees(event)
    if description:
        vevent.add("description", description)
    if event.location:
        vevent.add("location", event.location)
    calendar.add_component(vevent)
    text: str = calendar.to_ical().decode("utf-8")
    return text


def description_with_attendees(event: EventDraft) -> str:
    lines = [event.description] if event.description else []
    if event.attendees:
        people = ", ".join(
            f"{name} <{email}>" if name else email for name, email in event.attendees
        )
        lines.append(f"Attendees: {people}")
    return "\n\n".join(lines)
