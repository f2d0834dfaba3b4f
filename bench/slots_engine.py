"""Benchmark: the slot engine against a naive all-pairs reference, in the same run.

30 days of an America/New_York schedule across the March 2026 spring-forward (Mon–Fri 09:00–17:00,
Saturday 10:00–14:00), 30-minute slots every 15 minutes, with 1,000 and 10,000 busy intervals
(half external calendar events, half bookings with buffers). Each engine run starts cold (the
local-time conversion cache is cleared), so a run pays for everything a request would.

The reference is the engine property tests' (``tests/support/slot_reference.py``): the slot rules of
``astrocal_server/availability/engine.py`` with aware datetimes, every candidate tested against
every interval; both must return the same slots on every input before any timing counts.

    .venv/bin/python bench/slots_engine.py [--runs 200] [--no-write]

Bars (bench/RESULTS.md): 1,000 busy → p50 ≤ 2 ms on one core and ≥ 50× faster than the reference;
10,000 busy → p50 ≤ 25 ms.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from _common import bench_parser, percentile, publish, run_header
from astrocal_server.availability import engine
from astrocal_server.availability.engine import (
    Booked,
    BusyInterval,
    Rules,
    WorkingHours,
    find_slots,
)

from tests.support.slot_reference import ref_find

SECTION = "## Slot engine"
ZONE = "America/New_York"
FIRST_DAY = date(2026, 2, 23)
DAYS = 30
RULES = Rules(
    duration_minutes=30,
    slot_interval_minutes=15,
    buffer_before_minutes=5,
    buffer_after_minutes=10,
    booking_window_days=90,
    max_bookings_per_day=None,
)
HOURS = WorkingHours.from_api(
    ZONE,
    [{"day": d, "start": "09:00", "end": "17:00"} for d in engine.WEEKDAYS[:5]]
    + [{"day": "saturday", "start": "10:00", "end": "14:00"}],
    [{"date": "2026-03-09", "intervals": [{"start": "02:00", "end": "06:00"}]}],
)


def the_range() -> tuple[datetime, datetime]:
    zone = ZoneInfo(ZONE)
    start = datetime.combine(FIRST_DAY, datetime.min.time(), zone).astimezone(UTC)
    end = datetime.combine(FIRST_DAY + timedelta(days=DAYS), datetime.min.time(), zone)
    return start, end.astimezone(UTC)


def inputs(
    count: int, seed: int, *, long: bool = False
) -> tuple[datetime, list[Booked], list[BusyInterval]]:
    """``count`` busy intervals over the range: half bookings (with their own buffers), half
    calendar events. Beyond 1,000 they are the same 1,000 meetings seen again and again with a few
    minutes of jitter (many conflict calendars sharing meetings), so the month keeps open slots —
    10,000 independent random intervals would cover every minute of it. ``long``: 15–60-minute
    meetings with bigger buffers, which block most of the month."""
    rng = random.Random(seed)
    lo, hi = the_range()
    span = int((hi - lo).total_seconds() // 60)
    now = lo - timedelta(days=1)
    meetings = [
        (
            lo + timedelta(minutes=rng.randrange(0, span, 5)),
            rng.choice([15, 30, 45, 60] if long else [15, 30]),
        )
        for _ in range(min(count, 1000))
    ]
    bookings: list[Booked] = []
    busy: list[BusyInterval] = []
    for i in range(count):
        base, minutes = meetings[i % len(meetings)]
        start = base + timedelta(minutes=rng.randint(-5, 5) if i >= len(meetings) else 0)
        length = timedelta(minutes=minutes)
        if i % 2:
            before = timedelta(minutes=rng.choice([0, 5, 15] if long else [0, 5]))
            after = timedelta(minutes=rng.choice([0, 10, 30] if long else [0, 10]))
            bookings.append(
                Booked(start, start + length, start - before, start + length + after, i % 3 == 0)
            )
        else:
            busy.append(BusyInterval(start, start + length, f"cal_{i % 7}"))
    return now, bookings, busy


# --- the naive reference -----------------------------------------------------------------------


def naive(
    now: datetime, lo: datetime, hi: datetime, bookings: list[Booked], busy: list[BusyInterval]
) -> list[datetime]:
    return [start for start, _seats in ref_find(HOURS, RULES, now, lo, hi, bookings, busy)]


# --- measuring ---------------------------------------------------------------------------------


def run_engine(now: datetime, bookings: list[Booked], busy: list[BusyInterval]) -> list[datetime]:
    lo, hi = the_range()
    engine.clear_caches()
    found = find_slots(
        HOURS, RULES, now=now, range_start=lo, range_end=hi, bookings=bookings, busy=busy
    )
    return [s.start for s in found]


def timed(fn: object, runs: int, *args: object) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (this process) milliseconds per run."""
    wall, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        fn(*args)  # type: ignore[operator]
        cpu.append((time.process_time() - began_cpu) * 1000)
        wall.append((time.perf_counter() - began) * 1000)
    return sorted(wall), sorted(cpu)


