"""``astrocal worker`` as a real process: relays what the outbox holds, stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from astrocal_server.config import Settings
from standardwebhooks import Webhook

from tests.support.webhooks import Receiver

ASTROCAL = str(Path(sys.executable).with_name("astrocal"))


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """SQLite only: the process boundary is what is tested here (PostgreSQL sharing is in test_relay)."""
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('worker') / 'astrocal.db'}"


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASTROCAL_")}
    env.update(
        ASTROCAL_DATABASE_URL=settings.database_url,
        ASTROCAL_ALLOW_PRIVATE_WEBHOOK_TARGETS="true",
        ASTROCAL_EMAIL_BACKEND="memory",
        ASTROCAL_RELAY_POLL_SECONDS="0.05",
    )
    return env


async def test_worker_once_relays_everything_due(
    settings: Settings, make_endpoint: Any, emit: Any, receiver: Receiver, tmp_path: Path
) -> None:
    endpoint = await make_endpoint()
    outbox_id = await emit("booking.created")
    proc = await asyncio.create_subprocess_exec(
        ASTROCAL,
        "worker",
        "--once",
        env=_env(settings),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode()
    assert "nothing else is due" in out.decode()
    mine = [r for r in receiver.requests if r.headers["webhook-id"] == "whe_" + outbox_id[3:]]
    assert len(mine) == 1
    Webhook(endpoint["secret"]).verify(mine[0].body, mine[0].headers)


async def test_worker_loop_delivers_new_events_and_stops_on_sigterm(
    settings: Settings, make_endpoint: Any, emit: Any, receiver: Receiver, tmp_path: Path
) -> None:
    await make_endpoint()
    proc = await asyncio.create_subprocess_exec(
        ASTROCAL,
        "worker",
        env=_env(settings),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        outbox_id = await emit("booking.created")  # committed while the worker runs
        wanted = "whe_" + outbox_id[3:]
        # Generous: a cold process start on a busy CI machine takes seconds.
        while not any(r.headers["webhook-id"] == wanted for r in receiver.requests):
            await receiver.wait_for(len(receiver.requests) + 1, within=90)
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0, err.decode()
