"""A deliberately naive reference of the slot engine: the slot rules stated in
``astrocal_server/availability/engine.py``, followed line by line with aware datetimes, every
candidate checked against every interval (all pairs). It shares no code with the engine.

``ref_find(hours, rules, now, lo, hi, bookings, busy)`` → ``[(start, seats left or None), …]``.
The engine's property tests compare the engine with it, and ``bench/slots_engine.py`` times the
engine against it (so it imports nothing from pytest).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from astrocal_server.availability.engine import Booked, BusyInterval, Rules, WorkingHours

__all__ = ["ref_find", "ref_local_to_utc"]


def ref_local_to_utc(zone: ZoneInfo, day: date, minute: int, is_end: bool) -> datetime:
    wall = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute)
    instants = sorted({wall.replace(tzinfo=zone, fold=f).astimezone(UTC) for f in (0, 1)})
    real = [i for i in instants if i.astimezone(zone).replace(tzinfo=None) == wall]
    if real:  # exists once, or twice (ambiguous): earlier for a start, later for an end
        return real[-1] if is_end else real[0]
    # A gap: the reading that lands after the wall time is the one moved forward by the gap.
    return next(i for i in instants if i.astimezone(zone).replace(tzinfo=None) > wall)


def ref_find(
    hours: WorkingHours,
    rules: Rules,
    now: datetime,
    lo: datetime,
    hi: datetime,
    bookings: list[Booked],
    busy: list[BusyInterval],
) -> list[tuple[datetime, int | None]]:
    zone = ZoneInfo(hours.time_zone)
    duration = timedelta(minutes=rules.duration_minutes)
    step = timedelta(minutes=rules.slot_interval_minutes or rules.duration_minutes)
    before = timedelta(minutes=rules.buffer_before_minutes)
    after = timedelta(minutes=rules.buffer_after_minutes)
    if not rules.active:
        return []
    candidates: set[datetime] = set()
    day = lo.astimezone(zone).date() - timedelta(days=2)
    while day <= hi.astimezone(zone).date() + timedelta(days=2):
        override = hours.overrides.get(day)
        for a, b in override if override is not None else hours.weekly[day.weekday()]:
            start = ref_local_to_utc(zone, day, a, False)
            end = ref_local_to_utc(zone, day, b, True)
            s = start
            while s + duration <= end:
                candidates.add(s)
                s += step
        day += timedelta(days=1)
    out = []
    for s in sorted(candidates):
        e = s + duration
        if not lo <= s < hi:
            continue
        if s < now + timedelta(minutes=rules.minimum_notice_minutes):
            continue
        if s >= now + timedelta(days=rules.booking_window_days):
            continue
        if rules.max_bookings_per_day is not None:
            local_day = s.astimezone(zone).date()
            same_day = [
                b
                for b in bookings
                if b.same_event_type and b.start.astimezone(zone).date() == local_day
            ]
            if len(same_day) >= rules.max_bookings_per_day:
                continue
        seated = rules.seats_per_slot > 1
        seats = [b for b in bookings if b.same_event_type and b.start == s] if seated else []
        if seated and len(seats) >= rules.seats_per_slot:
            continue
        if any(
            b.block_start < e + after and b.block_end > s - before
            for b in bookings
            if not (seated and b.same_event_type and b.start == s)
        ):
            continue
        if any(x.start < e + after and x.end > s - before for x in busy):
            continue
        out.append((s, rules.seats_per_slot - len(seats) if seated else None))
    return out
