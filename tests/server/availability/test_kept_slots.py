"""One-host slots are answered from a per-process memo (``availability/service.py``,
``_kept_slots``) when the engine's inputs repeat: the same working hours object, equal rules,
range, occupants and busy times, and the range clipped to ``engine.bookable_bounds`` at ``now``
the same. Whatever the memo answers must be what ``find_slots`` answers for the same call."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from astrocal_server.availability import service
from astrocal_server.availability.engine import (
    WEEKDAYS,
    Booked,
    BusyInterval,
    Rules,
    SlotRun,
    WorkingHours,
    find_slots,
)

HOURS = WorkingHours.from_api(
    "Europe/Berlin", [{"day": d, "start": "09:00", "end": "17:00"} for d in WEEKDAYS[:5]]
)
LO = datetime(2026, 4, 14, 22, 0, tzinfo=UTC)  # 2026-04-15 00:00 in Berlin
SPAN = (LO, LO + timedelta(days=1))


def _booked(hour: float, length: float = 1.0) -> Booked:
    start = LO + timedelta(hours=hour)
    end = start + timedelta(hours=length)
    return Booked(start, end, start, end)


def test_the_memo_answers_what_the_engine_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "_KEPT", {})
    monkeypatch.setattr(service, "_KEPT_MAX", 5)  # cleared along the way too
    pick = random.Random(20).choice
    nows = [LO - timedelta(days=70), LO - timedelta(days=1)] + [
        LO + timedelta(hours=h, minutes=m) for h in (6, 7, 9, 12, 16, 30) for m in (0, 7, 59)
    ]
    occupants = [(), (_booked(10),), (_booked(10), _booked(13.5, 0.5)), (_booked(8, 12),)]
    busies = [(), (BusyInterval(LO + timedelta(hours=11), LO + timedelta(hours=12), "cal_1"),)]
    rules = [
        Rules(30),
        Rules(30, minimum_notice_minutes=120),
        Rules(30, booking_window_days=1),
        Rules(45, slot_interval_minutes=15, buffer_after_minutes=10),
        Rules(30, max_bookings_per_day=1),
        Rules(30, active=False),
        Rules(30, seats_per_slot=3),
    ]
    for _ in range(400):
        now, bookings, busy, rule = pick(nows), pick(occupants), pick(busies), pick(rules)
        args = {"now": now, "range_start": SPAN[0], "range_end": SPAN[1]}
        expected = find_slots(HOURS, rule, **args, bookings=bookings, busy=busy)
        found = service._kept_slots(HOURS, rule, now, SPAN, bookings, busy)
        assert list(found) == list(expected), (now, bookings, busy, rule)


def test_a_repeat_is_answered_from_the_memo_and_other_hours_are_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(service, "_KEPT", {})
    now = LO - timedelta(days=1)
    first = service._kept_slots(HOURS, Rules(30), now, SPAN, (), ())
    assert isinstance(first, SlotRun) and len(first) == 16
    # A second later the notice and window still clip the range alike: the kept answer.
    assert service._kept_slots(HOURS, Rules(30), now + timedelta(seconds=1), SPAN, (), ()) is first
    # New hours (the inputs cache read the schedule again): asked of the engine.
    longer = WorkingHours.from_api(
        "Europe/Berlin", [{"day": d, "start": "09:00", "end": "18:00"} for d in WEEKDAYS[:5]]
    )
    other = service._kept_slots(longer, Rules(30), now, SPAN, (), ())
    assert other is not first and len(other) == 18
    # An occupant: asked of the engine.
    booked = service._kept_slots(HOURS, Rules(30), now, SPAN, (_booked(10),), ())
    assert len(booked) == 14
