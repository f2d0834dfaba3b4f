"""Benchmark: server CPU per request by endpoint class, as ratios against a bare ASGI app answering
the same JSON as ``GET /v1/account``, all measured in one run; and throughput at 16 connections.

Starts, each in its own process: the bare app (Starlette, one route) and ``astrocal``'s app (as
``astrocal serve`` runs it), both under uvicorn with the same options (one worker, access log off),
and drives each endpoint class from a separate load-generator process over ``--connections``
keep-alive connections. The cost of a class is the server processes' CPU time (user + system, each
process's CPU clock read before and after) divided by the requests it answered, so the load
generator's own CPU never counts. The bare app is measured alongside each class: ``--rounds``
rounds of a share of the class's requests, each round the bare app's share right before the
class's, and the ratio is the class's CPU over the bare app's over those rounds, so the machine's
drift during a run (a busy neighbour, a hypervisor's steal) moves both sides alike. The classes:
``GET /healthz``; ``GET /v1/account``; one day of ``GET /v1/availability``
(a 24-hour schedule and 15-minute slots: 96 slots); ``POST /v1/bookings`` with the relay off; and
the same with the relay on, counted once the relay has settled every outbox row the bookings
caused (live mode: a webhook event and an email per booking, no endpoint and no mail server, so
the rows are claimed, handled and settled without leaving the machine).

SQLite runs one server process (a SQLite deployment is one process); PostgreSQL, when
``--postgres`` or ``ASTROCAL_TEST_POSTGRES_URL`` names a server, runs two on one scratch database,
the load split across them and their CPU summed. ``--profile`` also saves a cProfile of the
booking path (in process, relay off) beside the results: ``bench/profiles/booking.txt``.

    .venv/bin/python bench/request_cost.py [--requests 1500] [--connections 16] [--rounds 4]
        [--profile] [--no-write]

Bars (issue 20): ``GET /v1/account`` ≤ 2× the bare app; one day of availability ≤ 4×; a booking
including the relay work it causes ≤ 10×; bookings/s at 16 connections ≥ 40 % of
``GET /v1/account`` requests/s, on SQLite and on PostgreSQL with two processes.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import (
    EVERY_DAY,
    ROOT,
    bench_parser,
    bench_settings,
    iso,
    publish,
    run_child,
    run_header,
    scratch_postgres,
    serve_on_fd,
    start_server,
    stop_servers,
)

SECTION = "## Request cost"
BARS = {"account": 2.0, "availability": 4.0, "booking_relay": 10.0}
THROUGHPUT_BAR = 0.40
ACCOUNT_JSON = {
    "id": "acct_4k2j9x7q1m",
    "name": "Bench 0",
    "email": "bench0@example.com",
    "time_zone": "UTC",
    "plan": "unlimited",
    "created_at": "2026-04-01T10:00:00Z",
}
CLK_TCK = os.sysconf("SC_CLK_TCK")
LABELS = {
    "bare": "bare app, GET /v1/account",
    "healthz": "GET /healthz",
    "account": "GET /v1/account",
    "availability": "GET /v1/availability (one day, 96 slots)",
    "booking": "POST /v1/bookings, relay off",
    "booking_relay": "POST /v1/bookings + its relay work",
}


# --- servers (each runs in its own process) ---------------------------------------------------


def serve_bare(fd: int) -> None:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def account(_: Any) -> JSONResponse:
        return JSONResponse(ACCOUNT_JSON)

    app = Starlette(routes=[Route("/v1/account", account)])
    serve_on_fd(app, fd)  # the same server options as astrocal's, so the ratio compares apps


def serve_astrocal(db_url: str, fd: int, relay: bool) -> None:
    from astrocal_server.app import create_app

    settings = bench_settings(
        db_url, email_backend="none", migrate_on_start=False, database_pool_size=15
    ).with_overrides(run_relay=relay)
    serve_on_fd(create_app(settings, long_lived=True), fd)  # as `astrocal serve` runs it


_LIBC = ctypes.CDLL(None, use_errno=True)


def cpu_seconds(procs: list[subprocess.Popen[bytes]]) -> float:
    """User + system CPU time the processes have used so far, to the nanosecond: each process's
    CPU clock (``clock_getcpuclockid``), which counts every thread, ended ones too (``/proc``'s
    tick counts are 10 ms coarse, too coarse for rounds of a few hundred requests)."""
    total = 0
    for proc in procs:
        clock = ctypes.c_int()
        if _LIBC.clock_getcpuclockid(proc.pid, ctypes.byref(clock)) != 0:
            raise OSError(ctypes.get_errno(), f"no CPU clock for process {proc.pid}")
        total += time.clock_gettime_ns(clock.value)
    return total / 1e9


# --- load (runs in its own process) -----------------------------------------------------------


def _slot_starts(count: int) -> list[str]:
    """``count`` 15-minute starts from tomorrow 00:00 UTC on (the schedule is open all day)."""
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return [iso(day + timedelta(minutes=15 * n)) for n in range(count)]


async def drive(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec["requests"]`` requests of one class over ``spec["connections"]`` connections."""
    import httpx

    urls, connections, total = spec["urls"], spec["connections"], spec["requests"]
    headers = {"Authorization": f"Bearer {spec['key']}"} if spec.get("key") else {}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    clients = [httpx.AsyncClient(base_url=u, limits=limits, timeout=120) for u in urls]
    starts = _slot_starts(spec.get("first_slot", 0) + total)[spec.get("first_slot", 0) :]
    statuses: dict[str, int] = {}
    counter = iter(range(total))

    async def connection(i: int) -> None:
        client = clients[i % len(clients)]
        for n in counter:
            if spec["kind"] == "booking":
                body = {
                    "event_type_id": spec["event_type_id"],
                    "start": starts[n],
                    "invitee": {"name": "Bench", "email": f"b{n}@example.com"},
                }
                r = await client.post("/v1/bookings", headers=headers, json=body)
            else:
                r = await client.get(spec["path"], headers=headers)
            statuses[str(r.status_code)] = statuses.get(str(r.status_code), 0) + 1

    began = time.perf_counter()
    try:
        await asyncio.gather(*(connection(i) for i in range(connections)))
    finally:
        for c in clients:
            await c.aclose()
    elapsed = time.perf_counter() - began
    return {"statuses": statuses, "seconds": elapsed, "rps": total / elapsed}


