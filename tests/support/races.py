"""The race harness of the no-double-booking tests: many simultaneous creates, their outcome
counted by status (and error code), and two real uvicorn server processes sharing one database
(``two_servers``: PostgreSQL only; ``two_processes``: SQLite too), and ``constraint_alone``: the
database's exclusion constraint as the only guard."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from astrocal_server.clock import FixedClock
from fastapi import FastAPI

from tests.support import pinned_app
from tests.support.bookings import iso
from tests.support.live import free_socket

H = dict[str, str]


@pytest.fixture
def constraint_alone(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """No advisory lock, and a re-check of the start that says yes to everything: only the
    database's exclusion constraint is left to refuse an overlap (PostgreSQL's backstop; the test
    is skipped on SQLite, which has none)."""
    if app.state.astrocal.db.dialect != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's backstop")
    from astrocal_server.availability import service as availability
    from astrocal_server.availability.engine import StartCheck
    from astrocal_server.bookings import service

    async def no_lock(*_args: Any) -> None:
        return None

    async def always_open(*_args: Any, **_kwargs: Any) -> StartCheck:
        return StartCheck(True, [], [])

    monkeypatch.setattr(service, "_lock_host", no_lock)
    monkeypatch.setattr(availability, "check_start_in_session", always_open)


def racer_body(event_type_id: str, start: datetime, i: int) -> dict[str, Any]:
    return {
        "event_type_id": event_type_id,
        "start": iso(start),
        "invitee": {"name": f"Racer {i}", "email": f"racer{i}@example.com"},
    }


async def confirmed_at(client: httpx.AsyncClient, headers: H, start: datetime) -> list[str]:
    """The ids of the confirmed bookings starting at ``start`` (at most 100)."""
    r = await client.get(
        "/v1/bookings",
        headers=headers,
        params={
            "start_after": iso(start),
            "start_before": iso(start + timedelta(seconds=1)),
            "status": "confirmed",
            "limit": 100,
        },
    )
    return [b["id"] for b in r.json()["data"]]


Outcome = Counter[tuple[int, str | None] | str]


async def fire(
    clients: Sequence[httpx.AsyncClient], requests: Sequence[tuple[str, H, dict[str, Any]]]
) -> Outcome:
    """POST every ``(path, headers, body)`` at once, spread over ``clients``; the outcome counts
    ``(status, error code)`` pairs (code None on success), and client-side errors by name, so a
    failure says what happened instead of cutting the other requests off."""
    responses = await asyncio.gather(
        *(
            clients[i % len(clients)].post(path, headers=headers, json=body)
            for i, (path, headers, body) in enumerate(requests)
        ),
        return_exceptions=True,
    )
    outcome: Outcome = Counter()
    for r in responses:
        if isinstance(r, BaseException):
            outcome[f"{type(r).__name__}: {r}"] += 1
        elif r.status_code < 400:
            outcome[(r.status_code, None)] += 1
        elif r.headers.get("content-type", "").startswith("application/json"):
            outcome[(r.status_code, r.json()["error"]["code"])] += 1
        else:
            outcome[f"{r.status_code}: {r.text[:200]}"] += 1
    return outcome


async def race(
    clients: list[httpx.AsyncClient], headers: H, bodies: list[dict[str, Any]]
) -> Counter[int | str]:
    """Fire every body at ``POST /v1/bookings`` at once; the outcome counts status codes (a 409
    must be ``slot_unavailable``)."""
    outcome = await fire(clients, [("/v1/bookings", headers, body) for body in bodies])
    statuses: Counter[int | str] = Counter()
    for key, count in outcome.items():
        if isinstance(key, tuple):
            assert key[0] != 409 or key[1] == "slot_unavailable", outcome
            key = key[0]
        statuses[key] += count
    return statuses


def _spawn(tmp: Path, env: dict[str, str], name: str) -> tuple[subprocess.Popen[bytes], str]:
    sock = free_socket()
    sock.listen(512)  # requests queue here until the server is up: no readiness polling
    port = sock.getsockname()[1]
    log = (tmp / f"{name}.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "pinned_app:create",
            "--factory",
            "--app-dir",
            str(Path(pinned_app.__file__).parent),
            "--fd",
            str(sock.fileno()),
            "--log-level",
            "warning",
            "--backlog",
            "512",
            # Idle keep-alive connections stay open across rounds: no close-while-reused races.
            "--timeout-keep-alive",
            "120",
        ],
        env=env,
        cwd=tmp,
        pass_fds=[sock.fileno()],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    sock.close()
    return proc, f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def server_processes(
    app: FastAPI, clock: FixedClock, tmp: Path, count: int = 2
) -> Iterator[list[str]]:
    """``count`` real uvicorn server processes on ``app``'s database (SQLite file or PostgreSQL),
    clocks pinned to ``clock``; yields their URLs."""
    settings = app.state.astrocal.settings
    env = {
        **os.environ,
        "ASTROCAL_DATABASE_URL": settings.database_url,
        "ASTROCAL_RUN_RELAY": "false",
        "ASTROCAL_EMAIL_BACKEND": "memory",
        "ASTROCAL_MIGRATE_ON_START": "false",
        "ASTROCAL_TEST_NOW": iso(clock.now()),
        "ASTROCAL_PLANS": '{"unlimited": {"requests_per_minute": 100000},'
        ' "tight": {"requests_per_minute": 6}}',
    }
    servers = [_spawn(tmp, env, f"server{i}") for i in range(count)]
    try:
        yield [url for _, url in servers]
    finally:
        for proc, _ in servers:
            proc.terminate()
        for proc, _ in servers:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def two_servers(app: FastAPI, clock: FixedClock, tmp_path: Path) -> Iterator[list[str]]:
    """Two server processes on PostgreSQL (skipped on SQLite: its rate-limit counters live in
    each process's memory, and scale-out is PostgreSQL's job)."""
    if app.state.astrocal.db.dialect != "postgresql":
        pytest.skip("scale-out (several server processes) needs PostgreSQL")
    with server_processes(app, clock, tmp_path) as urls:
        yield urls


@pytest.fixture
def two_processes(app: FastAPI, clock: FixedClock, tmp_path: Path) -> Iterator[list[str]]:
    """Two server processes on either database: SQLite's ``BEGIN IMMEDIATE`` serialises writers
    across processes as PostgreSQL's advisory locks do."""
    with server_processes(app, clock, tmp_path) as urls:
        yield urls


@asynccontextmanager
async def clients_of(
    urls: Sequence[str], connections: int
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One client per server URL, each with room for ``connections`` requests at once."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    clients = [httpx.AsyncClient(base_url=url, timeout=60, limits=limits) for url in urls]
    try:
        yield clients
    finally:
        for c in clients:
            await c.aclose()