def measure(count: int, runs: int, naive_runs: int, *, long: bool = False) -> dict[str, Any]:
    lo, hi = the_range()
    # Equality first, on several random inputs of this size.
    for seed in range(3):
        now, bookings, busy = inputs(count, seed, long=long)
        got, expected = run_engine(now, bookings, busy), naive(now, lo, hi, bookings, busy)
        if got != expected:
            raise SystemExit(f"engine and reference disagree ({count} busy, seed {seed})")
    now, bookings, busy = inputs(count, 99, long=long)
    slots = len(run_engine(now, bookings, busy))
    engine_wall, engine_cpu = timed(run_engine, runs, now, bookings, busy)
    _naive_wall, naive_cpu = timed(naive, naive_runs, now, lo, hi, bookings, busy)
    return {
        "busy": f"{count:,}" + (" (long meetings)" if long else ""),
        "slots": slots,
        "engine_p50": statistics.median(engine_cpu),
        "engine_p99": percentile(engine_cpu, 0.99),
        "engine_wall_p50": statistics.median(engine_wall),
        "naive_p50": statistics.median(naive_cpu),
        "speedup": statistics.median(naive_cpu) / statistics.median(engine_cpu),
    }


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--runs", type=int, default=200, help="engine runs per size")
    args = parser.parse_args()
    small = measure(1_000, args.runs, naive_runs=5)
    saturated = measure(1_000, args.runs, naive_runs=5, long=True)
    large = measure(10_000, max(20, args.runs // 4), naive_runs=3)
    load = os.getloadavg()[0]
    small_ok = small["engine_p50"] <= 2.0 and small["speedup"] >= 50
    large_ok = large["engine_p50"] <= 25.0
    rows = "".join(
        f"| {r['busy']} | {r['slots']:.0f} | {r['engine_p50']:.2f} ms | {r['engine_p99']:.2f} ms "
        f"| {r['engine_wall_p50']:.2f} ms | {r['naive_p50']:.0f} ms | {r['speedup']:.0f}× |\n"
        for r in (small, saturated, large)
    )
    text = (
        f"{SECTION}\n\n"
        + run_header("; one process, one core")
        + f"- Command: `.venv/bin/python bench/slots_engine.py --runs {args.runs}`\n"
        f"- Input: 30 days of {ZONE} across the 2026-03-08 spring-forward, Mon–Fri 09:00–17:00 and "
        "Sat 10:00–14:00 plus an override, 30-minute slots every 15 minutes, 5/10-minute buffers; busy "
        "intervals random over the range, half bookings with their own buffers, half calendar events. "
        "Each engine run is cold (zone-offset cache cleared). The engine matched the naive all-pairs "
        "reference exactly on 3 random inputs of each size before timing. The reference stops at "
        "the first conflict of a candidate, so it is cheapest on a month that is mostly blocked "
        "(the long-meetings row).\n\n"
        "Times are CPU time of the benchmark process (`time.process_time`), i.e. the cost on one "
        f"core; the machine is shared (1-minute load average {load:.1f} at the end of the run), "
        "so the wall-clock p50 is shown too and includes waiting for a CPU.\n\n"
        "| busy intervals | open slots | engine p50 (CPU) | engine p99 (CPU) | engine p50 (wall) "
        "| naive p50 (CPU) | speed-up |\n"
        "|---|---|---|---|---|---|---|\n"
        f"{rows}\n"
        f"Bars: 1,000 busy p50 ≤ 2 ms and ≥ 50× the reference → **{small['engine_p50']:.2f} ms, "
        f"{small['speedup']:.0f}×, {'met' if small_ok else 'NOT met'}**; 10,000 busy p50 ≤ 25 ms → "
        f"**{large['engine_p50']:.2f} ms, {'met' if large_ok else 'NOT met'}**.\n"
    )
    if small["speedup"] < 50:
        text += (
            f"\nWhy the ratio misses 50× (by {50 / small['speedup']:.1f}×): the reference stops at a "
            "candidate's first conflict, and with 1,000 intervals in a month almost every candidate "
            "meets one early, so it does far fewer than slots × busy comparisons. The engine's floor "
            "is per interval — reading two datetimes as epoch seconds and two binary searches, "
            "about 0.5 µs each on this machine (~0.7 ms of the 1,000-interval run) — so the ratio is "
            "bounded by the reference's own early exit, not by the candidates. Closing the gap "
            "would mean handing the engine epoch numbers straight from storage and calendars.\n"
        )
    publish(SECTION, text, write=not args.no_write)


if __name__ == "__main__":
    main()
