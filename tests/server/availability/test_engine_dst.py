"""DST table: working hours across spring-forward gaps and fall-back overlaps (the slot rules of
``availability/engine.py``: a nonexistent wall time moves forward by the gap; an ambiguous one is the
earlier instant for a window start and the later for a window end)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from astrocal_server.availability.engine import (
    WEEKDAYS,
    Rules,
    WorkingHours,
    check_start,
    find_slots,
    local_to_utc,
)

NOW = datetime(2026, 1, 10, tzinfo=UTC)
RULES = Rules(duration_minutes=30, booking_window_days=400)


def slots_on(
    zone: str,
    day: date,
    weekly: list[tuple[str, str]],
    *,
    override: list[tuple[str, str]] | None = None,
    rules: Rules = RULES,
) -> list[str]:
    """UTC starts (``MM-DDTHH:MM``) of the slots that come from ``day``'s hours."""
    hours = WorkingHours.from_api(
        zone,
        [{"day": WEEKDAYS[day.weekday()], "start": a, "end": b} for a, b in weekly],
        []
        if override is None
        else [
            {"date": day.isoformat(), "intervals": [{"start": a, "end": b} for a, b in override]}
        ],
    )
    # Only `day` has hours (one weekday; the neighbours are other weekdays), so a wide range
    # shows exactly that day's slots, wherever in UTC they fall.
    found = find_slots(
        hours,
        rules,
        now=NOW,
        range_start=datetime.combine(day - timedelta(days=2), datetime.min.time(), UTC),
        range_end=datetime.combine(day + timedelta(days=3), datetime.min.time(), UTC),
    )
    return [s.start.strftime("%m-%dT%H:%M") for s in found]


