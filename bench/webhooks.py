"""Benchmark: webhooks are never lost — bookings while the server and the relay are SIGKILLed —
and how soon the first attempt arrives after a booking commits, with the relay healthy.

Crash phase: an API server (uvicorn, its in-process relay on) and an ``astrocal worker`` process
share one database. 8 connections create bookings (each its own account, with one webhook endpoint
pointing at a receiver on loopback) while a killer SIGKILLs the server or the worker at random
moments and restarts it (the server's listening socket stays open in this process, so requests
queue instead of failing while it restarts). A request cut off by a kill may or may not have
committed; afterwards every booking in the **database** (committed, acknowledged or not) must have
its ``booking.created`` event delivered. Duplicates are allowed (at least once) and counted; every
delivery is verified with the ``standardwebhooks`` library.

Latency phase: the server alone (relay inside, default settings, no kills); the time from the
``201`` arriving at the client to the first delivery attempt arriving at the receiver.

    .venv/bin/python bench/webhooks.py [--bookings 3000] [--kills 30] [--latency 500]
                                       [--postgres URL] [--no-write]

Results go to the ``## Webhooks`` section of bench/RESULTS.md.
Bar (bench/RESULTS.md): 0 lost across ≥ 30 kills during 3,000 bookings; first attempt p95 ≤ 1 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import (
    UNLIMITED_PLANS,
    bench_parser,
    iso,
    listening_socket,
    make_event_types,
    on_each_database,
    percentile,
    publish,
    run_header,
    seed_accounts,
)

from tests.support.wire import read_request

SECTION = "## Webhooks"
CONNECTIONS = 8
ASTROCAL = str(Path(sys.executable).with_name("astrocal"))


def settings_env(db_url: str, *, crash: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASTROCAL_")}
    env.update(
        ASTROCAL_DATABASE_URL=db_url,
        ASTROCAL_ALLOW_PRIVATE_WEBHOOK_TARGETS="true",  # the receiver is on loopback
        ASTROCAL_EMAIL_BACKEND="none",
        ASTROCAL_MIGRATE_ON_START="false",
        ASTROCAL_PLANS=json.dumps(UNLIMITED_PLANS),
    )
    if crash:
        # Short leases so rows held by a killed process come back within seconds, not minutes.
        env.update(ASTROCAL_RELAY_LEASE_SECONDS="10", ASTROCAL_WEBHOOK_TIMEOUT_SECONDS="3")
    return env


# --- the server (child process) --------------------------------------------------------------


def serve(fd: int) -> None:
    import uvicorn
    from astrocal_server.api import ROUTERS
    from astrocal_server.app import create_app
    from astrocal_server.config import Settings

    app = create_app(Settings(_env_file=None), long_lived=True)  # type: ignore[call-arg]
    if not any(
        any(getattr(r, "operation_id", "") == "bookings.create" for r in rt.routes)
        for rt in ROUTERS
    ):
        from astrocal_server.api import bookings  # the router exists before it is registered

        app.include_router(bookings.router)
    uvicorn.run(app, fd=fd, log_level="warning", access_log=False, backlog=2048)


class Process:
    """A child process that can be SIGKILLed and started again."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], fds: tuple[int, ...] = ()):
        self.name, self.argv, self.env, self.fds = name, argv, env, fds
        self.proc: asyncio.subprocess.Process | None = None
        self.kills = 0

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            env=self.env,
            pass_fds=self.fds,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()
        self.kills += 1

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


# --- the receiver (in this process) ----------------------------------------------------------


