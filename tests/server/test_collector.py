"""A long-lived server process tunes its garbage collector once started; nothing else does.

``astrocal serve``'s app and ``astrocal worker``'s relay loop freeze the heap they built at startup
out of the collector's passes and collect the young generation rarely (``collector.py``); an app
built without ``long_lived`` (tests, embedding) leaves the process's collector as it found it.
Each case runs in a fresh interpreter: a freeze is for the life of a process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from astrocal_server.collector import YOUNG_THRESHOLD

# Prints [frozen objects, generation 0's threshold] as seen while the process serves.
_PROBE = """
import asyncio, gc, json, sys
from astrocal_server.config import Settings

how, url = sys.argv[1], sys.argv[2]
settings = Settings(database_url=url, email_backend="none", run_relay=False, _env_file=None)

def seen():
    print(json.dumps([gc.get_freeze_count(), gc.get_threshold()[0]]))

async def started(app):
    async with app.router.lifespan_context(app):
        seen()

if how in ("app", "long_lived_app"):
    from astrocal_server.app import create_app
    from astrocal_server.storage.migrate import migrate
    asyncio.run(migrate(url))
    asyncio.run(started(create_app(settings, long_lived=how == "long_lived_app")))
elif how == "serve":
    import uvicorn
    from astrocal_server.entrypoints import serve
    uvicorn.run = lambda app, **_: asyncio.run(started(app))  # the app serve builds, started
    serve(settings, host="127.0.0.1", port=0, echo=lambda _: None)
elif how == "worker":
    from astrocal_server.entrypoints import run_worker
    from astrocal_server.outbox.relay import RelayLoop

    async def run(self, stop):
        seen()

    RelayLoop.run = run  # the loop the worker would run until SIGTERM, entered
    asyncio.run(run_worker(settings.with_overrides(migrate_on_start=True)))
"""


def _seen(how: str, tmp_path: Path) -> tuple[int, int]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'collector.db'}"
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, how, url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    frozen, young = json.loads(done.stdout.strip().splitlines()[-1])
    return frozen, young


@pytest.mark.parametrize("how", ["long_lived_app", "serve", "worker"])
def test_a_long_lived_process_freezes_its_startup_heap_and_collects_the_young_rarely(
    how: str, tmp_path: Path
) -> None:
    frozen, young = _seen(how, tmp_path)
    assert frozen > 50_000  # the startup heap (SQLAlchemy, pydantic, routes…), out of every pass
    assert young == YOUNG_THRESHOLD


def test_an_app_not_told_it_is_long_lived_leaves_the_collector_alone(tmp_path: Path) -> None:
    assert _seen("app", tmp_path) == (0, 700)  # CPython's defaults