CASES = [
    # (id, zone, date, weekly hours, override, expected UTC starts)
    (
        "new-york spring-forward: hours across the gap lose an hour",
        "America/New_York", date(2026, 3, 8), [("01:00", "04:00")], None,
        ["03-08T06:00", "03-08T06:30", "03-08T07:00", "03-08T07:30"],
    ),
    (
        "new-york spring-forward: a start inside the gap moves forward (02:30 → 03:30 EDT)",
        "America/New_York", date(2026, 3, 8), [("02:30", "04:00")], None,
        ["03-08T07:30"],
    ),
    (
        "new-york fall-back: an ambiguous start takes the earlier instant (01:00 EDT)",
        "America/New_York", date(2026, 11, 1), [("01:00", "02:00")], None,
        ["11-01T05:00", "11-01T05:30", "11-01T06:00", "11-01T06:30"],
    ),
    (
        "new-york fall-back: an ambiguous end takes the later instant (01:30 EST)",
        "America/New_York", date(2026, 11, 1), [("00:00", "01:30")], None,
        ["11-01T04:00", "11-01T04:30", "11-01T05:00", "11-01T05:30", "11-01T06:00"],
    ),
    (
        "new-york fall-back: a whole day has 25 hours",
        "America/New_York", date(2026, 11, 1), [("00:00", "24:00")], None,
        [f"11-01T{h:02d}:{m:02d}" for h in range(4, 24) for m in (0, 30)]
        + [f"11-02T{h:02d}:{m:02d}" for h in range(0, 5) for m in (0, 30)],
    ),
    (
        "london spring-forward: 00:30 GMT to 02:30 BST is one real hour",
        "Europe/London", date(2026, 3, 29), [("00:30", "02:30")], None,
        ["03-29T00:30", "03-29T01:00"],
    ),
    (
        "london fall-back: 01:00 BST to 02:00 GMT is two real hours",
        "Europe/London", date(2026, 10, 25), [("01:00", "02:00")], None,
        ["10-25T00:00", "10-25T00:30", "10-25T01:00", "10-25T01:30"],
    ),
    (
        "berlin spring-forward: hours wholly inside the gap are empty",
        "Europe/Berlin", date(2026, 3, 29), [("02:00", "03:00")], None,
        [],
    ),
    (
        "berlin fall-back: 02:00–03:00 twice",
        "Europe/Berlin", date(2026, 10, 25), [("02:00", "03:00")], None,
        ["10-25T00:00", "10-25T00:30", "10-25T01:00", "10-25T01:30"],
    ),
    (
        "lord-howe spring-forward: a 30-minute shift (+10:30 → +11)",
        "Australia/Lord_Howe", date(2026, 10, 4), [("01:00", "04:00")], None,
        ["10-03T14:30", "10-03T15:00", "10-03T15:30", "10-03T16:00", "10-03T16:30"],
    ),
    (
        "lord-howe fall-back: 01:30–02:00 happens twice, the window spans both",
        "Australia/Lord_Howe", date(2026, 4, 5), [("01:30", "02:00")], None,
        ["04-04T14:30", "04-04T15:00"],
    ),
    (
        "kathmandu +05:45 offset",
        "Asia/Kathmandu", date(2026, 4, 15), [("09:00", "10:00")], None,
        ["04-15T03:15", "04-15T03:45"],
    ),
    (
        "a schedule ending at 24:00",
        "Europe/Berlin", date(2026, 4, 15), [("22:00", "24:00")], None,
        ["04-15T20:00", "04-15T20:30", "04-15T21:00", "04-15T21:30"],
    ),
    (
        "24:00 on the evening before a midnight spring-forward (Santiago): midnight moves to 01:00",
        "America/Santiago", date(2026, 9, 5), [("22:00", "24:00")], None,
        ["09-06T02:00", "09-06T02:30", "09-06T03:00", "09-06T03:30"],
    ),
    (
        "a day starting in a midnight gap (Santiago): 00:00 moves to 01:00",
        "America/Santiago", date(2026, 9, 6), [("00:00", "02:00")], None,
        ["09-06T04:00", "09-06T04:30"],
    ),
    (
        "24:00 on a midnight fall-back (Santiago): the later midnight, the repeated hour included",
        "America/Santiago", date(2026, 4, 4), [("22:00", "24:00")], None,
        ["04-05T01:00", "04-05T01:30", "04-05T02:00", "04-05T02:30", "04-05T03:00", "04-05T03:30"],
    ),
    (
        "an override on a transition day replaces the weekly hours",
        "America/New_York", date(2026, 3, 8), [("09:00", "17:00")], [("01:30", "03:30")],
        ["03-08T06:30", "03-08T07:00"],
    ),
    (
        "an empty override on a transition day is a day off",
        "Europe/London", date(2026, 10, 25), [("00:00", "24:00")], [],
        [],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("zone", "day", "weekly", "override", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_dst_table(
    zone: str,
    day: date,
    weekly: list[tuple[str, str]],
    override: list[tuple[str, str]] | None,
    expected: list[str],
) -> None:
    assert slots_on(zone, day, weekly, override=override) == expected


def test_slots_never_start_in_a_gap_and_step_in_real_time() -> None:
    """Across spring-forward, hourly slots are one real hour apart (02:00 local never appears)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/New_York")
    starts = slots_on(
        "America/New_York",
        date(2026, 3, 8),
        [("00:00", "24:00")],
        rules=Rules(duration_minutes=60, booking_window_days=400),
    )
    assert len(starts) == 23
    instants = [
        datetime.strptime(f"2026-{s}", "%Y-%m-%dT%H:%M").replace(tzinfo=UTC) for s in starts
    ]
    assert {b - a for a, b in itertools.pairwise(instants)} == {timedelta(hours=1)}
    assert all(i.astimezone(zone).hour != 2 for i in instants)


def test_local_to_utc_rule_two() -> None:
    ny = "America/New_York"
    gap = date(2026, 3, 8)
    overlap = date(2026, 11, 1)
    assert local_to_utc(ny, gap, 150) == datetime(
        2026, 3, 8, 7, 30, tzinfo=UTC
    )  # 02:30 → 03:30 EDT
    assert local_to_utc(ny, gap, 150, is_end=True) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert local_to_utc(ny, overlap, 90) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert local_to_utc(ny, overlap, 90, is_end=True) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert local_to_utc(ny, overlap, 1440) == datetime(2026, 11, 2, 5, 0, tzinfo=UTC)


def test_check_start_across_fall_back_names_both_instants() -> None:
    """Both 01:30s of the repeated hour are bookable when the hours cover the overlap."""
    hours = WorkingHours.from_api(
        "America/New_York", [{"day": "sunday", "start": "00:00", "end": "03:00"}]
    )
    for instant in (
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
    ):
        assert check_start(hours, RULES, now=NOW, start=instant).available