# --- one database -----------------------------------------------------------------------------


async def seed(db: Any, client: Any) -> tuple[str, str]:
    """An account on the unlimited plan (live key) in ``db``, then through the API (``client``) a
    24-hour UTC schedule and a 15-minute event type on it; returns the key and the event type."""
    from astrocal_server.accounts import create_account
    from astrocal_server.clock import SystemClock

    async with db.write() as session:
        made = await create_account(
            session, name="Bench 0", email="bench0@example.com", time_zone="UTC",
            plan="unlimited", clock=SystemClock(),
        )  # fmt: skip
    key = made.live_key.secret
    headers = {"Authorization": f"Bearer {key}"}
    always = {
        "name": "Always",
        "time_zone": "UTC",
        "weekly_hours": [{"day": d, "start": "00:00", "end": "24:00"} for d in EVERY_DAY],
    }
    r = await client.post("/v1/schedules", headers=headers, json=always)
    r.raise_for_status()
    body = {"title": "Bench", "slug": "bench", "duration_minutes": 15,
            "schedule_id": r.json()["id"], "minimum_notice_minutes": 0,
            "booking_window_days": 365}  # fmt: skip
    r = await client.post("/v1/event_types", headers=headers, json=body)
    r.raise_for_status()
    return key, str(r.json()["id"])


async def seed_served(db_url: str, url: str) -> tuple[str, str]:
    import httpx
    from astrocal_server.storage.db import Database

    db = Database(db_url)
    try:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            return await seed(db, client)
    finally:
        await db.dispose()


async def pending_outbox(db_url: str) -> int:
    from astrocal_server.storage.db import Database
    from astrocal_server.storage.models import OutboxMessage
    from sqlalchemy import func, select

    db = Database(db_url)
    try:
        async with db.read() as session:
            found = await session.scalar(
                select(func.count()).where(OutboxMessage.completed_at.is_(None))
            )
            return int(found or 0)
    finally:
        await db.dispose()


def _load(
    procs: list[subprocess.Popen[bytes]], spec: dict[str, Any], settle: str | None
) -> tuple[float, dict[str, Any]]:
    """One load of ``spec`` on ``procs``: their CPU seconds (with the relay's settling of the
    outbox rows the load caused, when ``settle`` names the database) and the load's own figures."""
    before = cpu_seconds(procs)
    load = run_child(__file__, "load generator", "--load", json.dumps(spec))
    if settle:
        while asyncio.run(pending_outbox(settle)):
            time.sleep(0.2)  # the relay's work for these bookings counts too
    return cpu_seconds(procs) - before, load


