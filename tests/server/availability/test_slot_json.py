"""The one-day availability answer is written as JSON bytes directly (``serialize/availability.py``,
``open_slots_json``), from the engine's starts (``engine.SlotRun``): the same bytes the API's
encoder writes for ``open_slots_to_api``'s document, with either encoder, and the same slots as
``find_slots``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from astrocal_server.api import encoding
from astrocal_server.availability.engine import (
    WEEKDAYS,
    Booked,
    Rules,
    Slot,
    SlotRun,
    WorkingHours,
    find_slots,
)
from astrocal_server.availability.service import OpenSlots
from astrocal_server.serialize.availability import open_slots_json, open_slots_to_api

NOW = datetime(2026, 4, 13, 8, 0, tzinfo=UTC)
DAY = date(2026, 4, 15)
HOURS = WorkingHours.from_api(
    "Europe/Berlin", [{"day": d, "start": "09:00", "end": "17:00"} for d in WEEKDAYS]
)
LO = datetime(2026, 4, 14, 22, 0, tzinfo=UTC)
BOOKED = Booked(
    LO + timedelta(hours=10), LO + timedelta(hours=11), LO + timedelta(hours=10),
    LO + timedelta(hours=11),
)  # fmt: skip


@pytest.mark.parametrize("seats", [1, 3])
@pytest.mark.parametrize("bookings", [(), (BOOKED,)])
def test_slots_without_seats_come_as_a_run_that_reads_as_the_list(
    seats: int, bookings: tuple[Booked, ...]
) -> None:
    rules = Rules(30, seats_per_slot=seats)
    args = {
        "now": NOW,
        "range_start": LO,
        "range_end": LO + timedelta(days=1),
        "bookings": bookings,
    }
    found = find_slots(HOURS, rules, **args)  # type: ignore[arg-type]
    listed = list(found)
    assert len(found) == len(listed) > 3 and found == listed and listed == found
    assert isinstance(found, SlotRun) == (seats == 1)
    assert found[0] == listed[0] and found[-1] == listed[-1] and found[1:3] == listed[1:3]
    assert find_slots(HOURS, rules, **{**args, "range_end": LO}) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize(
    "slots",
    [
        SlotRun([], 1800),
        SlotRun([1776232800, 1776234600, 1776236400], 1800),
        [Slot(1776232800, 1776234600, 2)],
    ],
    ids=["empty", "run", "seated"],
)
@pytest.mark.parametrize("warnings", [[], [{"code": "calendar_skipped", "message": "Ünïcode"}]])
def test_the_bytes_are_the_encoders(
    monkeypatch: pytest.MonkeyPatch, fast: bool, slots: object, warnings: list[object]
) -> None:
    monkeypatch.setattr(encoding, "FAST", fast and encoding.FAST)
    found = OpenSlots(slots, "evt_abc", "Europe/Berlin", DAY, DAY, warnings)  # type: ignore[arg-type]
    body = open_slots_json(found, encoding.dumps)
    assert body == encoding.dumps(open_slots_to_api(found))
    again = open_slots_json(found, encoding.dumps)  # from the kept texts
    assert again == body
    assert json.loads(body)["data"] == [
        {
            "start": s.start.isoformat().replace("+00:00", "Z"),
            "end": s.end.isoformat().replace("+00:00", "Z"),
        }
        | ({"seats_remaining": s.seats_remaining} if s.seats_remaining is not None else {})
        for s in slots  # type: ignore[attr-defined]
    ]


def test_kept_texts_answer_each_document_with_its_own_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The kept lists and tails (``_RUN_JSON``, ``_REST_JSON``) are keyed by everything they
    show: answers sharing starts, lengths, event types, zones or dates, asked in turn and
    through the memos' clearing, each get the encoder's bytes for their own document."""
    from astrocal_server.serialize import availability as serialize

    monkeypatch.setattr(serialize, "_RUN_JSON_MAX", 3)
    monkeypatch.setattr(serialize, "_REST_JSON_MAX", 3)
    monkeypatch.setattr(serialize, "_RUN_JSON_MAX_SLOTS", 4)
    base = 1776232800
    answers = [
        OpenSlots(SlotRun(starts, duration), event_type, zone, day, day, warnings)
        for starts in ([], [base], [base, base + 1800], [base + 900 * i for i in range(6)])
        for duration in (900, 1800)
        for event_type, zone in (("evt_a", "UTC"), ("evt_b", "Europe/Berlin"))
        for day in (DAY, DAY + timedelta(days=1))
        for warnings in ([], [{"code": "calendar_skipped", "message": "x"}])
    ]
    for _ in range(2):
        for found in answers:
            assert open_slots_json(found, encoding.dumps) == encoding.dumps(
                open_slots_to_api(found)
            )
