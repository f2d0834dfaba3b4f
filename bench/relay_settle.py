"""Benchmark: what relaying one booking's outbox rows costs, counted rather than timed.

In one process, on a scratch SQLite database and, when ``--postgres`` or
``ASTROCAL_TEST_POSTGRES_URL`` names a server, on a scratch PostgreSQL database: ``--bookings``
bookings are made through the API with the relay off, then the outbox is drained the way
``astrocal serve`` drains it (claims of up to 128 rows, each claimed booking's rows run concurrently
with the others). Test mode (the default): one row per booking, the webhook event, whose account
has no endpoint; ``--live``: live mode with the ``none`` email backend, so a booking's rows are the
webhook event and the confirmation email (no calendar is connected). Counted per booking: write
transactions, ``UPDATE outbox`` statements, statements, PostgreSQL round trips (asyncpg calls) and
the relay's CPU time (``time.process_time``, so other load on the machine moves it less than wall
time).

``--serve``: the relay as ``astrocal serve`` runs it instead, live: the relay loop on (woken by
the bookings' commits, its coalescing window and poll as configured) while the bookings are made,
``--connections`` at a time; counted per booking once every row is settled: the relay's claims
(those that leased a row, and all), its settle transactions, the statements run through
SQLAlchemy's execution (the bookings' own included), and the process's CPU time, the bookings'
included; then the same bookings with the relay off, ``--rounds`` times each,
alternating, and what the relay added: the difference of the means (CPU time is noisy on a shared
machine: compare it between checkouts only).

Run it from two checkouts to compare code; it prints and never writes RESULTS.md.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from _common import EVERY_DAY, bench_parser, bench_settings, iso, on_each_database, print_figures

from tests.support.round_trips import count_calls, round_trip_calls


async def _account_key(url: str, live: bool) -> str:
    """A migrated database with one account on the unlimited plan; its live or test secret."""
    from astrocal_server.accounts import create_account
    from astrocal_server.clock import SystemClock
    from astrocal_server.storage.db import Database
    from astrocal_server.storage.migrate import migrate

    await migrate(url)
    db = Database(url)
    try:
        async with db.write() as session:
            made = await create_account(
                session, name="Bench 0", email="bench0@example.com", time_zone="UTC",
                plan="unlimited", clock=SystemClock(),
            )  # fmt: skip
    finally:
        await db.dispose()
    return (made.live_key if live else made.test_key).secret


async def _event_type(client: Any, headers: dict[str, str]) -> str:
    always = {
        "name": "Always",
        "time_zone": "UTC",
        "weekly_hours": [{"day": d, "start": "00:00", "end": "24:00"} for d in EVERY_DAY],
    }
    schedule = (await client.post("/v1/schedules", headers=headers, json=always)).json()
    evt = (
        await client.post(
            "/v1/event_types",
            headers=headers,
            json={
                "title": "Call",
                "slug": "call",
                "duration_minutes": 30,
                "schedule_id": schedule["id"],
            },
        )
    ).json()
    return str(evt["id"])


async def _make_bookings(
    client: Any, headers: dict[str, str], event_type: str, starts: range, connections: int
) -> None:
    first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    todo = iter(starts)

    async def book() -> None:
        for i in todo:
            body = {
                "event_type_id": event_type,
                "start": iso(first + timedelta(minutes=30 * i)),
                "invitee": {"name": "Jo", "email": f"jo{i}@example.com"},
            }
            (await client.post("/v1/bookings", headers=headers, json=body)).raise_for_status()

    await asyncio.gather(*(book() for _ in range(connections)))


async def run_served(url: str, bookings: int, connections: int, relay: bool) -> dict[str, float]:
    """Live mode, the relay loop on (or off) while the bookings are made (module docstring)."""
    import httpx
    from astrocal_server.app import create_app
    from astrocal_server.outbox.relay import OutboxRelay
    from sqlalchemy import event

    key = await _account_key(url, True)
    counts = {"claims": 0, "claims that leased": 0, "settles": 0, "SQLAlchemy executions": 0}
    claim, settle_many = OutboxRelay.claim, OutboxRelay._settle_many

    async def counted_claim(self: OutboxRelay, limit: int) -> Any:
        got = await claim(self, limit)
        counts["claims"] += 1
        counts["claims that leased"] += bool(got)
        return got

    async def counted_settle(self: OutboxRelay, results: Any) -> Any:
        counts["settles"] += 1
        return await settle_many(self, results)

    OutboxRelay.claim = counted_claim  # type: ignore[method-assign]
    OutboxRelay._settle_many = counted_settle  # type: ignore[method-assign]
    settings = bench_settings(url, email_backend="none").model_copy(update={"run_relay": relay})
    app = create_app(settings)
    unfinished = _unfinished()
    try:
        async with app.router.lifespan_context(app):
            state = app.state.astrocal

            def on_execute(*_args: Any) -> None:  # a statement run through SQLAlchemy
                counts["SQLAlchemy executions"] += 1

            event.listen(state.db.engine.sync_engine, "before_execute", on_execute)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                headers = {"Authorization": f"Bearer {key}"}
                event_type = await _event_type(client, headers)
                await _make_bookings(client, headers, event_type, range(1), 1)  # warm-up
                before = dict(counts)
                cpu = time.process_time()
                await _make_bookings(
                    client, headers, event_type, range(1, bookings + 1), connections
                )
                while relay:
                    if not (await state.db.fetch_all(unfinished, {}))[0]["count"]:
                        break
                    await asyncio.sleep(0.05)
                cpu = time.process_time() - cpu
    finally:
        OutboxRelay.claim = claim  # type: ignore[method-assign]
        OutboxRelay._settle_many = settle_many  # type: ignore[method-assign]
    return {
        **{f"{name} per booking": (counts[name] - before[name]) / bookings for name in counts},
        "CPU ms per booking": cpu * 1000 / bookings,
    }


@cache
def _unfinished() -> Any:
    """How many outbox rows are unfinished (one statement object: its compiled plan is cached)."""
    from astrocal_server.storage.models import OutboxMessage
    from sqlalchemy import func, select

    return select(func.count().label("count")).where(OutboxMessage.completed_at.is_(None))


def served(url: str, bookings: int, connections: int, rounds: int) -> dict[str, float]:
    """``run_served`` with the relay on and off, ``rounds`` times each, alternating, each on a
    fresh database (PostgreSQL: the scratch database emptied of its tables first)."""
    on: list[dict[str, float]] = []
    off: list[float] = []
    for n in range(rounds):
        for relay in (False, True):
            fresh = _fresh(url, f"{n}{int(relay)}")
            figures = asyncio.run(run_served(fresh, bookings, connections, relay))
            if relay:
                on.append(figures)
            else:
                off.append(figures["CPU ms per booking"])
    mean = {name: sum(f[name] for f in on) / rounds for name in on[0]}
    cpu_on = mean.pop("CPU ms per booking")
    return {
        **mean,
        "CPU ms per booking, relay off": sum(off) / rounds,
        "CPU ms per booking, relay on": cpu_on,
        "relay CPU ms per booking (on - off)": cpu_on - sum(off) / rounds,
    }


def _fresh(url: str, tag: str) -> str:
    """A database of its own for one run: a new SQLite file beside ``url``'s, or ``url``'s
    PostgreSQL database with its tables dropped (migrated again by the run)."""
    if url.startswith("sqlite"):
        return url.replace("bench.db", f"bench-{tag}.db")
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def empty() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(empty())
    return url


async def run(url: str, bookings: int, live: bool) -> dict[str, float]:
    import httpx
    from astrocal_server.app import create_app
    from astrocal_server.outbox.relay import OutboxRelay
    from sqlalchemy import event

    key = await _account_key(url, live)
    settings = bench_settings(url, email_backend="none")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        state = app.state.astrocal
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            headers = {"Authorization": f"Bearer {key}"}
            event_type_id = await _event_type(client, headers)
            first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
            for i in range(bookings):
                body = {
                    "event_type_id": event_type_id,
                    "start": iso(first + timedelta(minutes=30 * i)),
                    "invitee": {"name": "Jo", "email": f"jo{i}@example.com"},
                }
                (await client.post("/v1/bookings", headers=headers, json=body)).raise_for_status()
        counts = {"transactions": 0, "updates": 0, "rows": 0, "write blocks": 0}
        counts.update({"statements": 0, "round trips": 0, "commits": 0})

        def on_sql(_c: Any, _cur: Any, sql: str, *_a: Any) -> None:
            head = sql.lstrip().upper()
            counts["statements"] += not head.startswith("BEGIN")
            if head.startswith("UPDATE OUTBOX"):
                counts["updates"] += 1

        def on_commit(_conn: Any) -> None:
            counts["commits"] += 1

        engine = state.db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", on_sql)
        event.listen(engine, "commit", on_commit)

        def on_trip() -> None:
            counts["round trips"] += 1

        postgres = state.db.dialect == "postgresql"
        stop_counting = count_calls(round_trip_calls("postgresql"), on_trip) if postgres else None
        original_write = state.db.write

        def counted_write() -> Any:
            counts["write blocks"] += 1
            return original_write()

        state.db.write = counted_write
        relay = OutboxRelay(state, owner="bench")
        cpu = time.process_time()
        while items := await relay.claim(128):
            counts["rows"] += await relay.process_batch(items)
        cpu = time.process_time() - cpu
        if stop_counting is not None:
            stop_counting()
        event.remove(engine, "before_cursor_execute", on_sql)
        event.remove(engine, "commit", on_commit)
    return {
        "rows per booking": counts["rows"] / bookings,
        "write transactions per booking": counts["commits"] / bookings,
        "Database.write blocks per booking": counts["write blocks"] / bookings,
        "UPDATE outbox statements per booking": counts["updates"] / bookings,
        "statements per booking": counts["statements"] / bookings,
        **(
            {"round trips per booking": counts["round trips"] / bookings}
            if stop_counting is not None
            else {}
        ),
        "relay CPU ms per booking": cpu * 1000 / bookings,
    }


def main() -> None:
    parser = bench_parser(__doc__ or "", postgres=True)
    parser.add_argument("--bookings", type=int, default=300)
    parser.add_argument("--live", action="store_true", help="live mode: webhook event and email")
    parser.add_argument(
        "--serve", action="store_true", help="live mode, the relay loop on while booking"
    )
    parser.add_argument("--connections", type=int, default=16, help="--serve: bookings at once")
    parser.add_argument("--rounds", type=int, default=2, help="--serve: runs, relay on and off")
    args = parser.parse_args()
    if args.serve:
        results = on_each_database(
            args.postgres,
            lambda _name, url: served(url, args.bookings, args.connections, args.rounds),
            tmp_prefix="astrocal-relay-",
        )
        print_figures(results, " (live mode, relay loop on while booking)")
        return
    results = on_each_database(
        args.postgres,
        lambda _name, url: asyncio.run(run(url, args.bookings, args.live)),
        tmp_prefix="astrocal-relay-",
    )
    print_figures(results, f" ({'live' if args.live else 'test'} mode)")


if __name__ == "__main__":
    main()
