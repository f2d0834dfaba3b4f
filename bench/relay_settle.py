"""Benchmark: what relaying one booking's outbox rows costs, counted rather than timed.

In one process on a scratch SQLite database: ``--bookings`` test-mode bookings are made through the
API with the relay off (test mode: their rows are the webhook event and the calendar write-back,
which find no endpoint and no calendar, so the count is the relay's own work), then the outbox is
drained the way ``astrocal serve`` drains it (claims of
up to 32 rows, each claimed booking's rows run concurrently with the others). Counted per booking:
write transactions, ``UPDATE outbox`` statements and the relay's CPU time (``time.process_time``,
so other load on the machine moves it less than wall time). Run it from two checkouts' venvs to
compare code; it prints and never writes RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import EVERY_DAY, bench_settings, iso, seed_accounts


async def run(bookings: int) -> dict[str, float]:
    import httpx
    from astrocal_server.app import create_app
    from astrocal_server.outbox.relay import OutboxRelay
    from sqlalchemy import event

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'relay.db'}"
        (key,) = await seed_accounts(url, 1)
        settings = bench_settings(url)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            state = app.state.astrocal
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                headers = {"Authorization": f"Bearer {key}"}
                always = {
                    "name": "Always",
                    "time_zone": "UTC",
                    "weekly_hours": [
                        {"day": d, "start": "00:00", "end": "24:00"} for d in EVERY_DAY
                    ],
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
                first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(
                    days=1
                )
                for i in range(bookings):
                    body = {
                        "event_type_id": evt["id"],
                        "start": iso(first + timedelta(minutes=30 * i)),
                        "invitee": {"name": "Jo", "email": f"jo{i}@example.com"},
                    }
                    (
                        await client.post("/v1/bookings", headers=headers, json=body)
                    ).raise_for_status()
            counts = {"transactions": 0, "updates": 0, "rows": 0, "write blocks": 0}

            def on_sql(_c: Any, _cur: Any, sql: str, *_a: Any) -> None:
                head = sql.lstrip().upper()
                if head.startswith("BEGIN"):
                    counts["transactions"] += 1
                elif head.startswith("UPDATE OUTBOX"):
                    counts["updates"] += 1

            engine = state.db.engine.sync_engine
            event.listen(engine, "before_cursor_execute", on_sql)
            original_write = state.db.write

            def counted_write() -> Any:
                counts["write blocks"] += 1
                return original_write()

            state.db.write = counted_write
            relay = OutboxRelay(state, owner="bench")
            cpu = time.process_time()
            while items := await relay.claim(32):
                counts["rows"] += await relay.process_batch(items)
            cpu = time.process_time() - cpu
            event.remove(engine, "before_cursor_execute", on_sql)
    return {
        "rows per booking": counts["rows"] / bookings,
        "write transactions per booking": counts["transactions"] / bookings,
        "Database.write blocks per booking": counts["write blocks"] / bookings,
        "UPDATE outbox statements per booking": counts["updates"] / bookings,
        "relay CPU ms per booking": cpu * 1000 / bookings,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bookings", type=int, default=300)
    args = parser.parse_args()
    for name, value in asyncio.run(run(args.bookings)).items():
        print(f"{name}: {value:.2f}")


if __name__ == "__main__":
    main()
