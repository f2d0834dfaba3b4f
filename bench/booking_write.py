"""Benchmark: what one ``POST /v1/bookings`` costs in process, counted rather than timed.

In one process, on a scratch SQLite database and, when ``--postgres`` or
``ASTROCAL_TEST_POSTGRES_URL`` names a server, on a scratch PostgreSQL database: the request-cost
bench's account (live key), 24-hour schedule and 15-minute event type, then ``--bookings``
bookings through the app (httpx's ASGI transport, relay off) after 20 warm-up ones. Counted per
booking: SQL statements (``BEGIN`` included), driver round trips (SQLite: hand-offs to aiosqlite's
thread and to the database's writer thread; PostgreSQL: asyncpg calls), write transactions,
checkouts from the engine's pool, and the CPU time of the whole process (``time.process_time``:
client, app and driver thread together, so compare checkouts with it rather than read it as the
server's cost). Run it from two checkouts, alternately, to compare code; it prints and never
writes RESULTS.md.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from _common import bench_parser, bench_settings, on_each_database, print_figures
from request_cost import _slot_starts, seed

from tests.support.round_trips import count_calls, round_trip_calls


async def run(url: str, bookings: int, repeat: int) -> dict[str, float]:
    import httpx
    from astrocal_server.app import create_app
    from astrocal_server.storage.migrate import migrate
    from sqlalchemy import event

    await migrate(url)
    app = create_app(bench_settings(url, email_backend="none"))
    counts = {"statements": 0, "round trips": 0, "commits": 0, "pool checkouts": 0}
    cpu_runs: list[float] = []
    async with app.router.lifespan_context(app):
        state = app.state.astrocal
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            key, event_type_id = await seed(state.db, client)
            headers = {"Authorization": f"Bearer {key}"}
            starts = _slot_starts(20 + bookings * (repeat + 1))

            async def book(n: int) -> None:
                body = {"event_type_id": event_type_id, "start": starts[n],
                        "invitee": {"name": "Bench", "email": f"b{n}@example.com"}}  # fmt: skip
                r = await client.post("/v1/bookings", headers=headers, json=body)
                assert r.status_code == 201, r.text

            for n in range(20):
                await book(n)
            engine = state.db.engine.sync_engine

            def on_sql(*_a: Any) -> None:
                counts["statements"] += 1

            def on_commit(_conn: Any) -> None:
                counts["commits"] += 1

            def on_trip() -> None:
                counts["round trips"] += 1

            def on_checkout(*_a: Any) -> None:
                counts["pool checkouts"] += 1

            stop = count_calls(round_trip_calls(state.db.dialect), on_trip)
            event.listen(engine, "before_cursor_execute", on_sql)
            event.listen(engine, "commit", on_commit)
            event.listen(engine.pool, "checkout", on_checkout)
            for n in range(20, 20 + bookings):
                await book(n)
            stop()
            event.remove(engine, "before_cursor_execute", on_sql)
            event.remove(engine, "commit", on_commit)
            event.remove(engine.pool, "checkout", on_checkout)
            # CPU, uncounted (the counters cost time of their own).
            at = 20 + bookings
            for _ in range(repeat):
                cpu = time.process_time()
                for n in range(at, at + bookings):
                    await book(n)
                cpu_runs.append((time.process_time() - cpu) * 1000 / bookings)
                at += bookings
    out = {name: value / bookings for name, value in counts.items()}
    for i, cpu in enumerate(cpu_runs):
        out[f"process CPU ms per booking, run {i + 1}"] = cpu
    out["process CPU ms per booking, min"] = min(cpu_runs)
    return out


def main() -> None:
    parser = bench_parser(__doc__ or "", postgres=True)
    parser.add_argument("--bookings", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of --bookings each")
    args = parser.parse_args()
    results = on_each_database(
        args.postgres,
        lambda _name, url: asyncio.run(run(url, args.bookings, args.repeat)),
        tmp_prefix="astrocal-booking-",
    )
    print_figures(results)


if __name__ == "__main__":
    main()