def measure(
    procs: list[subprocess.Popen[bytes]],
    spec: dict[str, Any],
    bare: tuple[subprocess.Popen[bytes], dict[str, Any]],
    *,
    rounds: int,
    settle: str | None = None,
) -> dict[str, Any]:
    """CPU ms per request of one class and of the bare app alongside it, after a short warm-up
    of the class: ``rounds`` rounds of a share of the requests each, every round the bare app's
    load right before the class's, so the machine's drift (a busy neighbour, a host's steal) moves
    both alike; the ratio is the class's CPU over the bare app's, summed over the rounds."""
    warm = {**spec, "requests": max(50, spec["requests"] // 10)}
    if spec["kind"] == "booking":
        warm["first_slot"] = spec["first_slot"] + spec["requests"]
    run_child(__file__, "load generator", "--load", json.dumps(warm))
    if settle:
        while asyncio.run(pending_outbox(settle)):
            time.sleep(0.2)
    bare_proc, bare_spec = bare
    shares = [spec["requests"] // rounds + (n < spec["requests"] % rounds) for n in range(rounds)]
    used = bare_used = seconds = 0.0
    statuses: dict[str, int] = {}
    for n, share in enumerate(shares):
        cpu, _ = _load([bare_proc], {**bare_spec, "requests": share}, None)
        bare_used += cpu
        first = spec.get("first_slot", 0) + sum(shares[:n])
        cpu, load = _load(procs, {**spec, "requests": share, "first_slot": first}, settle)
        used += cpu
        seconds += load["seconds"]
        for status, count in load["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    return {
        "statuses": statuses,
        "seconds": seconds,
        "rps": spec["requests"] / seconds,
        "cpu_ms": 1000 * used / spec["requests"],
        "bare_ms": 1000 * bare_used / spec["requests"],
    }


def bench_database(
    name: str,
    db_url: str,
    requests: int,
    connections: int,
    rounds: int,
    only: set[str] | None = None,
) -> dict[str, Any]:
    from astrocal_server.storage.migrate import migrate

    asyncio.run(migrate(db_url))
    processes = 2 if name == "PostgreSQL" else 1
    bare_proc, bare_url = start_server(__file__, "--serve-bare")
    servers = [start_server(__file__, "--serve", db_url, "0") for _ in range(processes)]
    procs, urls = [p for p, _ in servers], [u for _, u in servers]
    out: dict[str, Any] = {"processes": processes}
    try:
        key, event_type_id = asyncio.run(seed_served(db_url, urls[0]))
        common = {"connections": connections, "requests": requests, "key": key}
        get = {**common, "kind": "get"}
        bare = (bare_proc, {**get, "urls": [bare_url], "path": "/v1/account"})
        run_child(__file__, "load generator", "--load", json.dumps({**bare[1], "requests": 200}))
        wanted = only or set(LABELS) - {"bare"}
        day = (datetime.now(UTC) + timedelta(days=200)).date().isoformat()
        paths = {
            "healthz": "/healthz",
            "account": "/v1/account",
            "availability": f"/v1/availability?event_type_id={event_type_id}&date={day}",
        }
        for kind, path in paths.items():
            if kind in wanted:
                spec = {**get, "urls": urls, "path": path}
                out[kind] = measure(procs, spec, bare, rounds=rounds)
        booking = {**common, "kind": "booking", "event_type_id": event_type_id, "urls": urls}
        if "booking" in wanted:
            out["booking"] = measure(procs, {**booking, "first_slot": 0}, bare, rounds=rounds)
        if "booking_relay" in wanted:
            stop_servers(procs)
            relayed = [start_server(__file__, "--serve", db_url, "1") for _ in range(processes)]
            procs = [p for p, _ in relayed]
            booking["urls"] = [u for _, u in relayed]
            out["booking_relay"] = measure(
                procs, {**booking, "first_slot": 4 * requests}, bare, rounds=rounds, settle=db_url
            )
    finally:
        stop_servers([bare_proc, *procs])
    return out


# --- profile ----------------------------------------------------------------------------------


async def profile_bookings(count: int) -> str:
    """cProfile of ``count`` bookings through the app in process (relay off); top functions."""
    import cProfile
    import io
    import pstats

    import httpx
    from astrocal_server.app import create_app

    tmp = Path(tempfile.mkdtemp(prefix="astrocal-profile-"))
    app = create_app(
        bench_settings(f"sqlite+aiosqlite:///{tmp / 'bench.db'}", email_backend="none")
    )
    profiler = cProfile.Profile()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            key, event_type_id = await seed(app.state.astrocal.db, client)
            headers = {"Authorization": f"Bearer {key}"}
            starts = _slot_starts(count + 20)

            async def book(n: int) -> None:
                body = {"event_type_id": event_type_id, "start": starts[n],
                        "invitee": {"name": "P", "email": "p@example.com"}}  # fmt: skip
                r = await client.post("/v1/bookings", headers=headers, json=body)
                assert r.status_code == 201, r.text

            for n in range(count, count + 20):  # warm caches and connections
                await book(n)
            profiler.enable()
            for n in range(count):
                await book(n)
            profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)
    return text.getvalue()


# --- report -----------------------------------------------------------------------------------


def _table(name: str, r: dict[str, Any]) -> list[str]:
    measured = [key for key in LABELS if key in r]
    bare_ms = sum(r[key]["bare_ms"] for key in measured) / len(measured)
    rows = [f"| {name} | {LABELS['bare']} (mean of the rounds) | {bare_ms:.2f} | | 1.0× | | |"]
    for key in measured:
        m = r[key]
        bar = BARS.get(key)
        ratio = m["cpu_ms"] / m["bare_ms"]
        verdict = (
            ""
            if bar is None
            else (f" (bar ≤ {bar:g}×: " + ("met)" if ratio <= bar else "NOT met)"))
        )
        rows.append(
            f"| {name} | {LABELS[key]} | {m['cpu_ms']:.2f} | {m['bare_ms']:.2f} | "
            f"{ratio:.1f}×{verdict} | {m['rps']:.0f} | {m['statuses']} |"
        )
    return rows


def main() -> None:
    parser = bench_parser(__doc__ or "", postgres=True)
    parser.add_argument("--requests", type=int, default=1500, help="requests per class")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rounds", type=int, default=4, help="rounds per class, each after the bare app's"
    )
    parser.add_argument("--profile", action="store_true", help="save a cProfile of bookings")
    parser.add_argument(
        "--only",
        help="comma-separated classes to measure besides the bare app (e.g. booking,booking_relay;"
        f" of {', '.join(k for k in LABELS if k != 'bare')}); implies --no-write",
    )
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    if only is not None:
        args.no_write = True  # a partial table never replaces the full one

    tmp = Path(tempfile.mkdtemp(prefix="astrocal-cost-"))
    results = {"SQLite": bench_database(
        "SQLite", f"sqlite+aiosqlite:///{tmp / 'bench.db'}", args.requests, args.connections,
        args.rounds, only)}  # fmt: skip
    if args.postgres:
        with scratch_postgres(args.postgres) as url:
            results["PostgreSQL"] = bench_database(
                "PostgreSQL", url, args.requests, args.connections, args.rounds, only
            )
    lines = [
        SECTION,
        "",
        run_header(f", load average {os.getloadavg()[0]:.1f} at the start").rstrip("\n"),
        f"- Command: `.venv/bin/python bench/request_cost.py --requests {args.requests} "
        f"--connections {args.connections} --rounds {args.rounds}` (PostgreSQL from "
        "ASTROCAL_TEST_POSTGRES_URL)",
        "- Cost = server processes' CPU (user + system, each process's CPU clock) per request; "
        "the load generator runs in its own process. Ratios are against the bare Starlette app "
        "(one process) answering the same JSON as GET /v1/account, measured alongside each class: "
        f"{args.rounds} rounds per class, each round the bare app's share of requests right "
        "before the class's.",
        "",
        "| database | request | server CPU ms/request | bare app alongside, ms | vs bare app | "
        f"req/s at {args.connections} connections | statuses |",
        "|---|---|---|---|---|---|---|",
    ]
    summary = []
    for name, r in results.items():
        lines += _table(f"{name} ({r['processes']} process{'es' if r['processes'] > 1 else ''})", r)
        if "booking_relay" not in r or "account" not in r:
            continue
        share = r["booking_relay"]["rps"] / r["account"]["rps"]
        summary.append(
            f"{name}: bookings/s (relay on) {r['booking_relay']['rps']:.0f} = {share:.0%} of "
            f"GET /v1/account's {r['account']['rps']:.0f}/s (bar ≥ {THROUGHPUT_BAR:.0%}: "
            + ("met" if share >= THROUGHPUT_BAR else "NOT met")
            + ")"
        )
    lines += ["", *[f"- {s}" for s in summary]]
    if args.profile:
        profile = asyncio.run(profile_bookings(300))
        out = ROOT / "bench" / "profiles"
        out.mkdir(exist_ok=True)
        (out / "booking.txt").write_text(profile, encoding="utf-8")
        lines.append(
            "- Profile of 300 bookings in process (relay off): `bench/profiles/booking.txt`."
        )
    publish(SECTION, "\n".join(lines), write=not args.no_write)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-bare":
        serve_bare(int(sys.argv[2]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve_astrocal(sys.argv[2], int(sys.argv[4]), sys.argv[3] == "1")
    elif len(sys.argv) > 1 and sys.argv[1] == "--load":
        print(json.dumps(asyncio.run(drive(json.loads(sys.argv[2])))))
    else:
        main()