class Receiver:
    def __init__(self) -> None:
        self.verifiers: dict[str, Any] = {}  # receiver path -> standardwebhooks.Webhook
        self.first_seen: dict[str, float] = {}  # booking id -> first arrival (perf_counter)
        self.created_deliveries = 0
        self.bad_signatures = 0
        self.changed = asyncio.Event()

    def use_secrets(self, secrets: dict[str, str]) -> None:
        from standardwebhooks import Webhook

        self.verifiers = {path: Webhook(secret) for path, secret in secrets.items()}

    async def start(self) -> int:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024)
        self.server = server
        return int(server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (request := await read_request(reader)) is not None:
                self._record(request.target, request.headers, request.body, time.perf_counter())
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    def _record(self, target: str, headers: dict[str, str], body: bytes, arrived: float) -> None:
        verifier = self.verifiers.get(target)
        try:
            assert verifier is not None
            event = verifier.verify(body, headers)
        except Exception:
            self.bad_signatures += 1
            return
        if event["type"] == "booking.created":
            self.created_deliveries += 1
            self.first_seen.setdefault(event["data"]["id"], arrived)
            self.changed.set()


# --- load ------------------------------------------------------------------------------------


class Load:
    """Each connection books consecutive 15-minute slots of its own account."""

    def __init__(self, url: str, keys: list[str], event_types: list[str], first: datetime) -> None:
        self.url, self.keys, self.event_types, self.first = url, keys, event_types, first
        self.next_slot = [0] * len(keys)
        self.acknowledged: dict[str, float] = {}  # booking id -> 201 arrival (perf_counter)
        self.sent: dict[str, float] = {}  # booking id -> when its request was sent
        self.errors: Counter[str] = Counter()
        self._progress = asyncio.Condition()

    async def reached(self, count: int) -> None:
        async with self._progress:
            await self._progress.wait_for(lambda: len(self.acknowledged) >= count)

    async def run(self, target: int) -> None:
        import httpx

        limits = httpx.Limits(
            max_connections=len(self.keys), max_keepalive_connections=len(self.keys)
        )
        timeout = httpx.Timeout(60, connect=60)
        async with httpx.AsyncClient(base_url=self.url, limits=limits, timeout=timeout) as client:

            async def connection(i: int) -> None:
                headers = {"Authorization": f"Bearer {self.keys[i]}"}
                while len(self.acknowledged) < target:
                    slot = self.next_slot[i]
                    self.next_slot[i] += 1  # a request cut off by a kill may have taken it
                    body = {
                        "event_type_id": self.event_types[i],
                        "start": iso(self.first + timedelta(minutes=15 * slot)),
                        "invitee": {"name": "Bench", "email": f"c{i}.{slot}@example.com"},
                    }
                    sent = time.perf_counter()
                    try:
                        r = await client.post("/v1/bookings", headers=headers, json=body)
                    except httpx.HTTPError as exc:
                        self.errors[type(exc).__name__] += 1
                        continue
                    if r.status_code == 201:
                        self.acknowledged[r.json()["id"]] = time.perf_counter()
                        self.sent[r.json()["id"]] = sent
                        async with self._progress:
                            self._progress.notify_all()
                    else:
                        self.errors[str(r.status_code)] += 1

            await asyncio.gather(*(connection(i) for i in range(len(self.keys))))


# --- phases ----------------------------------------------------------------------------------


async def committed_bookings(db_url: str) -> set[str]:
    from astrocal_server.storage.db import Database
    from astrocal_server.storage.models import Booking
    from sqlalchemy import select

    db = Database(db_url)
    try:
        async with db.read() as session:
            return set((await session.scalars(select(Booking.id))).all())
    finally:
        await db.dispose()


async def register_endpoints(url: str, keys: list[str], port: int) -> dict[str, str]:
    import httpx

    secrets = {}
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        for i, key in enumerate(keys):
            path = f"/hooks/{i}"
            r = await client.post(
                "/v1/webhooks",
                headers={"Authorization": f"Bearer {key}"},
                json={"url": f"http://127.0.0.1:{port}{path}", "events": ["booking.created"]},
            )
            r.raise_for_status()
            secrets[path] = r.json()["secret"]
    return secrets


async def run(db_url: str, bookings: int, min_kills: int, latency_n: int) -> dict[str, Any]:
    keys = await seed_accounts(db_url, CONNECTIONS * 2)
    crash_keys, latency_keys = keys[:CONNECTIONS], keys[CONNECTIONS:]
    sock = listening_socket(2048)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    serve_argv = [sys.executable, __file__, "--serve", str(sock.fileno())]
    server = Process("server", serve_argv, settings_env(db_url, crash=True), (sock.fileno(),))
    worker = Process(
        "worker", [ASTROCAL, "worker", "--concurrency", "64"], settings_env(db_url, crash=True)
    )
    receiver = Receiver()
    port = await receiver.start()
    await server.start()
    await worker.start()
    rng = random.Random(20261128)
    try:
        # Every 15-minute slot from tomorrow on is bookable; each connection walks them in order.
        event_types = await make_event_types(
            url, keys, title="Quick call", slug="quick-call", duration_minutes=15
        )
        receiver.use_secrets(await register_endpoints(url, keys, port))
        first = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
            days=1
        )

        # Crash phase.
        load = Load(url, crash_keys, event_types[:CONNECTIONS], first)
        load_task = asyncio.create_task(load.run(bookings))
        began = time.perf_counter()
        # Kills at random points of the run (by bookings acknowledged), at a random instant each.
        for point in sorted(rng.sample(range(1, bookings), min_kills)):
            await load.reached(point)
            await asyncio.sleep(rng.uniform(0.0, 0.2))
            victim = server if rng.random() < 0.5 else worker
            await victim.kill()
            await asyncio.sleep(rng.uniform(0.0, 0.5))  # sometimes both relays are down a while
            await victim.start()
        await load_task
        crash_seconds = time.perf_counter() - began

        # Drain: every committed booking's event must arrive.
        committed = await committed_bookings(db_url)
        drain_began = time.perf_counter()
        deadline = drain_began + 180
        while time.perf_counter() < deadline:
            missing = committed - set(receiver.first_seen)
            if not missing:
                break
            receiver.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(receiver.changed.wait(), 5)
        missing = committed - set(receiver.first_seen)
        drain_seconds = time.perf_counter() - drain_began
        crash = {
            "acknowledged": len(load.acknowledged),
            "committed": len(committed),
            "acknowledged_not_committed": len(set(load.acknowledged) - committed),
            "delivered": len(committed & set(receiver.first_seen)),
            "lost": len(missing),
            "deliveries": receiver.created_deliveries,
            "duplicates": receiver.created_deliveries - len(receiver.first_seen),
            "bad_signatures": receiver.bad_signatures,
            "kills_server": server.kills,
            "kills_worker": worker.kills,
            "request_errors": dict(load.errors),
            "seconds": crash_seconds,
            "drain_seconds": drain_seconds,
        }

        # Latency phase: the server alone, default relay settings, nothing killed.
        await worker.stop()
        await server.stop()
        server.env = settings_env(db_url, crash=False)
        await server.start()
        latency_load = Load(
            url, latency_keys[:4], event_types[CONNECTIONS : CONNECTIONS + 4], first
        )
        await latency_load.run(latency_n)
        async with asyncio.timeout(60):
            while set(latency_load.acknowledged) - set(receiver.first_seen):
                receiver.changed.clear()
                await receiver.changed.wait()

        # The commit lies between the request being sent and the 201 arriving (and the relay,
        # woken by the commit, can beat the response): report the time from both ends.
        after_201 = sorted(receiver.first_seen[b] - t for b, t in latency_load.acknowledged.items())
        after_send = sorted(receiver.first_seen[b] - t for b, t in latency_load.sent.items())
        latency = {
            "bookings": len(after_send),
            "p50_ms": statistics.median(after_send) * 1000,
            "p95_ms": percentile(after_send, 0.95) * 1000,
            "max_ms": after_send[-1] * 1000,
            "after_201_p50_ms": statistics.median(after_201) * 1000,
            "after_201_p95_ms": percentile(after_201, 0.95) * 1000,
        }
    finally:
        await worker.stop()
        await server.stop()
        sock.close()
    return {"crash": crash, "latency": latency}


