"""Benchmark: ``GET /v1/availability`` over HTTP for a 20-host round robin over 7 days, against a
one-host request for the same 7 days, measured in the same run.

Seeds a fresh SQLite database: the first-run account and its sample 30-minute event type (hosted
by the account's default host), 20 more hosts each with its own schedule (Mon–Fri 09:00–17:00, the
sample schedule's hours), a round-robin event type of those 20 hosts, and bookings: ``--per-host``
on each team host and, as in bench/team_engine.py, as many on the one host as on the whole team
(10-minute bookings at distinct random 15-minute starts over the 7 days, a fixed random seed;
at most 672 per host). Serves it
with uvicorn (one worker) in a child process and asks
``GET /v1/availability?event_type_id=…&start_date=…&end_date=…`` (7 days) for the team and for the
one host over one keep-alive connection, alternating request by request so both see the same
machine load.

    .venv/bin/python bench/team_http.py [--requests 300] [--per-host 20] [--own-schedules] [--no-write]

``--own-schedules`` leaves the team's ``schedule_id`` null, so every host works its own schedule
(the default has all 20 share the sample schedule, ``schedule_id`` set); only a server with team
availability answers that (an older one says 404 for the event type). The report says whether
the team answer listed ``host_ids``: a server without team availability answers the team event
type as a one-host one, and the ratio then measures nothing about teams.

Bar (issue 15, bench/RESULTS.md): the team request costs at most 3× the one-host request (p50).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import (
    add_booking,
    bench_parser,
    bench_settings,
    percentile,
    publish,
    run_header,
    serve,
)

SECTION = "## Team availability over HTTP"
HOSTS = 20
DAYS = 7
BAR = 3.0


async def seed(db_url: str, per_host: int, own_schedules: bool) -> dict[str, str]:
    from astrocal_server.bootstrap import ensure_initialised, next_weekday
    from astrocal_server.clock import SystemClock
    from astrocal_server.hosts.service import default_host_id
    from astrocal_server.ids import new_id
    from astrocal_server.storage.db import Database
    from astrocal_server.storage.models import EventType, Host, Schedule

    clock = SystemClock()
    first = await ensure_initialised(bench_settings(db_url), clock)
    assert first is not None
    now = clock.now()
    day = next_weekday(now.date())
    window = datetime(day.year, day.month, day.day, tzinfo=UTC)
    rng = random.Random(15)
    db = Database(db_url)
    try:
        async with db.write() as session:
            solo = await session.get_one(EventType, first.test_event_type_id)
            hours = await session.get_one(Schedule, solo.schedule_id)
            account, default = (
                solo.account_id,
                await default_host_id(session, account_id=solo.account_id, livemode=False),
            )
            team_hosts: list[str] = []
            for n in range(HOSTS):
                host_id, schedule_id = new_id("host"), new_id("sch")
                session.add(
                    Host(
                        id=host_id, account_id=account, livemode=False, name=f"Host {n}",
                        email=f"host{n}@example.com", time_zone=hours.time_zone,
                        default_schedule_id=schedule_id, conflict_calendars=[],
                        destination_calendar=None, external_id=None, metadata_={}, active=True,
                        is_default=False, created_at=now, updated_at=now, deleted_at=None,
                    )
                )  # fmt: skip
                await session.flush()
                session.add(
                    Schedule(
                        id=schedule_id, account_id=account, livemode=False, host_id=host_id,
                        name=f"Host {n}", time_zone=hours.time_zone,
                        weekly_hours=[dict(w) for w in hours.weekly_hours], date_overrides=[],
                        is_default=False, created_at=now, updated_at=now, deleted_at=None,
                    )
                )  # fmt: skip
                team_hosts.append(host_id)
            columns = {c.key: getattr(solo, c.key) for c in EventType.__mapper__.column_attrs}
            team = EventType(
                **{
                    **columns,
                    "id": new_id("evt"),
                    "slug": "team-round-robin",
                    "title": f"Round robin of {HOSTS}",
                    "hosts": [{"host_id": h, "priority": 0, "weight": 1} for h in team_hosts],
                    "assignment": "round_robin",
                    "schedule_id": None if own_schedules else solo.schedule_id,
                }
            )
            session.add(team)
            await session.flush()

            def book(event_type_id: str, host_id: str, count: int) -> None:
                # Distinct starts per host: one host never holds two bookings at once.
                for quarter in rng.sample(range(DAYS * 24 * 4), count):
                    start = window + timedelta(minutes=15 * quarter)
                    add_booking(
                        session, account_id=account, event_type_id=event_type_id, host_id=host_id,
                        start=start, minutes=10, now=now,
                        seat_key=f"{event_type_id}:{host_id}:{start.isoformat()}",
                    )  # fmt: skip

            for host_id in team_hosts:
                book(team.id, host_id, per_host)
            book(solo.id, default, per_host * HOSTS)
    finally:
        await db.dispose()
    return {
        "key": first.created.test_key.secret,
        "team": team.id,
        "solo": solo.id,
        "start_date": day.isoformat(),
        "end_date": (day + timedelta(days=DAYS - 1)).isoformat(),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure(url: str, seeded: dict[str, str], requests: int) -> dict[str, Any]:
    """p50/p99 (ms) of each request, team and one host alternating, after a warm-up of each."""
    import httpx

    dates = {"start_date": seeded["start_date"], "end_date": seeded["end_date"]}
    headers = {"Authorization": f"Bearer {seeded['key']}"}
    times: dict[str, list[float]] = {"team": [], "solo": []}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        deadline = time.monotonic() + 30
        while True:  # the server is ready once it answers
            try:
                client.get("/readyz").raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not become ready") from None
                time.sleep(0.1)
        answers = {}
        for which in times:
            params = {"event_type_id": seeded[which], **dates}
            for _ in range(max(20, requests // 10)):
                answer = client.get("/v1/availability", params=params)
                if answer.status_code != 200:
                    raise SystemExit(f"{which}: {answer.status_code} {answer.text[:500]}")
            answers[which] = answer.json()
        for _ in range(requests):
            for which, samples in times.items():
                started = time.perf_counter()
                answer = client.get(
                    "/v1/availability", params={"event_type_id": seeded[which], **dates}
                )
                samples.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    raise SystemExit(f"{which}: {answer.status_code} {answer.text[:500]}")
    stats: dict[str, Any] = {}
    for which, samples in times.items():
        samples.sort()
        stats[which] = {
            "p50_ms": statistics.median(samples) * 1000,
            "p99_ms": percentile(samples, 0.99) * 1000,
            "slots": len(answers[which]["data"]),
        }
    stats["team_path"] = any("host_ids" in s for s in answers["team"]["data"])
    return stats


def report(args: argparse.Namespace, stats: dict[str, Any]) -> str:
    team, solo = stats["team"], stats["solo"]
    ratio = team["p50_ms"] / solo["p50_ms"]
    ok = ratio <= BAR
    schedules = "each host's own schedule" if args.own_schedules else "one shared schedule"
    text = (
        f"{SECTION}\n\n"
        + run_header(f"; 1-minute load average {os.getloadavg()[0]:.1f} at the end of the run")
        + f"- Command: `.venv/bin/python bench/team_http.py --requests {args.requests} "
        f"--per-host {args.per_host}{' --own-schedules' if args.own_schedules else ''}`\n"
        f"- Setup: uvicorn, 1 worker, SQLite (WAL); `GET /v1/availability` for {DAYS} days "
        f"(Mon–Fri 09:00–17:00, 30-minute slots) over one keep-alive connection, the two requests "
        f"alternating. Team: round robin of {HOSTS} hosts on {schedules}, {args.per_host} "
        f"bookings each ({args.per_host * HOSTS} in all). One host: the sample event type, its "
        f"host holding {args.per_host * HOSTS} bookings.\n\n"
        "| request | requests | p50 | p99 | open slots |\n|---|---|---|---|---|\n"
        f"| {HOSTS}-host round robin | {args.requests} | {team['p50_ms']:.2f} ms | "
        f"{team['p99_ms']:.2f} ms | {team['slots']} |\n"
        f"| one host | {args.requests} | {solo['p50_ms']:.2f} ms | {solo['p99_ms']:.2f} ms | "
        f"{solo['slots']} |\n\n"
        f"Bar: the team request costs at most {BAR:.0f}× the one-host request (p50) → "
        f"**{ratio:.2f}×, {'met' if ok else 'NOT met'}**.\n"
    )
    if not stats["team_path"]:
        text += (
            "\n**The team answer listed no `host_ids`: this server answered the team event type "
            "as a one-host one, so this ratio says nothing about team availability.**\n"
        )
    return text


def main() -> None:
    parser = bench_parser(__doc__ or "")
    parser.add_argument("--requests", type=int, default=300, help="measured requests of each")
    parser.add_argument("--per-host", type=int, default=20, help="bookings per team host")
    parser.add_argument(
        "--own-schedules", action="store_true", help="team hosts each work their own schedule"
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="astrocal-bench-team-"))
    db_url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    seeded = asyncio.run(seed(db_url, args.per_host, args.own_schedules))
    port = _free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", db_url, str(port)])
    try:
        stats = measure(f"http://127.0.0.1:{port}", seeded, args.requests)
    finally:
        server.terminate()
        server.wait(timeout=10)
    publish(SECTION, report(args, stats), write=not args.no_write)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        main()
