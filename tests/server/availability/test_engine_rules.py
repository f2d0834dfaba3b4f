"""Every event-type rule of the slot engine, and every reason code of ``check_start``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from astrocal_server.availability.engine import (
    WEEKDAYS,
    Booked,
    BusyInterval,
    Rules,
    Slot,
    WorkingHours,
    check_start,
    find_slots,
    seat_key,
)

NOW = datetime(2026, 4, 13, 8, 0, tzinfo=UTC)  # Monday
DAY = datetime(2026, 4, 15, tzinfo=UTC)  # Wednesday
UTC_HOURS = WorkingHours.from_api(
    "UTC", [{"day": d, "start": "09:00", "end": "12:00"} for d in WEEKDAYS[:5]]
)


def at(hour: int, minute: int = 0, day: datetime = DAY) -> datetime:
    return day.replace(hour=hour, minute=minute)


def slots(
    rules: Rules,
    *,
    hours: WorkingHours = UTC_HOURS,
    bookings: list[Booked] | None = None,
    busy: list[BusyInterval] | None = None,
    now: datetime = NOW,
    day: datetime = DAY,
) -> list[Slot]:
    """The open slots of ``day``."""
    return find_slots(
        hours,
        rules,
        now=now,
        range_start=day,
        range_end=day + timedelta(days=1),
        bookings=bookings or [],
        busy=busy or [],
    )


def starts(rules: Rules, **given: Any) -> list[str]:
    """The open starts of the day (``HH:MM``); ``given`` as for :func:`slots`."""
    return [s.start.strftime("%H:%M") for s in slots(rules, **given)]


def booking(
    start: datetime, minutes: int = 30, before: int = 0, after: int = 0, same: bool = False
) -> Booked:
    end = start + timedelta(minutes=minutes)
    return Booked(
        start, end, start - timedelta(minutes=before), end + timedelta(minutes=after), same
    )


def codes(**kwargs: object) -> list[str]:
    result = check_start(UTC_HOURS, **kwargs)  # type: ignore[arg-type]
    return [r.code for r in result.reasons]


def test_duration_and_default_interval() -> None:
    assert starts(Rules(duration_minutes=60)) == ["09:00", "10:00", "11:00"]
    assert starts(Rules(duration_minutes=45)) == ["09:00", "09:45", "10:30", "11:15"]


def test_slot_interval_and_whole_slots_only() -> None:
    assert starts(Rules(duration_minutes=60, slot_interval_minutes=45)) == [
        "09:00",
        "09:45",
        "10:30",
    ]


def test_from_each_window_start() -> None:
    hours = WorkingHours.from_api(
        "UTC",
        [
            {"day": "wednesday", "start": "09:00", "end": "10:00"},
            {"day": "wednesday", "start": "10:10", "end": "11:10"},
        ],
    )
    assert starts(Rules(duration_minutes=30), hours=hours) == ["09:00", "09:30", "10:10", "10:40"]


def test_date_override_replaces_and_empty_is_day_off() -> None:
    hours = WorkingHours.from_api(
        "UTC",
        [{"day": "wednesday", "start": "09:00", "end": "12:00"}],
        [
            {"date": "2026-04-15", "intervals": [{"start": "14:00", "end": "15:00"}]},
            {"date": "2026-04-22", "intervals": []},
        ],
    )
    assert starts(Rules(duration_minutes=30), hours=hours) == ["14:00", "14:30"]
    assert starts(Rules(duration_minutes=30), hours=hours, day=DAY + timedelta(days=7)) == []
    assert starts(Rules(duration_minutes=30), hours=hours, day=DAY + timedelta(days=14)) == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
    ]


def test_bookings_block_with_their_own_buffers_and_the_candidates() -> None:
    rules = Rules(duration_minutes=30)
    assert starts(rules, bookings=[booking(at(10))]) == [
        "09:00",
        "09:30",
        "10:30",
        "11:00",
        "11:30",
    ]
    # The booking's own event type has 15 minutes after: 10:30 is blocked too.
    assert starts(rules, bookings=[booking(at(10), after=15)]) == [
        "09:00",
        "09:30",
        "11:00",
        "11:30",
    ]
    # The candidate's buffer before (10 min) blocks 10:30 after a booking ending 10:30.
    buffered = Rules(duration_minutes=30, buffer_before_minutes=10)
    assert starts(buffered, bookings=[booking(at(10))]) == ["09:00", "09:30", "11:00", "11:30"]
    # Buffers after: the 09:30 candidate's 30-minute tail runs into the booking; a tail past the
    # end of working hours does not matter.
    tail = Rules(duration_minutes=30, buffer_after_minutes=30)
    assert starts(tail, bookings=[booking(at(10))]) == ["09:00", "10:30", "11:00", "11:30"]


def test_external_busy_blocks() -> None:
    busy = [
        BusyInterval(at(9, 15), at(9, 20), "cal_one"),
        BusyInterval(at(11, 59), at(13), "cal_two"),
    ]
    assert starts(Rules(duration_minutes=30), busy=busy) == ["09:30", "10:00", "10:30", "11:00"]


def test_minimum_notice_and_past() -> None:
    now = at(9, 40)
    assert starts(Rules(duration_minutes=30), now=now) == ["10:00", "10:30", "11:00", "11:30"]
    assert starts(Rules(duration_minutes=30, minimum_notice_minutes=60), now=now) == [
        "11:00",
        "11:30",
    ]


def test_booking_window_is_rolling() -> None:
    now = at(10, 15) - timedelta(days=2)  # 2 days + 45 minutes before 11:00
    assert starts(Rules(duration_minutes=30, booking_window_days=2), now=now) == [
        "09:00",
        "09:30",
        "10:00",
    ]


def test_max_bookings_per_day_counts_days_in_the_schedule_zone() -> None:
    auckland = WorkingHours.from_api(
        "Pacific/Auckland", [{"day": "thursday", "start": "09:00", "end": "11:00"}]
    )
    rules = Rules(duration_minutes=30, max_bookings_per_day=1)
    # Thursday 2026-04-16 in Auckland (+12) is Wednesday 21:00–23:00 UTC.
    assert starts(rules, hours=auckland) == ["21:00", "21:30", "22:00", "22:30"]
    # A booking on Thursday 00:30 Auckland = Wednesday 12:30 UTC counts toward Thursday.
    thursday = booking(at(12, 30), same=True)
    assert starts(rules, hours=auckland, bookings=[thursday]) == []
    # Bookings of other event types do not count; on Wednesday (Auckland) they do not either.
    assert starts(rules, hours=auckland, bookings=[booking(at(12, 30))]) == [
        "21:00",
        "21:30",
        "22:00",
        "22:30",
    ]
    wednesday = booking(at(10), same=True)  # Wednesday 22:00 Auckland
    assert starts(rules, hours=auckland, bookings=[wednesday]) == [
        "21:00",
        "21:30",
        "22:00",
        "22:30",
    ]


def test_seats() -> None:
    rules = Rules(duration_minutes=60, seats_per_slot=3)
    seat = booking(at(10), minutes=60, same=True)
    found = slots(rules, bookings=[seat])
    assert [(s.start.hour, s.seats_remaining) for s in found] == [(9, 3), (10, 2), (11, 3)]
    # Full: three seats taken.
    assert starts(rules, bookings=[seat, seat, seat]) == ["09:00", "11:00"]
    # A seat booking of another start still blocks overlapping starts; other event types block.
    staggered = Rules(duration_minutes=60, slot_interval_minutes=30, seats_per_slot=3)
    assert starts(staggered, bookings=[seat]) == ["09:00", "10:00", "11:00"]
    assert starts(rules, bookings=[booking(at(10), minutes=60)]) == ["09:00", "11:00"]
    # Non-seated event types: a booking at the same start simply blocks it.
    assert starts(Rules(duration_minutes=60), bookings=[seat]) == ["09:00", "11:00"]
    assert seat_key("evt_abc", at(10)) == "evt_abc:2026-04-15T10:00:00+00:00"


def test_inactive_event_type_has_no_slots() -> None:
    assert starts(Rules(duration_minutes=30, active=False)) == []
    result = check_start(UTC_HOURS, Rules(duration_minutes=30, active=False), now=NOW, start=at(9))
    assert not result.available
    assert [r.code for r in result.reasons] == ["event_type_inactive"]
    assert result.alternatives == []


def test_check_available_start() -> None:
    result = check_start(UTC_HOURS, Rules(duration_minutes=30), now=NOW, start=at(9, 30))
    assert result.available and result.reasons == [] and result.alternatives == []


def test_reason_outside_working_hours_and_date_override() -> None:
    rules = Rules(duration_minutes=30)
    assert codes(rules=rules, now=NOW, start=at(13)) == ["outside_working_hours"]
    assert codes(rules=rules, now=NOW, start=at(11, 45)) == ["outside_working_hours"]
    hours = WorkingHours.from_api(
        "UTC",
        [{"day": "wednesday", "start": "09:00", "end": "12:00"}],
        [{"date": "2026-04-15", "intervals": []}],
    )
    result = check_start(hours, rules, now=NOW, start=at(9))
    assert [r.code for r in result.reasons] == ["date_override"]
    assert "2026-04-15" in result.reasons[0].message


def test_reason_not_on_slot_grid() -> None:
    rules = Rules(duration_minutes=30)
    assert codes(rules=rules, now=NOW, start=at(9, 10)) == ["not_on_slot_grid"]
    assert codes(rules=rules, now=NOW, start=at(9).replace(second=1)) == ["not_on_slot_grid"]
    assert codes(rules=rules, now=NOW, start=at(9).replace(microsecond=5)) == ["not_on_slot_grid"]


def test_reason_minimum_notice_and_past() -> None:
    rules = Rules(duration_minutes=30, minimum_notice_minutes=120)
    result = check_start(UTC_HOURS, rules, now=at(9, 30), start=at(10))
    assert [r.code for r in result.reasons] == ["minimum_notice"]
    result = check_start(UTC_HOURS, rules, now=at(9, 30), start=at(9))
    assert [r.code for r in result.reasons] == ["minimum_notice"]
    assert "past" in result.reasons[0].message


def test_reason_beyond_booking_window() -> None:
    rules = Rules(duration_minutes=30, booking_window_days=1)
    assert codes(rules=rules, now=NOW, start=at(9)) == ["beyond_booking_window"]


def test_reason_daily_limit_and_seats_full() -> None:
    limited = Rules(duration_minutes=30, max_bookings_per_day=1)
    taken = booking(at(11), same=True)
    assert codes(rules=limited, now=NOW, start=at(9), bookings=[taken]) == ["daily_limit"]
    seated = Rules(duration_minutes=30, seats_per_slot=2)
    seat = booking(at(9), same=True)
    assert codes(rules=seated, now=NOW, start=at(9), bookings=[seat]) == []
    assert codes(rules=seated, now=NOW, start=at(9), bookings=[seat, seat]) == ["seats_full"]


def test_reason_booked_buffer_and_calendar_busy_carry_the_conflict() -> None:
    rules = Rules(duration_minutes=30, buffer_after_minutes=15)
    blocker = booking(at(10), after=10)
    result = check_start(UTC_HOURS, rules, now=NOW, start=at(10), bookings=[blocker])
    assert [r.code for r in result.reasons] == ["booked"]
    conflict = result.reasons[0].conflict
    assert conflict is not None
    assert (conflict.start, conflict.end, conflict.source) == (at(10), at(10, 40), "booking")
    # 09:30–10:00 touches the booking only through the 15-minute buffer after: `buffer`.
    result = check_start(UTC_HOURS, rules, now=NOW, start=at(9, 30), bookings=[blocker])
    assert [r.code for r in result.reasons] == ["buffer"]
    busy = [
        BusyInterval(at(11), at(11, 30), "cal_abc"),
        BusyInterval(at(11, 40), at(12), "cal_abc"),
    ]
    result = check_start(UTC_HOURS, rules, now=NOW, start=at(11), busy=busy)
    assert [(r.code, r.conflict.source if r.conflict else None) for r in result.reasons] == [
        ("calendar_busy", "cal_abc"),
        ("buffer", "cal_abc"),
    ]


def test_every_reason_that_applies_is_listed() -> None:
    rules = Rules(duration_minutes=30, booking_window_days=1)
    result = check_start(UTC_HOURS, rules, now=NOW, start=at(13, 10), bookings=[booking(at(13))])
    assert [r.code for r in result.reasons] == [
        "outside_working_hours",
        "beyond_booking_window",
        "booked",
    ]


def test_alternatives_are_the_three_nearest_open_slots() -> None:
    rules = Rules(duration_minutes=30)
    taken = [booking(at(10)), booking(at(10, 30))]
    result = check_start(UTC_HOURS, rules, now=NOW, start=at(10), bookings=taken)
    assert not result.available
    assert [s.start for s in result.alternatives] == [at(9), at(9, 30), at(11)]
    # Late in the evening, the nearest are on both sides of the night (a tie goes to the earlier).
    result = check_start(UTC_HOURS, rules, now=NOW, start=at(22, 30))
    tomorrow = DAY + timedelta(days=1)
    assert [s.start for s in result.alternatives] == [
        at(11, 30),
        at(9, day=tomorrow),
        at(9, 30, day=tomorrow),
    ]


def test_check_matches_find_slots_for_every_grid_start() -> None:
    rules = Rules(duration_minutes=30, slot_interval_minutes=15, buffer_before_minutes=5)
    bookings = [booking(at(10)), booking(at(11, 15), after=5)]
    busy = [BusyInterval(at(9, 40), at(9, 50), "cal_x")]
    listed = {s.start for s in slots(rules, bookings=bookings, busy=busy)}
    for minute in range(0, 24 * 60, 5):
        start = DAY + timedelta(minutes=minute)
        result = check_start(UTC_HOURS, rules, now=NOW, start=start, bookings=bookings, busy=busy)
        assert result.available == (start in listed), start
        assert (result.reasons == []) == result.available, (start, result.reasons)


def test_format_ts_matches_datetime_formatting() -> None:
    from astrocal_server.availability.engine import format_ts

    for ts in (0, 951_782_400, 1_776_240_000, 1_776_243_599, 4_102_444_800, 2_000_000_061):
        assert format_ts(ts) == datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_an_open_start_is_checked_from_its_own_grid_point_alone(
    monkeypatch: Any,
) -> None:
    """``check_start`` answers an open start from a plan of that start alone (one candidate, not
    the ±horizon's grid); a refused one still reads the range for its alternatives."""
    from astrocal_server.availability import engine

    seen: list[int] = []
    real = engine._Plan.candidates

    def counted(self: Any) -> list[int]:
        found = real(self)
        seen.append(len(found))
        return found

    monkeypatch.setattr(engine._Plan, "candidates", counted)
    rules = Rules(duration_minutes=30)
    assert check_start(UTC_HOURS, rules, now=NOW, start=at(10)).available
    assert seen == [1]
    seen.clear()
    refused = check_start(UTC_HOURS, rules, now=NOW, start=at(13))
    assert not refused.available and refused.alternatives
    assert seen[0] == 0 and max(seen) > 1
