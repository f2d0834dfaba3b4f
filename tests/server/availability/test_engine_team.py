"""Team slots equal the single-host engine's answers merged by the assignment rule.

The single-host engine is checked against a naive reference elsewhere
(``test_engine_property.py``); here every host is asked on its own with :func:`find_slots` and the
answers are merged the slow way (sets per host, every start of every host), which the team engine
must match exactly on random teams: hosts in different zones with different hours, bookings of any
event type, busy calendars, seats and daily limits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from astrocal_server.availability.engine import (
    WEEKDAYS,
    Booked,
    BusyInterval,
    Member,
    Rules,
    TeamAssignment,
    WorkingHours,
    check_start,
    check_team_start,
    find_slots,
    find_team_slots,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kathmandu"]
ANCHOR = datetime(2026, 3, 27, tzinfo=UTC)  # the Friday before Berlin's spring-forward
RANGE = (ANCHOR, ANCHOR + timedelta(days=4))
NOW = ANCHOR - timedelta(hours=6)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def hours(draw: st.DrawFn) -> WorkingHours:
    zone = draw(st.sampled_from(ZONES))
    weekly = []
    for day in WEEKDAYS:
        if draw(st.integers(0, 4)) == 0:
            continue  # a day off
        start = draw(st.integers(0, 60)) * 15
        end = min(1440, start + draw(st.integers(2, 40)) * 15)
        weekly.append({"day": day, "start": _hhmm(start), "end": _hhmm(end)})
    return WorkingHours.from_api(zone, weekly)


def _instant(quarter: int) -> datetime:
    return ANCHOR + timedelta(minutes=15 * quarter)


@st.composite
def member(draw: st.DrawFn, index: int, shared: WorkingHours | None) -> Member:
    quarters = st.integers(-8, 4 * 24 * 4)
    booked = []
    for q, length, same, before, after in draw(
        st.lists(
            st.tuples(
                quarters,
                st.integers(1, 6),
                st.booleans(),
                st.sampled_from([0, 15]),
                st.sampled_from([0, 15]),
            ),
            max_size=12,
        )
    ):
        start, end = _instant(q), _instant(q + length)
        booked.append(
            Booked(
                start,
                end,
                start - timedelta(minutes=before),
                end + timedelta(minutes=after),
                same_event_type=same,
            )
        )
    busy = [
        BusyInterval(_instant(q), _instant(q + length), f"cal_{index}")
        for q, length in draw(st.lists(st.tuples(quarters, st.integers(1, 12)), max_size=12))
    ]
    return Member(f"host_{index}", shared or draw(hours()), tuple(booked), tuple(busy))


@st.composite
def teams(draw: st.DrawFn) -> tuple[list[Member], Rules, TeamAssignment]:
    size = draw(st.integers(1, 4))
    shared = draw(hours()) if draw(st.booleans()) else None  # one schedule for all, or one each
    members = [draw(member(i, shared)) for i in range(size)]
    rules = Rules(
        duration_minutes=draw(st.sampled_from([15, 30, 60])),
        slot_interval_minutes=draw(st.sampled_from([None, 15, 30])),
        buffer_before_minutes=draw(st.sampled_from([0, 0, 10])),
        buffer_after_minutes=draw(st.sampled_from([0, 0, 15])),
        minimum_notice_minutes=draw(st.sampled_from([0, 120])),
        max_bookings_per_day=draw(st.sampled_from([None, None, 1, 2])),
        seats_per_slot=draw(st.sampled_from([1, 1, 1, 3])),
    )
    return members, rules, draw(st.sampled_from(["collective", "round_robin"]))


def _merged_the_slow_way(
    members: list[Member], rules: Rules, assignment: TeamAssignment
) -> list[tuple[int, tuple[str, ...], int | None]]:
    per_host = [
        {
            slot.start_ts: slot.seats_remaining
            for slot in find_slots(
                m.hours,
                rules,
                now=NOW,
                range_start=RANGE[0],
                range_end=RANGE[1],
                bookings=m.bookings,
                busy=m.busy,
            )
        }
        for m in members
    ]
    starts = set().union(*per_host)
    out = []
    for start in sorted(starts):
        free = [i for i, found in enumerate(per_host) if start in found]
        if assignment == "collective" and len(free) < len(members):
            continue
        seats = [per_host[i][start] for i in free]
        left = None
        if rules.seats_per_slot > 1:
            left = min(seats) if assignment == "collective" else sum(s or 0 for s in seats)
        out.append((start, tuple(members[i].host_id for i in free), left))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(teams())
def test_team_slots_are_the_hosts_slots_merged(
    team: tuple[list[Member], Rules, TeamAssignment],
) -> None:
    members, rules, assignment = team
    found = find_team_slots(
        members,
        rules,
        assignment=assignment,
        now=NOW,
        range_start=RANGE[0],
        range_end=RANGE[1],
    )
    assert [(s.start_ts, s.host_ids, s.seats_remaining) for s in found] == _merged_the_slow_way(
        members, rules, assignment
    )
    assert all(s.end_ts - s.start_ts == rules.duration_minutes * 60 for s in found)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(teams(), st.integers(0, 4 * 24 * 3))
def test_a_team_start_is_available_exactly_when_listed_and_reasons_name_hosts(
    team: tuple[list[Member], Rules, TeamAssignment], quarter: int
) -> None:
    members, rules, assignment = team
    start = _instant(quarter)
    listed = {
        s.start_ts: s.host_ids
        for s in find_team_slots(
            members,
            rules,
            assignment=assignment,
            now=NOW,
            range_start=start - timedelta(days=1),
            range_end=start + timedelta(days=1),
        )
    }
    check = check_team_start(members, rules, assignment=assignment, now=NOW, start=start)
    key = int(start.timestamp())
    assert check.available == (key in listed)
    if check.available:
        assert check.host_ids == listed[key] and not check.reasons
        return
    assert check.reasons and all(r.host_id for r in check.reasons)
    # Each host's reasons are that host's own single-host reasons.
    for m in members:
        alone = check_start(m.hours, rules, now=NOW, start=start, bookings=m.bookings, busy=m.busy)
        mine = [(r.code, r.message) for r in check.reasons if r.host_id == m.host_id]
        assert mine == [(r.code, r.message) for r in alone.reasons]
    assert len(check.alternatives) <= 3


def test_collective_needs_everyone_and_round_robin_anyone() -> None:
    nine_to_five = WorkingHours.from_api(
        "UTC", [{"day": d, "start": "09:00", "end": "17:00"} for d in WEEKDAYS]
    )
    ten = datetime(2026, 3, 30, 10, tzinfo=UTC)
    a = Member("host_a", nine_to_five)
    b = Member("host_b", nine_to_five, busy=(BusyInterval(ten, ten + timedelta(hours=1), "c"),))
    rules = Rules(duration_minutes=60)
    window = {"now": NOW, "range_start": ten, "range_end": ten + timedelta(hours=2)}
    together = find_team_slots([a, b], rules, assignment="collective", **window)
    anyone = find_team_slots([a, b], rules, assignment="round_robin", **window)
    assert [(s.start, s.host_ids) for s in together] == [
        (ten + timedelta(hours=1), ("host_a", "host_b"))
    ]
    assert [(s.start, s.host_ids) for s in anyone] == [
        (ten, ("host_a",)),
        (ten + timedelta(hours=1), ("host_a", "host_b")),
    ]
    check = check_team_start([a, b], rules, assignment="collective", now=NOW, start=ten)
    assert not check.available
    assert [(r.code, r.host_id) for r in check.reasons] == [("calendar_busy", "host_b")]
    assert check_team_start(
        [a, b], rules, assignment="round_robin", now=NOW, start=ten
    ).host_ids == ("host_a",)
