"""The slot engine: the contract's slot semantics (``openapi.yaml``), exactly. Pure — no I/O, no
clock (``now`` is passed in), no framework; the service (``availability/service.py``) feeds it.

Working hours are wall-clock intervals in the schedule's IANA zone. They are turned into UTC once
per local date (a nonexistent wall time moves forward by the gap; an ambiguous one is the earlier
instant for a window start and the later for a window end) and from then on everything is epoch
seconds. The candidates form a sorted list; each busy interval blocks one contiguous run of it,
found with two binary searches and marked in a difference array, so the cost is
O(slots + busy · log slots), not slots × busy, and no per-slot time-zone arithmetic happens.

:func:`find_slots` lists open slots; :func:`check_start` says whether one start is open, every
reason it is not, and the nearest open alternatives. Both run the same candidate filter
(``_Plan.open_starts``), so a start is available exactly when availability lists it.

Teams: :func:`find_team_slots` and :func:`check_team_start` take one :class:`Member` per host (its
hours, its bookings of any event type, its calendars' busy time) and an ``assignment``:
``collective`` — a start is open when it is open for every host; ``round_robin`` — when it is open
for at least one, and the slot names the free hosts. Each host's open starts come from the same
single-host filter, computed once per host over the whole range (never per candidate), then
merged, so a team costs about one pass per host.
"""

from __future__ import annotations

import functools
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any, Literal, NamedTuple, overload
from zoneinfo import ZoneInfo

__all__ = [
    "ASSIGNMENTS",
    "CHECK_HORIZON_DAYS",
    "WEEKDAYS",
    "Booked",
    "BusyInterval",
    "Conflict",
    "Member",
    "Reason",
    "Rules",
    "Slot",
    "SlotRun",
    "StartCheck",
    "TeamCheck",
    "TeamSlot",
    "WorkingHours",
    "bookable_bounds",
    "check_start",
    "check_team_start",
    "clear_caches",
    "find_slots",
    "find_team_slots",
    "format_ts",
    "local_to_utc",
    "seat_key",
]

ASSIGNMENTS = ("single", "collective", "round_robin")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# How far on each side of a checked start alternatives are looked for.
CHECK_HORIZON_DAYS = 14
MAX_ALTERNATIVES = 3
# A start blocked by hundreds of busy intervals needs only a few named to be explained.
MAX_CONFLICT_REASONS = 5

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_SECOND = timedelta(seconds=1)
_DAY = 86400

Interval = tuple[int, int]  # minutes of the day, [start, end), end may be 1440 (24:00)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """A schedule's hours: ``weekly[0]`` is Monday; ``overrides`` replace a date's weekly hours."""

    time_zone: str
    weekly: tuple[tuple[Interval, ...], ...]
    overrides: Mapping[date, tuple[Interval, ...]]

    @classmethod
    def from_api(
        cls,
        time_zone: str,
        weekly_hours: Iterable[Mapping[str, Any]],
        date_overrides: Iterable[Mapping[str, Any]] = (),
    ) -> WorkingHours:
        """From the API's (and the database's) shapes: ``{"day", "start", "end"}`` and
        ``{"date", "intervals": [{"start", "end"}]}``."""
        weekly: list[list[Interval]] = [[] for _ in WEEKDAYS]
        for item in weekly_hours:
            weekly[WEEKDAYS.index(item["day"])].append(
                (_minutes(item["start"]), _minutes(item["end"]))
            )
        overrides = {
            date.fromisoformat(item["date"]): tuple(
                sorted((_minutes(i["start"]), _minutes(i["end"])) for i in item["intervals"])
            )
            for item in date_overrides
        }
        return cls(time_zone, tuple(tuple(sorted(day)) for day in weekly), overrides)

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        found = self.overrides.get(day)
        return found if found is not None else self.weekly[day.weekday()]


@dataclass(frozen=True, slots=True)
class Rules:
    """An event type's booking rules, with the duration already chosen."""

    duration_minutes: int
    slot_interval_minutes: int | None = None  # None: the duration
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    minimum_notice_minutes: int = 0
    booking_window_days: int = 60
    max_bookings_per_day: int | None = None
    seats_per_slot: int = 1
    active: bool = True

    @property
    def step_minutes(self) -> int:
        return self.slot_interval_minutes or self.duration_minutes


