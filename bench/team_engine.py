"""Benchmark: team availability against one host holding as many busy intervals, in the same run.

The input of ``bench/slots_engine.py`` (30 days of America/New_York across the March 2026
spring-forward, 30-minute slots every 15 minutes, buffers): a team of 20 hosts sharing the schedule,
each with 500 busy intervals of its own (half bookings, half calendar events; 10,000 in all), asked
as ``collective`` and as ``round_robin``; the baseline is one host with 10,000 busy intervals. Each
run starts cold (the local-time conversion cache is cleared). Before timing, the team answers are
checked against the single-host engine run per host and merged by hand.

    .venv/bin/python bench/team_engine.py [--runs 60] [--no-write]

Bar (bench/RESULTS.md): each team query costs at most 2× the one-host query (CPU time, p50).
"""

from __future__ import annotations

import os
import statistics
from datetime import datetime

from _common import bench_parser, publish, run_header
from astrocal_server.availability import engine
from astrocal_server.availability.engine import (
    Member,
    TeamAssignment,
    find_slots,
    find_team_slots,
)
from slots_engine import HOURS, RULES, inputs, the_range, timed

SECTION = "## Team availability (engine)"
HOSTS = 20
PER_HOST = 500


def team() -> tuple[datetime, list[Member]]:
    members = []
    now = None
    for i in range(HOSTS):
        now, bookings, busy = inputs(PER_HOST, seed=1000 + i)
        members.append(Member(f"host_{i:02d}", HOURS, tuple(bookings), tuple(busy)))
    assert now is not None
    return now, members


def run_team(now: datetime, members: list[Member], assignment: TeamAssignment) -> int:
    lo, hi = the_range()
    engine.clear_caches()
    slots = find_team_slots(
        members, RULES, assignment=assignment, now=now, range_start=lo, range_end=hi
    )
    return len(slots)


def run_one(now: datetime, bookings: list[engine.Booked], busy: list[engine.BusyInterval]) -> int:
    lo, hi = the_range()
    engine.clear_caches()
    return len(
        find_slots(
            HOURS, RULES, now=now, range_start=lo, range_end=hi, bookings=bookings, busy=busy
        )
    )


def check(now: datetime, members: list[Member]) -> dict[str, int]:
    """The team answers equal the per-host engine merged by hand; returns the slot counts."""
    lo, hi = the_range()
    per_host = [
        {
            s.start_ts
            for s in find_slots(
                m.hours,
                RULES,
                now=now,
                range_start=lo,
                range_end=hi,
                bookings=m.bookings,
                busy=m.busy,
            )
        }
        for m in members
    ]
    expected = {
        "collective": len(set.intersection(*per_host)),
        "round_robin": len(set.union(*per_host)),
    }
    for assignment, count in expected.items():
        got = run_team(now, members, assignment)  # type: ignore[arg-type]
        if got != count:
            raise SystemExit(f"{assignment}: team engine {got} slots, per-host merge {count}")
    return expected


def _report(runs: int, one_slots: int, counts: dict[str, int], p50: dict[str, float]) -> str:
    """The section's text: the CPU time of each query and the team's ratio to one host."""
    ratio = {name: p50[name] / p50["one"] for name in ("collective", "round_robin")}
    met = all(r <= 2.0 for r in ratio.values())
    load = os.getloadavg()[0]
    return (
        f"{SECTION}\n\n"
        + run_header(f"; 1-minute load average {load:.1f} at the end of the run")
        + f"- Command: `.venv/bin/python bench/team_engine.py --runs {runs}`\n"
        f"- Input: the slot-engine bench's 30 days; a team of {HOSTS} hosts sharing the schedule with "
        f"{PER_HOST} busy intervals each ({HOSTS * PER_HOST:,} in all) against one host with "
        f"{HOSTS * PER_HOST:,}. Team answers matched the per-host engine merged by hand before "
        "timing. CPU time of the benchmark process, cold caches, rounds interleaved.\n\n"
        "| query | open slots | p50 (CPU) | ratio to one host |\n"
        "|---|---|---|---|\n"
        f"| one host, {HOSTS * PER_HOST:,} busy | {one_slots} | {p50['one']:.2f} ms | 1.00× |\n"
        f"| collective, {HOSTS} hosts | {counts['collective']} | {p50['collective']:.2f} ms "
        f"| {ratio['collective']:.2f}× |\n"
        f"| round robin, {HOSTS} hosts | {counts['round_robin']} | {p50['round_robin']:.2f} ms "
        f"| {ratio['round_robin']:.2f}× |\n\n"
        f"Bar: a {HOSTS}-host team costs at most 2× one host with the same number of intervals → "
        f"**{max(ratio.values()):.2f}×, {'met' if met else 'NOT met'}**.\n"
    )


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--runs", type=int, default=60, help="runs per query")
    args = parser.parse_args()
    now, members = team()
    counts = check(now, members)
    one_now, bookings, busy = inputs(HOSTS * PER_HOST, seed=99)
    one_slots = run_one(one_now, bookings, busy)
    # Interleaved rounds, so a burst of load on the shared machine hits every query alike.
    cpu: dict[str, list[float]] = {"one": [], "collective": [], "round_robin": []}
    for _ in range(args.runs):
        cpu["one"] += timed(run_one, 1, one_now, bookings, busy)[1]
        for assignment in ("collective", "round_robin"):
            cpu[assignment] += timed(run_team, 1, now, members, assignment)[1]
    p50 = {name: statistics.median(values) for name, values in cpu.items()}
    publish(SECTION, _report(args.runs, one_slots, counts, p50), write=not args.no_write)


if __name__ == "__main__":
    main()
