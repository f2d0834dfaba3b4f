"""The engine equals a deliberately naive reference on random schedules, rules, bookings and busy
sets, in zones with DST gaps and overlaps (including midnight and 30-minute transitions).

The reference (``tests/support/slot_reference.py``) follows the slot rules stated in
``availability/engine.py`` line by line with aware datetimes and checks every candidate against
every interval (all pairs); it shares no code with the engine.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from astrocal_server.availability.engine import (
    WEEKDAYS,
    Booked,
    BusyInterval,
    Rules,
    WorkingHours,
    check_start,
    find_slots,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.slot_reference import ref_find

# Each zone with its 2026 transition days (the day before too, for transitions at 24:00).
TRANSITIONS = {
    "UTC": [date(2026, 4, 15)],
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
    "Europe/London": [date(2026, 3, 29), date(2026, 10, 25)],
    "Europe/Berlin": [date(2026, 3, 29), date(2026, 10, 25)],
    "Australia/Lord_Howe": [date(2026, 4, 5), date(2026, 10, 4)],
    "Asia/Kathmandu": [date(2026, 4, 15)],
    "America/Santiago": [date(2026, 4, 4), date(2026, 9, 5)],
    "America/Havana": [date(2026, 3, 8), date(2026, 11, 1)],
}
ZONES = sorted(TRANSITIONS)
# Wall-clock minutes around each zone's transitions, where window edges are most interesting.
HOT_MINUTES = {
    "UTC": [],
    "America/New_York": list(range(45, 195, 15)),
    "Europe/London": list(range(45, 135, 15)),
    "Europe/Berlin": list(range(105, 195, 15)),
    "Australia/Lord_Howe": list(range(75, 165, 15)),
    "Asia/Kathmandu": [],
    "America/Santiago": [*range(0, 75, 15), *range(1350, 1455, 15)],
    "America/Havana": list(range(0, 90, 15)),
}


# --- strategies --------------------------------------------------------------------------------


@st.composite
def day_intervals(draw: st.DrawFn, zone: str, max_count: int = 3) -> list[tuple[int, int]]:
    # Wall times on a 15-minute grid, often around the zone's transitions.
    point = st.integers(0, 96).map(lambda x: x * 15)
    if HOT_MINUTES[zone]:
        point = st.one_of(point, st.sampled_from(HOT_MINUTES[zone]))
    points = draw(st.lists(point, max_size=2 * max_count, unique=True))
    points.sort()
    return [(points[i], points[i + 1]) for i in range(0, len(points) - 1, 2)]


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, object]:
    zone = draw(st.sampled_from(ZONES))
    base = draw(st.sampled_from(TRANSITIONS[zone]))
    first = base + timedelta(days=draw(st.integers(-1, 0)))
    # The dates are read in the query's zone, often not the schedule's.
    query_zone = draw(st.one_of(st.just(zone), st.sampled_from(ZONES)))
    span = draw(st.integers(1, 3))
    weekly = [
        {"day": WEEKDAYS[d], "start": _hhmm(a), "end": _hhmm(b)}
        for d in range(7)
        for a, b in draw(day_intervals(zone))
    ]
    overrides = [
        {
            "date": (first + timedelta(days=offset)).isoformat(),
            "intervals": [
                {"start": _hhmm(a), "end": _hhmm(b)} for a, b in draw(day_intervals(zone, 2))
            ],
        }
        for offset in draw(st.lists(st.integers(-1, span), max_size=2, unique=True))
    ]
    hours = WorkingHours.from_api(zone, weekly, overrides)
    duration = draw(st.sampled_from([15, 30, 45, 60, 90]))
    rules = Rules(
        duration_minutes=duration,
        slot_interval_minutes=draw(st.sampled_from([None, 10, 15, 20, 30, 60])),
        buffer_before_minutes=draw(st.sampled_from([0, 0, 5, 15, 30])),
        buffer_after_minutes=draw(st.sampled_from([0, 0, 10, 30])),
        minimum_notice_minutes=draw(st.sampled_from([0, 0, 0, 60, 600])),
        booking_window_days=draw(st.sampled_from([1, 2, 3, 60, 60, 60])),
        max_bookings_per_day=draw(st.sampled_from([None, None, None, 1, 2])),
        seats_per_slot=draw(st.sampled_from([1, 1, 2, 3])),
        active=draw(st.sampled_from([True] * 9 + [False])),
    )
    zone_info = ZoneInfo(query_zone)
    lo = datetime.combine(first, datetime.min.time(), zone_info).astimezone(UTC)
    hi = datetime.combine(first + timedelta(days=span), datetime.min.time(), zone_info).astimezone(
        UTC
    )
    anchor = lo.replace(minute=0)

    def instant(quarter_hours: int) -> datetime:
        return anchor + timedelta(minutes=15 * quarter_hours)

    quarters = st.integers(-4 * 30, 4 * 24 * (span + 1))
    # Mostly before the range (so it has slots to lose), sometimes inside it.
    now = instant(
        draw(
            st.one_of(
                st.integers(-4 * 72, 0), st.integers(-4 * 72, 0), st.integers(0, 4 * 24 * span)
            )
        )
    )
    # Bookings often take an open slot's start (seats, per-day counts) or share one.
    grid = [s for s, _ in ref_find(hours, rules, now, lo, hi, [], [])]
    hot = draw(
        st.lists(st.sampled_from(grid) if grid else quarters.map(instant), min_size=1, max_size=4)
    )
    bookings = []
    for _ in range(draw(st.integers(0, 12))):
        start = draw(st.one_of(st.sampled_from(hot), quarters.map(instant)))
        length = timedelta(minutes=draw(st.sampled_from([15, 30, 60, duration])))
        bookings.append(
            Booked(
                start,
                start + length,
                start - timedelta(minutes=draw(st.sampled_from([0, 10, 30]))),
                start + length + timedelta(minutes=draw(st.sampled_from([0, 5, 15]))),
                draw(st.booleans()),
            )
        )
    busy = []
    for _ in range(draw(st.integers(0, 8))):
        start = instant(draw(quarters)) + timedelta(minutes=draw(st.integers(0, 14)))
        busy.append(
            BusyInterval(start, start + timedelta(minutes=draw(st.integers(1, 300))), "cal_x")
        )
    return {
        "hours": hours,
        "rules": rules,
        "now": now,
        "lo": lo,
        "hi": hi,
        "bookings": bookings,
        "busy": busy,
        "probe": instant(draw(quarters)) + timedelta(minutes=draw(st.sampled_from([0, 0, 0, 5]))),
    }


# --- the properties ----------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_engine_equals_the_naive_reference(case: dict[str, object]) -> None:
    hours, rules = case["hours"], case["rules"]
    assert isinstance(hours, WorkingHours) and isinstance(rules, Rules)
    now, lo, hi = case["now"], case["lo"], case["hi"]
    assert isinstance(now, datetime) and isinstance(lo, datetime) and isinstance(hi, datetime)
    bookings, busy = case["bookings"], case["busy"]
    assert isinstance(bookings, list) and isinstance(busy, list)

    got = find_slots(
        hours, rules, now=now, range_start=lo, range_end=hi, bookings=bookings, busy=busy
    )
    expected = ref_find(hours, rules, now, lo, hi, bookings, busy)
    assert [(s.start, s.seats_remaining) for s in got] == expected
    duration = timedelta(minutes=rules.duration_minutes)
    assert all(s.end - s.start == duration for s in got)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_check_start_agrees_with_the_reference(case: dict[str, object]) -> None:
    hours, rules = case["hours"], case["rules"]
    assert isinstance(hours, WorkingHours) and isinstance(rules, Rules)
    now, probe = case["now"], case["probe"]
    assert isinstance(now, datetime) and isinstance(probe, datetime)
    bookings, busy = case["bookings"], case["busy"]
    assert isinstance(bookings, list) and isinstance(busy, list)

    result = check_start(
        hours, rules, now=now, start=probe, bookings=bookings, busy=busy, horizon_days=2
    )
    window = ref_find(
        hours,
        rules,
        now,
        probe - timedelta(days=2),
        probe + timedelta(days=2, seconds=1),
        bookings,
        busy,
    )
    open_starts = [s for s, _ in window]
    assert result.available == (probe in open_starts)
    # A refusal always says why; an acceptance never carries reasons or alternatives.
    assert bool(result.reasons) != result.available
    if not result.available:
        others = sorted(open_starts, key=lambda s: (abs(s - probe), s))[:3]
        assert [s.start for s in result.alternatives] == sorted(others)