@dataclass(frozen=True, slots=True)
class Booked:
    """A non-cancelled booking of the same host. ``block_*`` is ``[start, end)`` widened by the
    booking's own event type's buffers; ``same_event_type`` marks bookings of the event type being
    scheduled (they count toward its daily limit and, when it is seated, share seats by start)."""

    start: datetime
    end: datetime
    block_start: datetime
    block_end: datetime
    same_event_type: bool = False
    held_until: datetime | None = None  # an active hold (not a booking), until this instant


@dataclass(frozen=True, slots=True)
class BusyInterval:
    """Busy time from an external calendar, in UTC; ``source`` is the calendar connection id."""

    start: datetime
    end: datetime
    source: str


class _Span:
    """``[start, end)`` of a slot tuple as datetimes, on demand: the engine itself keeps integer
    epoch seconds (``start_ts``, ``end_ts``)."""

    __slots__ = ()
    start_ts: int
    end_ts: int

    @property
    def start(self) -> datetime:
        return _dt(self.start_ts)

    @property
    def end(self) -> datetime:
        return _dt(self.end_ts)


class _SlotFields(NamedTuple):
    start_ts: int
    end_ts: int
    seats_remaining: int | None = None  # only for seated event types


class Slot(_SlotFields, _Span):
    """An open slot ``[start, end)`` (:class:`_Span`)."""

    __slots__ = ()


class SlotRun(Sequence[Slot]):
    """Open slots of one length and no seats, kept as their starts (epoch seconds, ascending):
    what :func:`find_slots` answers. A :class:`Slot` is made only when one is asked for, so
    a caller that needs just the instants (the availability response) makes none."""

    __slots__ = ("duration", "starts")

    def __init__(self, starts: list[int], duration: int) -> None:
        self.starts = starts
        self.duration = duration  # seconds

    def __len__(self) -> int:
        return len(self.starts)

    @overload
    def __getitem__(self, index: int) -> Slot: ...

    @overload
    def __getitem__(self, index: slice) -> list[Slot]: ...

    def __getitem__(self, index: int | slice) -> Slot | list[Slot]:
        duration = self.duration
        if isinstance(index, slice):
            return [Slot(s, s + duration) for s in self.starts[index]]
        start = self.starts[index]
        return Slot(start, start + duration)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SlotRun):
            return self.starts == other.starts and self.duration == other.duration
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        return f"SlotRun({self.starts!r}, {self.duration!r})"


@dataclass(frozen=True, slots=True)
class Conflict:
    start: datetime
    end: datetime
    source: str  # "booking" or a calendar connection id


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    message: str
    conflict: Conflict | None = None
    host_id: str | None = None  # set by the team checks: whose reason it is
    expires_at: datetime | None = None  # ``held``: when the hold runs out


@dataclass(frozen=True, slots=True)
class StartCheck:
    available: bool
    reasons: list[Reason]
    alternatives: list[Slot]


def seat_key(event_type_id: str, start: datetime) -> str:
    """What bookings sharing the seats of one slot have in common (``Booking.seat_key``)."""
    return f"{event_type_id}:{start.astimezone(UTC).replace(microsecond=0).isoformat()}"


# --- time conversion -----------------------------------------------------------------------


def _ceil_ts(value: datetime) -> int:
    return math.ceil(value.timestamp())


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@functools.lru_cache(maxsize=4096)
def _day_offset(zone_name: str, day: date) -> int | None:
    """The zone's UTC offset in seconds if it holds for all of ``day`` up to the next midnight,
    else None (a transition day). Midnight is read before a transition at its start and the next
    midnight after one at its end, so transitions at midnight count as on this day too."""
    zone = ZoneInfo(zone_name)
    following = day + timedelta(days=1)
    first = datetime(day.year, day.month, day.day, tzinfo=zone).utcoffset()
    last = datetime(following.year, following.month, following.day, tzinfo=zone, fold=1).utcoffset()
    assert first is not None and last is not None
    return first // _SECOND if first == last else None


def _local_ts(zone_name: str, day: date, minute: int, is_end: bool) -> int:
    offset = _day_offset(zone_name, day)
    if offset is not None:
        return (day.toordinal() - _EPOCH_ORDINAL) * _DAY + minute * 60 - offset
    return _local_ts_exact(zone_name, day, minute, is_end)


