"""What the benchmark scripts share: writing their section of bench/RESULTS.md, the run header,
percentiles, the server settings and sockets of the HTTP benchmarks, their load-generator child
process, a scratch PostgreSQL database, and the accounts, event types and bookings they seed.

Each script runs as ``python bench/<name>.py``, which puts bench/ first on ``sys.path``, so this
module is imported as ``_common``. Importing it also puts ``packages/`` on ``sys.path``, so the
scripts run from a checkout without an install, and the checkout's root, for the one test support
module a script shares with the tests (``tests/support/wire.py``, free of pytest and the app).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "EVERY_DAY",
    "RESULTS",
    "UNLIMITED_PLANS",
    "add_booking",
    "bench_parser",
    "bench_settings",
    "iso",
    "listening_socket",
    "make_event_types",
    "on_each_database",
    "percentile",
    "publish",
    "run_child",
    "run_header",
    "scratch_postgres",
    "seed_accounts",
    "serve_on_fd",
    "start_server",
    "stop_servers",
    "write_section",
]

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
sys.path.insert(0, str(ROOT / "packages"))
sys.path.insert(1, str(ROOT))  # for tests/support/wire.py, which the webhook receiver shares

# The benchmarks' only plan: a rate limit far above what a load generator sends (the limiter still
# runs on every request; it just never says 429).
UNLIMITED_PLANS = {"unlimited": {"requests_per_minute": 10_000_000}}
EVERY_DAY = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

T = TypeVar("T")


# --- command line and results --------------------------------------------------------------------------------


def bench_parser(doc: str, *, postgres: bool = False) -> argparse.ArgumentParser:
    """The options every benchmark has: ``--no-write`` and, for those that also run on
    PostgreSQL, ``--postgres`` (default ``ASTROCAL_TEST_POSTGRES_URL``); the description is the
    first paragraph of the script's docstring. The script adds its own options."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    if postgres:
        parser.add_argument(
            "--postgres",
            default=os.environ.get("ASTROCAL_TEST_POSTGRES_URL"),
            help="also run on a scratch database of this PostgreSQL server",
        )
    parser.add_argument(
        "--no-write", action="store_true", help="print the results, leave RESULTS.md alone"
    )
    return parser


def write_section(heading: str, text: str) -> None:
    """Replace the ``heading`` section (up to the next ``## ``) with ``text``, or append it."""
    text = text.rstrip("\n") + "\n\n"  # a blank line before the next section
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text, current)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(updated.rstrip("\n") + "\n", encoding="utf-8")


def publish(heading: str, text: str, *, write: bool) -> None:
    """Print a run's section and, unless the run said ``--no-write``, put it into RESULTS.md."""
    print(text)
    if write:
        write_section(heading, text)


def run_header(machine_note: str = "") -> str:
    """The ``- Date:`` and ``- Machine:`` lines a section opens with; ``machine_note`` ends the
    machine line (the load average, how many cores the run used)."""
    return (
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}\n"
        f"- Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
        f"{machine_note}\n"
    )


def percentile(ordered: Sequence[float], q: float) -> float:
    """The value at quantile ``q`` of ascending ``ordered`` (nearest rank, rounding down)."""
    return ordered[max(0, int(len(ordered) * q) - 1)]


# --- servers and load generators -------------------------------------------------------------


def bench_settings(db_url: str, **overrides: Any) -> Any:
    """Server settings for an HTTP benchmark: no relay, the unlimited plan, no ``.env`` file."""
    from astrocal_server.config import Settings

    return Settings(  # type: ignore[call-arg]
        database_url=db_url,
        run_relay=False,
        plans=UNLIMITED_PLANS,
        _env_file=None,
        **overrides,
    )


def serve(db_url: str, port: int) -> None:
    """Serve the app on ``db_url`` at 127.0.0.1:``port`` (one uvicorn worker, quiet logs); run
    it in a child process so the server never shares the load generator's CPU time."""
    import uvicorn
    from astrocal_server.app import create_app

    uvicorn.run(
        create_app(bench_settings(db_url), long_lived=True),  # as `astrocal serve` runs it
        host="127.0.0.1",
        port=port,
        workers=1,
        log_level="warning",
        access_log=False,
    )