# --- report ----------------------------------------------------------------------------------


def _rows(results: dict[str, dict[str, Any]]) -> tuple[str, str]:
    crash_rows, latency_rows = [], []
    for name, r in results.items():
        c, lat = r["crash"], r["latency"]
        crash_rows.append(
            f"| {name} | {c['kills_server']} + {c['kills_worker']} | {c['acknowledged']} | "
            f"{c['committed']} | {c['delivered']} | **{c['lost']}** | {c['duplicates']} | "
            f"{c['bad_signatures']} | {c['seconds']:.0f} s + {c['drain_seconds']:.0f} s |"
        )
        latency_rows.append(
            f"| {name} | {lat['bookings']} | {lat['p50_ms']:.0f} ms | {lat['p95_ms']:.0f} ms | "
            f"{lat['max_ms']:.0f} ms | {lat['after_201_p50_ms']:.0f} ms | "
            f"{lat['after_201_p95_ms']:.0f} ms |"
        )
    return "\n".join(crash_rows), "\n".join(latency_rows)


def _report(args: Any, results: dict[str, dict[str, Any]]) -> str:
    """The section's text: the runs on each database against the bars."""
    crash_rows, latency_rows = _rows(results)
    lost_ok = all(r["crash"]["lost"] == 0 for r in results.values())
    kills_ok = all(
        r["crash"]["kills_server"] + r["crash"]["kills_worker"] >= 30 for r in results.values()
    )
    p95_ok = all(r["latency"]["p95_ms"] <= 1000 for r in results.values())
    errors = "; ".join(f"{k}: {r['crash']['request_errors'] or 'none'}" for k, r in results.items())
    return (
        f"{SECTION}\n\n"
        + run_header()
        + f"- Command: `.venv/bin/python bench/webhooks.py --bookings {args.bookings} --kills "
        f"{args.kills} --latency {args.latency}`"
        f"{' (PostgreSQL from ASTROCAL_TEST_POSTGRES_URL)' if args.postgres else ''}\n"
        "- Crash phase: one uvicorn API server (relay inside) and one `astrocal worker` on the same "
        f"database; {CONNECTIONS} connections booking without pause; at random points of the run "
        "one of the two (chosen at random) is SIGKILLed and restarted 0–0.5 s later (relay lease 10 s, attempt deadline 3 s). "
        "Lost = bookings present in the database afterwards whose `booking.created` never reached "
        "the receiver (waited up to 180 s). Every delivery verified with `standardwebhooks`.\n"
        "- Latency phase: the server alone with default settings (its relay is woken by each commit; "
        "the 0.2 s poll covers other processes); time until the first attempt arrives at the "
        "receiver, counted from the request being sent (an upper bound of the time after the "
        "commit) and from the 201 arriving (the relay may beat the response: negative), "
        "4 connections.\n\n"
        "| database | kills (server + worker) | bookings acknowledged | bookings committed | "
        "delivered | lost | duplicate deliveries | bad signatures | time (load + drain) |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
        f"{crash_rows}\n\n"
        "| database | bookings | first attempt after the request was sent: p50 | p95 | max | "
        "after the 201 arrived: p50 | p95 |\n|---|---|---|---|---|---|---|\n"
        f"{latency_rows}\n\n"
        f"Request errors during kills (connections cut, retried on the next slot): {errors}.\n\n"
        f"Bars: 0 lost across ≥ 30 kills → **{'met' if lost_ok and kills_ok else 'NOT met'}**; "
        f"first attempt p95 ≤ 1 s → **{'met' if p95_ok else 'NOT met'}**.\n"
    )


def main() -> None:
    parser = bench_parser(__doc__, postgres=True)
    parser.add_argument("--bookings", type=int, default=3000)
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--latency", type=int, default=500, help="bookings in the latency phase")
    args = parser.parse_args()

    results = on_each_database(
        args.postgres,
        lambda _name, url: asyncio.run(run(url, args.bookings, args.kills, args.latency)),
        tmp_prefix="astrocal-bench-webhooks-",
    )
    print(json.dumps(results, indent=2), file=sys.stderr)
    publish(SECTION, _report(args, results), write=not args.no_write)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
    else:
        main()