def _local_ts_exact(zone_name: str, day: date, minute: int, is_end: bool) -> int:
    if minute >= 1440:
        day, minute = day + timedelta(days=minute // 1440), minute % 1440
    naive = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
    zone = ZoneInfo(zone_name)
    earlier = naive.replace(tzinfo=zone).utcoffset()
    later = naive.replace(tzinfo=zone, fold=1).utcoffset()
    assert earlier is not None and later is not None
    # fold=0 in a gap uses the offset from before the transition, which moves the time forward by
    # the gap; in an overlap fold=0 is the earlier instant and fold=1 (smaller offset) the later.
    offset = later if (is_end and later < earlier) else earlier
    return (naive - _NAIVE_EPOCH - offset) // _SECOND


def clear_caches() -> None:
    """Forget cached zone offsets and instants' texts (benchmarks use it to measure cold runs)."""
    _day_offset.cache_clear()
    _TS_TEXT.clear()


def format_ts(ts: int) -> str:
    """RFC 3339 UTC with ``Z`` for whole epoch seconds, without building a datetime. Slots fall
    on the same instants request after request, so each text is kept (a bounded memo)."""
    text = _TS_TEXT.get(ts)
    if text is None:
        if len(_TS_TEXT) >= _TS_TEXT_MAX:
            _TS_TEXT.clear()
        text = _TS_TEXT[ts] = _format_ts(ts)
    return text


_TS_TEXT: dict[int, str] = {}
_TS_TEXT_MAX = 1 << 15


def _format_ts(ts: int) -> str:
    days, rest = divmod(ts, _DAY)
    day = _DAY_TEXT.get(days)
    if day is None:
        day = _DAY_TEXT[days] = date.fromordinal(days + _EPOCH_ORDINAL).isoformat()
    hours, rest = divmod(rest, 3600)
    return f"{day}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}Z"


_DAY_TEXT: dict[int, str] = {}


def local_to_utc(time_zone: str, day: date, minute: int, *, is_end: bool = False) -> datetime:
    """The instant of ``day`` + ``minute`` (0–1440) wall time in ``time_zone``, by rule 2."""
    return _dt(_local_ts(time_zone, day, minute, is_end))


def _local_date(ts: int, zone_name: str) -> date:
    return datetime.fromtimestamp(ts, ZoneInfo(zone_name)).date()


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _fmt(ts: float) -> str:
    return _dt(ts).strftime("%Y-%m-%d %H:%M UTC")


def bookable_bounds(rules: Rules, now: datetime) -> tuple[int, int]:
    """``(earliest, latest)``: a whole-second start ``s`` is within the notice and the booking
    window at ``now`` exactly when ``earliest <= s < latest``. The only way :func:`find_slots`
    reads ``now``: two calls whose ranges clipped to these bounds agree give the same slots."""
    now_s = now.timestamp()
    # Whole-second starts: s ≥ x ⟺ s ≥ ceil(x) and s < x ⟺ s < ceil(x).
    return (
        math.ceil(now_s + rules.minimum_notice_minutes * 60),
        math.ceil(now_s + rules.booking_window_days * _DAY),
    )


# --- the plan: everything in epoch seconds ---------------------------------------------------


class _Plan:
    """The inputs of one query in integer epoch seconds (busy edges as float seconds)."""

    def __init__(
        self,
        hours: WorkingHours,
        rules: Rules,
        now: datetime,
        lo: int,
        hi: int,
        bookings: Sequence[Booked],
        busy: Sequence[BusyInterval],
    ) -> None:
        zone = hours.time_zone
        self.hours, self.rules, self.lo, self.hi = hours, rules, lo, hi
        self.bookings, self.busy = bookings, busy
        self.duration = rules.duration_minutes * 60
        self.step = rules.step_minutes * 60
        self.before = rules.buffer_before_minutes * 60
        self.after = rules.buffer_after_minutes * 60
        self.now = now.timestamp()
        self.earliest, self.latest = bookable_bounds(rules, now)
        self.seated = rules.seats_per_slot > 1

        # Local dates around the range: a window of the day before may start inside it.
        first = _local_date(lo, zone) - timedelta(days=1)
        last = _local_date(hi - 1, zone) + timedelta(days=1)
        self.days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        self.bounds = [_local_ts(zone, day, 0, False) for day in self.days]
        self.bounds.append(_local_ts(zone, last + timedelta(days=1), 0, False))
        windows: list[tuple[int, int]] = []
        for day in self.days:
            for start_min, end_min in hours.intervals_on(day):
                windows.append(
                    (_local_ts(zone, day, start_min, False), _local_ts(zone, day, end_min, True))
                )
        windows.sort()
        self.windows = windows

        self.per_day: list[int] | None = None
        if rules.max_bookings_per_day is not None:
            per_day = [0] * len(self.days)
            day_lo, day_hi, bounds = self.bounds[0], self.bounds[-1], self.bounds
            for b in bookings:
                if b.same_event_type:
                    start = b.start.timestamp()
                    if day_lo <= start < day_hi:
                        per_day[bisect_right(bounds, start) - 1] += 1
            self.per_day = per_day
        # Seated: start -> [count, block_start, block_end, end] of the bookings sharing that slot.
        self.groups: dict[float, list[float]] = {}
        if self.seated:
            for b in bookings:
                if b.same_event_type:
                    key = b.start.timestamp()
                    edges = [
                        1,
                        b.block_start.timestamp(),
                        b.block_end.timestamp(),
                        b.end.timestamp(),
                    ]
                    group = self.groups.get(key)
                    if group is None:
                        self.groups[key] = edges
                    else:
                        group[0] += 1
                        group[1] = min(group[1], edges[1])
                        group[2] = max(group[2], edges[2])
                        group[3] = max(group[3], edges[3])

    def day_of(self, ts: int) -> int:
        return bisect_right(self.bounds, ts) - 1

    def seats_left(self, start: int) -> int:
        group = self.groups.get(start)
        return self.rules.seats_per_slot - (int(group[0]) if group else 0)

    def candidates(self) -> list[int]:
        """Grid starts of every window that lie in the range and the bookable horizon."""
        duration, step = self.duration, self.step
        lo = max(self.lo, self.earliest)
        hi = min(self.hi, self.latest)
        out: list[int] = []
        overlapping = False
        for start, end in self.windows:
            if start >= hi:
                break
            last = min(end - duration, hi - 1)
            if last < lo:
                continue
            if start < lo:  # the first grid point at or after lo
                start += -(-(lo - start) // step) * step
            if start > last:
                continue
            if out and start <= out[-1]:
                overlapping = True  # windows meeting across a fall-back overlap
            out.extend(range(start, last + 1, step))
        return sorted(set(out)) if overlapping else out

    def open_starts(self) -> list[tuple[int, int]]:
        """``(start, seats remaining)`` of every open slot starting in ``[lo, hi)``, ascending.

        A busy ``[b0, b1)`` blocks exactly the candidates in ``(b0 - duration - after,
        b1 + before)``: two binary searches mark that run in a difference array, so each busy
        interval costs O(log candidates) and nothing is compared pairwise or even sorted.
        """
        free = self.free_starts()
        if self.seated:
            seats = self.rules.seats_per_slot
            groups = self.groups
            out = []
            for s in free:
                group = groups.get(s)
                left = seats - (int(group[0]) if group else 0)
                if left > 0:
                    out.append((s, left))
            return out
        return [(s, 0) for s in free]

    def free_starts(self) -> list[int]:
        """:meth:`open_starts` before seats are counted (for one seat, the open starts)."""
        rules = self.rules
        if not rules.active:
            return []
        cands = self.candidates()
        if not cands:
            return []
        # With nothing occupying the range, every candidate is open.
        free = self._unblocked(cands) if self.bookings or self.busy or self.groups else cands
        limit = rules.max_bookings_per_day
        if limit is not None and self.per_day is not None:
            per_day, bounds = self.per_day, self.bounds
            free = [s for s in free if per_day[bisect_right(bounds, s) - 1] < limit]
        return free

    def _unblocked(self, cands: list[int]) -> list[int]:
        """The candidates no booking, hold, busy time or seat group blocks."""
        diff = [0] * (len(cands) + 1)
        reach_back = self.duration + self.after
        reach_on = self.before
        # Busy edges are float seconds; searching floats among floats avoids mixed comparisons.
        keys = list(map(float, cands))
        seated = self.seated
        for b in self.bookings:
            if seated and b.same_event_type:
                continue  # seat groups below
            i = bisect_right(keys, b.block_start.timestamp() - reach_back)
            j = bisect_left(keys, b.block_end.timestamp() + reach_on)
            if i < j:
                diff[i] += 1
                diff[j] -= 1
        for x in self.busy:
            i = bisect_right(keys, x.start.timestamp() - reach_back)
            j = bisect_left(keys, x.end.timestamp() + reach_on)
            if i < j:
                diff[i] += 1
                diff[j] -= 1
        for slot, (_count, block_start, block_end, _end) in self.groups.items():
            i = bisect_right(keys, block_start - reach_back)
            j = bisect_left(keys, block_end + reach_on)
            if i < j:
                diff[i] += 1
                diff[j] -= 1
                own = bisect_left(keys, slot)
                if i <= own < j and cands[own] == slot:  # a seat group never blocks its own start
                    diff[own] -= 1
                    diff[own + 1] += 1
        return [s for s, blocked in zip(cands, accumulate(diff), strict=False) if not blocked]

    def to_slots(self, starts: Iterable[tuple[int, int]]) -> list[Slot]:
        duration = self.duration
        if self.seated:
            return [Slot(s, s + duration, seats) for s, seats in starts]
        return [Slot(s, s + duration) for s, _ in starts]


# --- the two entry points --------------------------------------------------------------------


def find_slots(
    hours: WorkingHours,
    rules: Rules,
    *,
    now: datetime,
    range_start: datetime,
    range_end: datetime,
    bookings: Sequence[Booked] = (),
    busy: Sequence[BusyInterval] = (),
) -> Sequence[Slot]:
    """Open slots whose start lies in ``[range_start, range_end)``, ascending: a :class:`SlotRun`
    when they have no seats (no :class:`Slot` is made until one is asked for), else a list."""
    lo, hi = _ceil_ts(range_start), _ceil_ts(range_end)
    if hi <= lo:
        return SlotRun([], rules.duration_minutes * 60)
    plan = _Plan(hours, rules, now, lo, hi, bookings, busy)
    if plan.seated:
        return plan.to_slots(plan.open_starts())
    return SlotRun(plan.free_starts(), plan.duration)


def check_start(
    hours: WorkingHours,
    rules: Rules,
    *,
    now: datetime,
    start: datetime,
    bookings: Sequence[Booked] = (),
    busy: Sequence[BusyInterval] = (),
    horizon_days: int = CHECK_HORIZON_DAYS,
) -> StartCheck:
    """Whether ``start`` is open; if not, every reason and up to three nearest open slots."""
    s = math.floor(start.timestamp())
    whole_second = start.microsecond == 0
    # Whether one start is open does not depend on the range around it (its grid is its
    # window's, its day's count and its seats its own): an open start is answered from a plan
    # of that start alone; only a refused one pays for the range (reasons, alternatives).
    if whole_second and any(
        o == s for o, _ in _Plan(hours, rules, now, s, s + 1, bookings, busy).open_starts()
    ):
        return StartCheck(True, [], [])
    plan = _Plan(
        hours,
        rules,
        now,
        s - horizon_days * _DAY,
        s + horizon_days * _DAY + 1,
        bookings,
        busy,
    )
    open_starts = plan.open_starts()
    if whole_second and any(o == s for o, _ in open_starts):
        return StartCheck(True, [], [])
    reasons = _reasons(plan, s, whole_second)
    nearest = sorted(open_starts, key=lambda o: (abs(o[0] - s), o[0]))[:MAX_ALTERNATIVES]
    return StartCheck(False, reasons, plan.to_slots(sorted(nearest)))


def _reasons(plan: _Plan, s: int, whole_second: bool) -> list[Reason]:
    rules, hours = plan.rules, plan.hours
    if not rules.active:
        return [
            Reason(
                "event_type_inactive",
                "The event type is inactive; activate it (PATCH active: true) to take bookings.",
            )
        ]
    out: list[Reason] = []
    e = s + plan.duration
    containing = [w for w in plan.windows if w[0] <= s and e <= w[1]]
    day = plan.days[plan.day_of(s)] if 0 <= plan.day_of(s) < len(plan.days) else None
    if not containing:
        if day is not None and day in hours.overrides:
            windows = hours.overrides[day]
            shown = ", ".join(f"{_hhmm(a)}–{_hhmm(b)}" for a, b in windows) or "no hours"
            out.append(
                Reason(
                    "date_override",
                    f"{day.isoformat()} has a date override ({shown} in {hours.time_zone}) and "
                    f"{_fmt(s)}–{_fmt(e)[11:]} does not fit in it.",
                )
            )
        else:
            out.append(
                Reason(
                    "outside_working_hours",
                    f"{_fmt(s)}–{_fmt(e)[11:]} is not within the working hours "
                    f"({hours.time_zone}) of the event type's schedule.",
                )
            )
    elif not whole_second or all((s - w[0]) % plan.step for w in containing):
        first = containing[0]
        out.append(
            Reason(
                "not_on_slot_grid",
                f"Starts are every {rules.step_minutes} minutes from {_fmt(first[0])}; "
                f"{_fmt(s)} is not one of them.",
            )
        )
    if s < plan.now:
        out.append(Reason("minimum_notice", f"{_fmt(s)} is in the past."))
    elif s < plan.earliest:
        out.append(
            Reason(
                "minimum_notice",
                f"Bookings need {rules.minimum_notice_minutes} minutes' notice; the earliest "
                f"start now is {_fmt(plan.earliest)}.",
            )
        )
    if s >= plan.latest:
        out.append(
            Reason(
                "beyond_booking_window",
                f"Bookings open {rules.booking_window_days} days ahead; {_fmt(s)} is after "
                f"{_fmt(plan.latest)}.",
            )
        )
    limit = rules.max_bookings_per_day
    per_day = plan.per_day  # counted exactly when there is a limit
    if (
        limit is not None
        and day is not None
        and per_day is not None
        and per_day[plan.day_of(s)] >= limit
    ):
        out.append(
            Reason(
                "daily_limit",
                f"{day.isoformat()} ({hours.time_zone}) already has {limit} booking"
                f"{'s' if limit != 1 else ''} of this event type, the daily maximum.",
            )
        )
    if plan.seated and plan.seats_left(s) <= 0:
        out.append(
            Reason("seats_full", f"All {rules.seats_per_slot} seats at {_fmt(s)} are taken.")
        )
    out.extend(_conflicts(plan, s, e))
    return out


def _conflicts(plan: _Plan, s: int, e: int) -> list[Reason]:
    a, b = s - plan.before, e + plan.after
    # (block start, block end, source, whether it overlaps the slot itself rather than a buffer,
    # a hold's expiry)
    found: list[tuple[datetime, datetime, str, bool, datetime | None]] = []
    for booked in plan.bookings:
        if plan.seated and booked.same_event_type and booked.start.timestamp() == s:
            continue  # a seat of this very slot: counted by seats_full, never a conflict
        if booked.block_start.timestamp() < b and booked.block_end.timestamp() > a:
            core = booked.start.timestamp() < e and booked.end.timestamp() > s
            source = "booking" if booked.held_until is None else "hold"
            found.append((booked.block_start, booked.block_end, source, core, booked.held_until))
    for busy in plan.busy:
        start, end = busy.start.timestamp(), busy.end.timestamp()
        if start < b and end > a:
            found.append((busy.start, busy.end, busy.source, start < e and end > s, None))
    found.sort(key=lambda f: (f[0], f[1], f[2]))
    out: list[Reason] = []
    for block_start, block_end, source, core, held_until in found[:MAX_CONFLICT_REASONS]:
        conflict = Conflict(block_start.astimezone(UTC), block_end.astimezone(UTC), source)
        what = _OCCUPANT_NAMES.get(source) or f"Calendar {source}"
        span = f"{_fmt(block_start.timestamp())}–{_fmt(block_end.timestamp())[11:]}"
        expires = held_until.astimezone(UTC) if held_until is not None else None
        if core and expires is not None:
            message = (
                f"A hold reserves {span} until {_fmt(expires.timestamp())}, overlapping "
                f"{_fmt(s)}–{_fmt(e)[11:]}; the start may open then."
            )
            out.append(Reason("held", message, conflict, expires_at=expires))
            continue
        if core:
            code = "booked" if source == "booking" else "calendar_busy"
            message = f"{what} is busy {span}, overlapping {_fmt(s)}–{_fmt(e)[11:]}."
        else:
            code = "buffer"
            message = (
                f"{what} is busy {span}; with the buffers ({plan.rules.buffer_before_minutes} min "
                f"before, {plan.rules.buffer_after_minutes} min after, plus the booking's own) "
                f"{_fmt(s)} is too close."
            )
        out.append(Reason(code, message, conflict, expires_at=expires))
    return out


# How a conflict's source is named in a reason (a calendar's is its connection id).
_OCCUPANT_NAMES = {"booking": "Another booking", "hold": "A hold"}


# --- teams -----------------------------------------------------------------------------------

TeamAssignment = Literal["collective", "round_robin"]


@dataclass(frozen=True, slots=True)
class Member:
    """One host of a team: its working hours, its non-cancelled bookings (every event type; mark
    those of the event type being scheduled ``same_event_type``) and its calendars' busy time."""

    host_id: str
    hours: WorkingHours
    bookings: Sequence[Booked] = ()
    busy: Sequence[BusyInterval] = ()


class _TeamSlotFields(NamedTuple):
    start_ts: int
    end_ts: int
    host_ids: tuple[str, ...]
    seats_remaining: int | None = None


class TeamSlot(_TeamSlotFields, _Span):
    """An open team slot and the hosts free at its start, in the members' order (collective: all
    of them). ``seats_remaining`` (seated types only): the fewest any host has left (collective),
    or the sum over the free hosts (round robin: each booking takes one host's seat)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class TeamCheck:
    available: bool
    host_ids: tuple[str, ...]  # hosts free at the start (round robin: the ones it may go to)
    reasons: list[Reason]  # each names its host
    alternatives: list[TeamSlot]


def _merge(
    members: Sequence[Member],
    plans: Sequence[_Plan],
    assignment: TeamAssignment,
) -> list[TeamSlot]:
    opens = [dict(plan.open_starts()) for plan in plans]
    if not opens:
        return []
    duration = plans[0].duration
    seated = plans[0].seated
    ids = [m.host_id for m in members]
    out: list[TeamSlot] = []
    if assignment == "collective":
        rest = opens[1:]
        everyone = tuple(ids)
        for start, seats in opens[0].items():
            if all(start in other for other in rest):
                left = min([seats, *(other[start] for other in rest)]) if seated else None
                out.append(TeamSlot(start, start + duration, everyone, left))
        return out
    free: dict[int, list[int]] = {}
    for index, found in enumerate(opens):
        for start in found:
            free.setdefault(start, []).append(index)
    for start in sorted(free):
        who = free[start]
        left = sum(opens[i][start] for i in who) if seated else None
        out.append(TeamSlot(start, start + duration, tuple(ids[i] for i in who), left))
    return out


def find_team_slots(
    members: Sequence[Member],
    rules: Rules,
    *,
    assignment: TeamAssignment,
    now: datetime,
    range_start: datetime,
    range_end: datetime,
) -> list[TeamSlot]:
    """Open team slots whose start lies in ``[range_start, range_end)``, ascending."""
    lo, hi = _ceil_ts(range_start), _ceil_ts(range_end)
    if hi <= lo or not members:
        return []
    plans = [_Plan(m.hours, rules, now, lo, hi, m.bookings, m.busy) for m in members]
    return _merge(members, plans, assignment)


def check_team_start(
    members: Sequence[Member],
    rules: Rules,
    *,
    assignment: TeamAssignment,
    now: datetime,
    start: datetime,
    horizon_days: int = CHECK_HORIZON_DAYS,
) -> TeamCheck:
    """Whether ``start`` is open for the team; if not, each host's reasons (collective: of the
    hosts that are not free; round robin: of every host) and up to three nearest team slots."""
    s = math.floor(start.timestamp())
    whole_second = start.microsecond == 0
    lo, hi = s - horizon_days * _DAY, s + horizon_days * _DAY + 1
    plans = [_Plan(m.hours, rules, now, lo, hi, m.bookings, m.busy) for m in members]
    slots = _merge(members, plans, assignment)
    if whole_second:
        found = next((slot for slot in slots if slot.start_ts == s), None)
        if found is not None:
            return TeamCheck(True, found.host_ids, [], [])
    reasons = [
        Reason(r.code, r.message, r.conflict, member.host_id, r.expires_at)
        for member, plan in zip(members, plans, strict=True)
        for r in _reasons(plan, s, whole_second)
    ]
    nearest = sorted(slots, key=lambda o: (abs(o.start_ts - s), o.start_ts))[:MAX_ALTERNATIVES]
    return TeamCheck(False, (), reasons, sorted(nearest))