def listening_socket(backlog: int) -> socket.socket:
    """A loopback socket on a free port, listening and inheritable: a server child process serves
    on it, and requests queue on it until that process is up (or back after a kill)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def serve_on_fd(app: Any, fd: int) -> None:
    """Serve ``app`` on the inherited socket ``fd``: one uvicorn worker, quiet logs, a deep
    backlog, and keep-alive longer than any bench round, so an idle connection is never closed
    under a client about to reuse it (a ReadError that would have nothing to do with the server)."""
    import uvicorn

    uvicorn.run(
        app,
        fd=fd,
        workers=1,
        log_level="warning",
        access_log=False,
        backlog=1024,
        timeout_keep_alive=120,
    )


def start_server(script: str, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    """``script`` with ``args`` and, last, the fd of a pre-bound socket it serves on, in a child
    process (requests queue on the socket until it is up); the process and its URL."""
    sock = listening_socket(1024)
    proc = subprocess.Popen(
        [sys.executable, script, *args, str(sock.fileno())], pass_fds=[sock.fileno()]
    )
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    return proc, url


def stop_servers(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    """Terminate server processes; kill any still up after 15 s."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_child(script: str, what: str, *args: str) -> Any:
    """Run ``script`` with ``args`` in a fresh interpreter (a load generator that does not share
    this process's CPU time or event loop) and return the JSON it prints."""
    out = subprocess.run(
        [sys.executable, script, *args], check=False, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"the {what} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout)


def iso(value: datetime) -> str:
    """A UTC instant as the API's ``start`` takes it."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- databases and seed data -----------------------------------------------------------------


async def _pg_admin(base_url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(base_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def scratch_postgres(base_url: str) -> Iterator[str]:
    """A fresh database on the PostgreSQL server ``base_url`` names, dropped afterwards; yields
    its URL."""
    from sqlalchemy.engine import make_url

    name = f"astrocal_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(base_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_pg_admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def on_each_database(
    postgres: str | None, run: Callable[[str, str], T], *, tmp_prefix: str
) -> dict[str, T]:
    """``run(name, url)`` on a SQLite file in a fresh temporary directory and, when ``postgres``
    names a server (``--postgres``, ``ASTROCAL_TEST_POSTGRES_URL``), on a scratch database there;
    the results by database name."""
    tmp = Path(tempfile.mkdtemp(prefix=tmp_prefix))
    results = {"SQLite": run("SQLite", f"sqlite+aiosqlite:///{tmp / 'bench.db'}")}
    if postgres:
        with scratch_postgres(postgres) as url:
            results["PostgreSQL"] = run("PostgreSQL", url)
    return results


def print_figures(results: dict[str, dict[str, float]], label: str = "") -> None:
    """Each database's figures, one ``name: value`` line each under ``<database><label>:``."""
    for database, figures in results.items():
        print(f"{database}{label}:")
        for name, value in figures.items():
            print(f"  {name}: {value:.2f}")


async def seed_accounts(db_url: str, count: int) -> list[str]:
    """``count`` accounts on the unlimited plan (the database migrated first); returns their
    test-mode secrets."""
    from astrocal_server.accounts import create_account
    from astrocal_server.clock import SystemClock
    from astrocal_server.storage.db import Database
    from astrocal_server.storage.migrate import migrate

    await migrate(db_url)
    db = Database(db_url)
    keys = []
    try:
        async with db.write() as session:
            for i in range(count):
                made = await create_account(
                    session,
                    name=f"Bench {i}",
                    email=f"bench{i}@example.com",
                    time_zone="UTC",
                    plan="unlimited",
                    clock=SystemClock(),
                )
                keys.append(made.test_key.secret)
    finally:
        await db.dispose()
    return keys


def add_booking(
    session: Any,
    *,
    account_id: str,
    event_type_id: str,
    host_id: str,
    start: datetime,
    minutes: int,
    seat_key: str,
    now: datetime,
) -> None:
    """Add to ``session`` a confirmed test-mode booking of ``minutes`` at ``start`` on ``host_id``,
    and the host row it occupies: seed data written straight to the database, no buffers."""
    from astrocal_server.bookings.service import occupy
    from astrocal_server.ids import new_id
    from astrocal_server.storage.models import Booking

    end = start + timedelta(minutes=minutes)
    booking = Booking(
        id=new_id("bk"), account_id=account_id, livemode=False,
        event_type_id=event_type_id, host_id=host_id, status="confirmed",
        start_at=start, end_at=end, block_start=start, block_end=end,
        seat_key=seat_key, duration_minutes=minutes, invitee_name="Bench",
        invitee_email="bench@example.com", invitee_time_zone="UTC", created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(booking)
    session.add_all(occupy(booking, [host_id]))


async def make_event_types(
    url: str, keys: list[str], *, title: str, slug: str, duration_minutes: int
) -> list[str]:
    """Per account, through the API: a 24/7 UTC schedule and an event type on it, so every slot
    from tomorrow on is bookable (each connection walks its account's slots in order)."""
    import httpx

    always = {
        "name": "Always",
        "time_zone": "UTC",
        "weekly_hours": [{"day": d, "start": "00:00", "end": "24:00"} for d in EVERY_DAY],
    }
    event_type = {"title": title, "slug": slug, "duration_minutes": duration_minutes}
    out = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        for key in keys:
            headers = {"Authorization": f"Bearer {key}"}
            r = await client.post("/v1/schedules", headers=headers, json=always)
            r.raise_for_status()
            body = {**event_type, "schedule_id": r.json()["id"]}
            r = await client.post("/v1/event_types", headers=headers, json=body)
            r.raise_for_status()
            out.append(r.json()["id"])
    return out
