"""Benchmark: what one hot read costs in process — SQL statements, driver round trips and pool
checkouts per request (counted, so they do not move with the machine's load), CPU per request,
and optionally a cProfile.

The app runs in this process (requests go straight through its ASGI interface: no sockets, no client library), seeded as
``bench/request_cost.py`` seeds it: an unlimited-plan account, a 24-hour UTC schedule and a
15-minute event type. The reads are ``GET /v1/account`` and one day of ``GET /v1/availability``
(96 slots). A round trip is one call into aiosqlite's connection thread (SQLite) or one write to
PostgreSQL's socket (asyncpg flushes each exchange in one write), so a ping, a ``BEGIN`` and a
prepared statement count alike; a statement on the process's own SQLite read connection
(``Database.fetch_all``) runs on the loop's thread and is no round trip. Statements: on SQLite
every ``execute`` the driver runs (``BEGIN`` included), on the read connection too; on
PostgreSQL every statement asyncpg executes with its results (prepared or from its cache;
``BEGIN``/``COMMIT`` and an empty ping are round trips only). Nothing is counted through
SQLAlchemy's statement events: a listener there sends ``Database.fetch_all`` the ordinary way.
The CPU column is this process's, so it leaves out what the HTTP server (uvicorn) adds; compare
it only between runs of this script.

    .venv/bin/python bench/read_profile.py [--requests 1000] [--profile availability] [--postgres URL]

Nothing is written to RESULTS.md.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import bench_parser, bench_settings, on_each_database

ROUTES = ("account", "availability")


@contextmanager
def counting(db: Any) -> Iterator[dict[str, int]]:
    """Counts of SQL statements, driver round trips and pool checkouts while the block runs."""
    import asyncio.selector_events as selector_events

    import aiosqlite.core
    import asyncpg.connection
    import asyncpg.prepared_stmt
    from sqlalchemy import event

    engine = db.engine
    counts = {"statements": 0, "round_trips": 0, "checkouts": 0}

    def read_statement(sql: str) -> None:
        if not sql.startswith("PRAGMA"):
            counts["statements"] += 1

    pg_execute = asyncpg.connection.Connection._execute
    pg_bind_execute = asyncpg.prepared_stmt.PreparedStatement._PreparedStatement__bind_execute  # type: ignore[attr-defined]

    async def pg_statement(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        if query.strip() != ";":
            counts["statements"] += 1
        return await pg_execute(self, query, *args, **kwargs)

    async def pg_prepared(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["statements"] += 1
        return await pg_bind_execute(self, *args, **kwargs)

    def checkout(*_: Any) -> None:
        counts["checkouts"] += 1

    sqlite_execute = aiosqlite.core.Connection._execute

    async def sqlite_trip(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        counts["round_trips"] += 1
        if "execute" in getattr(fn, "__name__", ""):
            counts["statements"] += 1  # fetch_all runs its statements on the driver directly
        return await sqlite_execute(self, fn, *args, **kwargs)

    transport = selector_events._SelectorSocketTransport
    write, writelines = transport.write, transport.writelines

    def socket_trip(self: Any, data: Any) -> None:
        counts["round_trips"] += 1
        write(self, data)

    def socket_trips(self: Any, data: Any) -> None:
        counts["round_trips"] += 1
        writelines(self, data)

    reader = getattr(db, "_reader", None)  # opened by the warm-up's first read
    if reader is not None:
        reader.set_trace_callback(read_statement)
    event.listen(engine.sync_engine.pool, "checkout", checkout)
    aiosqlite.core.Connection._execute = sqlite_trip  # type: ignore[method-assign]
    asyncpg.connection.Connection._execute = pg_statement  # type: ignore[method-assign]
    asyncpg.prepared_stmt.PreparedStatement._PreparedStatement__bind_execute = pg_prepared  # type: ignore[attr-defined]
    transport.write, transport.writelines = socket_trip, socket_trips  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        transport.write, transport.writelines = write, writelines  # type: ignore[method-assign]
        asyncpg.prepared_stmt.PreparedStatement._PreparedStatement__bind_execute = pg_bind_execute  # type: ignore[attr-defined]
        asyncpg.connection.Connection._execute = pg_execute  # type: ignore[method-assign]
        aiosqlite.core.Connection._execute = sqlite_execute  # type: ignore[method-assign]
        event.remove(engine.sync_engine.pool, "checkout", checkout)
        if reader is not None:
            reader.set_trace_callback(None)


def asgi_scope(path: str, query: str, key: str) -> dict[str, Any]:
    """An HTTP/1.1 GET as uvicorn hands it to the app."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [
            (b"host", b"bench"),
            (b"accept", b"*/*"),
            (b"authorization", f"Bearer {key}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def call(app: Any, scope: dict[str, Any]) -> tuple[int, bytes]:
    """One request straight through the ASGI interface (no client library in the profile)."""
    sent: list[dict[str, Any]] = []
    request = {"type": "http.request", "body": b"", "more_body": False}

    async def receive() -> dict[str, Any]:
        return request

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({**scope, "state": {}}, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body


async def run(db_url: str, requests: int, profile: str | None) -> dict[str, Any]:
    import httpx
    from astrocal_server.app import create_app
    from astrocal_server.storage.migrate import migrate
    from request_cost import seed

    await migrate(db_url)
    app = create_app(bench_settings(db_url, email_backend="none", migrate_on_start=False))
    out: dict[str, Any] = {}
    async with app.router.lifespan_context(app):
        state = app.state.astrocal
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            key, event_type_id = await seed(state.db, client)
            day = (datetime.now(UTC) + timedelta(days=200)).date().isoformat()
            paths = {
                "account": "/v1/account",
                "availability": f"/v1/availability?event_type_id={event_type_id}&date={day}",
            }
            for route in ROUTES:
                path, _, query = paths[route].partition("?")
                scope = asgi_scope(path, query, key)

                async def get(scope: dict[str, Any] = scope) -> None:
                    status, body = await call(app, scope)
                    assert status == 200, body

                for _ in range(50):  # warm caches, connections and the rate-limit batch
                    await get()
                profiler = cProfile.Profile() if profile == route else None
                with counting(state.db) as counts:
                    began = time.process_time()
                    if profiler is not None:
                        profiler.enable()
                    for _ in range(requests):
                        await get()
                    if profiler is not None:
                        profiler.disable()
                    cpu = time.process_time() - began
                out[route] = {k: v / requests for k, v in counts.items()}
                out[route]["cpu_ms"] = 1000 * cpu / requests
                if profiler is not None:
                    text = io.StringIO()
                    stats = pstats.Stats(profiler, stream=text)
                    stats.sort_stats("cumulative").print_stats(60)
                    stats.sort_stats("tottime").print_stats(30)
                    out[route]["profile"] = text.getvalue()
    return out


def main() -> None:
    parser = bench_parser(__doc__ or "", postgres=True)
    parser.add_argument("--requests", type=int, default=1000, help="requests per route")
    parser.add_argument("--profile", choices=ROUTES, help="print a cProfile of this route")
    args = parser.parse_args()

    def one(_name: str, url: str) -> dict[str, Any]:
        return asyncio.run(run(url, args.requests, args.profile))

    results = on_each_database(args.postgres, one, tmp_prefix="astrocal-reads-")
    show: Callable[[float], str] = lambda v: f"{v:.2f}"  # noqa: E731
    print("| database | request | statements | round trips | checkouts | CPU ms (in process) |")
    print("|---|---|---|---|---|---|")
    for name, found in results.items():
        for route in ROUTES:
            r = found[route]
            print(
                f"| {name} | {route} | {show(r['statements'])} | {show(r['round_trips'])} | "
                f"{show(r['checkouts'])} | {show(r['cpu_ms'])} |"
            )
    for name, found in results.items():
        for route in ROUTES:
            if "profile" in found[route]:
                print(f"\n## {name}, {route}\n")
                print(found[route]["profile"])


if __name__ == "__main__":
    main()
