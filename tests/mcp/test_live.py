"""End to end against a live reference server: ``astrocal serve`` as a subprocess (free port, tmp
SQLite, the first-run demo account and key), driven through ``astrocal-mcp`` as a subprocess over
stdio (and over streamable HTTP), exactly as an MCP client would launch it.

Both processes use the real clock, so the scripted agent asks get_current_time first and works out
"next Tuesday" from its answer, as an agent must.
"""

from __future__ import annotations

import asyncio
import os
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import get_default_environment

from tests.support.live import stop

BIN = Path(sys.executable).parent
STARTUP_TIMEOUT = 60.0


@dataclass(frozen=True)
class Live:
    url: str
    key: str
    event_type_id: str
    database_url: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASTROCAL_")}
    return {**env, **extra}


def start(
    argv: list[str],
    env: dict[str, str],
    cwd: Path,
    ready_text: str,
    seen: list[str] | None = None,
) -> subprocess.Popen[str]:
    """Start a server process and return once ``ready_text`` appears on its stderr (the lines up
    to it are appended to ``seen``).

    stderr is read by a thread for the process's whole life, so a full pipe never blocks it.
    """
    process = subprocess.Popen(
        argv,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=(cwd / "stdout.log").open("w"),
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=drain, daemon=True).start()
    seen = [] if seen is None else seen
    while True:
        try:
            line = lines.get(timeout=STARTUP_TIMEOUT)
        except queue.Empty:
            process.kill()
            raise AssertionError(f"{argv[0]} did not start:\n{''.join(seen)}") from None
        if line is None:
            raise AssertionError(f"{argv[0]} exited:\n{''.join(seen)}")
        seen.append(line)
        if ready_text in line:
            return process


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    from astrocal_server.bootstrap import ensure_initialised
    from astrocal_server.clock import SystemClock
    from astrocal_server.config import Settings

    workdir = tmp_path_factory.mktemp("live")
    database_url = f"sqlite+aiosqlite:///{workdir / 'astrocal.db'}"
    settings = Settings(database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    first = asyncio.run(ensure_initialised(settings, SystemClock()))
    assert first is not None
    port = free_port()
    process = start(
        [str(BIN / "astrocal"), "serve", "--port", str(port)],
        clean_env(ASTROCAL_DATABASE_URL=database_url, ASTROCAL_EMAIL_BACKEND="disabled"),
        workdir,
        "Application startup complete",
    )
    try:
        yield Live(
            url=f"http://127.0.0.1:{port}",
            key=first.created.test_key.secret,
            event_type_id=first.test_event_type_id,
            database_url=database_url,
        )
    finally:
        stop(process)


def mcp_env(live: Live, **extra: str) -> dict[str, str]:
    return {
        **get_default_environment(),
        "ASTROCAL_API_KEY": live.key,
        "ASTROCAL_API_URL": live.url,
        **extra,
    }


async def call(client: Client, name: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(name, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return dict(result.structured_content)


def next_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


async def test_agent_session_over_stdio(live: Live) -> None:
    params = StdioServerParameters(
        command=str(BIN / "astrocal-mcp"),
        env=mcp_env(live, ASTROCAL_DEFAULT_EVENT_TYPE_ID=live.event_type_id),
    )
    async with Client(params) as client:
        now = await call(client, "get_current_time", time_zone="Europe/Berlin")
        tuesday = next_weekday(date.fromisoformat(now["date"]), 1).isoformat()

        event_types = await call(client, "list_event_types")
        [intro] = [e for e in event_types["event_types"] if e["slug"] == "intro-call"]
        assert intro["id"] == live.event_type_id and intro["is_default"]

        availability = await call(
            client,
            "check_availability",
            event_type_id=intro["id"],
            start_date=tuesday,
            end_date=tuesday,
            time_zone="Europe/Berlin",
        )
        (day,) = availability["days"]
        assert day["date"] == tuesday and day["weekday"] == "Tuesday"
        starts = [f"{tuesday}T{hhmm}{day['utc_offset']}" for hhmm in day["starts"][:3]]
        assert len(starts) == 3

        # No event_type_id: ASTROCAL_DEFAULT_EVENT_TYPE_ID fills it in.
        booked = await call(
            client,
            "create_booking",
            start_time=starts[0],
            invitee_name="Jo Smith",
            invitee_email="jo@example.com",
            invitee_timezone="Europe/Berlin",  # the official server's name, an alias
        )
        assert booked["status"] == "confirmed" and booked["time_zone"] == "Europe/Berlin"
        assert booked["when"].startswith(f"Tue {tuesday} {day['starts'][0]}")

        taken = await client.call_tool(
            "create_booking",
            {
                "start_time": starts[0],
                "invitee_name": "Sam Lee",
                "invitee_email": "sam@example.com",
            },
        )
        assert taken.is_error and "slot_unavailable" in taken.content[0].text

        # A local time with its offset, as the user would say it.
        moved = await call(
            client,
            "reschedule_booking",
            booking_id=booked["id"],
            new_start_time=starts[2],
            reason="Clash",
        )
        assert moved["id"] == booked["id"]
        assert moved["when"].startswith(f"Tue {tuesday} {day['starts'][2]}")
        assert moved["previously"].startswith(f"Tue {tuesday} {day['starts'][0]}")

        cancelled = await call(client, "cancel_booking", booking_id=booked["id"])
        assert cancelled["status"] == "cancelled"
        fetched = await call(client, "get_booking", booking_id=booked["id"])
        assert fetched["status"] == "cancelled"

        naive = await client.call_tool(
            "create_booking",
            {
                "start_time": f"{tuesday}T11:00",
                "invitee_name": "Jo Smith",
                "invitee_email": "jo@example.com",
            },
        )
        assert naive.is_error and "no UTC offset" in naive.content[0].text


async def test_hold_ask_then_book_with_the_hold_over_stdio(live: Live) -> None:
    """The agent checks availability, holds a start, asks its person, and books the hold: the
    booking has the hold's start and the hold shows converted."""
    import httpx

    params = StdioServerParameters(command=str(BIN / "astrocal-mcp"), env=mcp_env(live))
    async with Client(params) as client:
        now = await call(client, "get_current_time", time_zone="America/New_York")
        wednesday = next_weekday(date.fromisoformat(now["date"]), 2).isoformat()
        availability = await call(client, "check_availability", event_type_id=live.event_type_id,
                                  start_date=wednesday, end_date=wednesday,
                                  time_zone="America/New_York")  # fmt: skip
        (day,) = availability["days"]
        start = f"{wednesday}T{day['starts'][-1]}{day['utc_offset']}"
        held = await call(client, "hold_slot", event_type_id=live.event_type_id,
                          start_time=start, time_zone="America/New_York")  # fmt: skip
        assert held["status"] == "active"
        assert "America/New_York" in held["expires"] and held["expires"].endswith(" UTC")

        answer = "ask the person: does it suit you?"  # the agent waits for its person here
        assert answer

        booked = await call(client, "create_booking", hold_id=held["id"],
                            invitee_name="Jo Smith", invitee_email="jo@example.com")  # fmt: skip
        assert booked["status"] == "confirmed" and booked["start"] == held["start"]

    async with httpx.AsyncClient(
        base_url=live.url, headers={"Authorization": f"Bearer {live.key}"}
    ) as api:
        hold = (await api.get(f"/v1/holds/{held['id']}")).json()
    assert (hold["status"], hold["booking_id"]) == ("converted", booked["id"])


async def _team_event_type(live: Live) -> tuple[str, list[str]]:
    """A round robin of two new hosts, written in the database (the hosts API is not needed)."""
    import httpx
    from astrocal_server.storage.db import Database
    from astrocal_server.storage.models import EventType
    from sqlalchemy import select

    from tests.support.team_rows import insert_hosts

    async with httpx.AsyncClient(
        base_url=live.url, headers={"Authorization": f"Bearer {live.key}"}
    ) as api:
        created = await api.post(
            "/v1/event_types", json={"title": "Demo", "slug": "team-demo", "duration_minutes": 30}
        )
    assert created.status_code == 201, created.text
    evt = created.json()["id"]
    db = Database(live.database_url)
    try:
        async with db.read() as session:
            row = (await session.scalars(select(EventType).where(EventType.id == evt))).one()
        hosts = await insert_hosts(db, row.account_id, ["Ana", "Ben"], now=row.created_at)
        async with db.write() as session:
            row = (await session.scalars(select(EventType).where(EventType.id == evt))).one()
            row.hosts = [{"host_id": h, "priority": 0, "weight": 1} for h in hosts]
            row.assignment = "round_robin"
    finally:
        await db.dispose()
    return evt, hosts


async def test_team_event_types_over_stdio(live: Live) -> None:
    evt, hosts = await _team_event_type(live)
    params = StdioServerParameters(command=str(BIN / "astrocal-mcp"), env=mcp_env(live))
    async with Client(params) as client:
        listed = await call(client, "list_event_types")
        by_id = {e["id"]: e for e in listed["event_types"]}
        assert (by_id[evt]["assignment"], by_id[evt]["host_ids"]) == ("round_robin", hosts)
        assert "host_ids" not in by_id[live.event_type_id]
        now = await call(client, "get_current_time", time_zone="UTC")
        tuesday = next_weekday(date.fromisoformat(now["date"]), 1).isoformat()
        # host_id is a parameter the tool takes and forwards (the reference server answers it).
        one_host = await call(client, "check_availability", event_type_id=evt,
                              start_date=tuesday, end_date=tuesday, host_id=hosts[1])  # fmt: skip
        assert one_host["event_type_id"] == evt


async def _list_over_http(url: str, token: str | None) -> list[str]:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    http = httpx2.AsyncClient(headers=headers)
    async with http, Client(streamable_http_client(url, http_client=http)) as client:
        listed = await call(client, "list_event_types")
    return [e["id"] for e in listed["event_types"]]


async def test_streamable_http_transport_needs_its_own_token(live: Live, tmp_path: Path) -> None:
    import httpx2

    port = free_port()
    process = start(
        [str(BIN / "astrocal-mcp"), "--transport", "http", "--port", str(port)],
        clean_env(
            ASTROCAL_API_KEY=live.key, ASTROCAL_API_URL=live.url, ASTROCAL_MCP_TOKEN="s3cret"
        ),
        tmp_path,
        "Application startup complete",
    )
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        assert live.event_type_id in await _list_over_http(url, "s3cret")
        async with httpx2.AsyncClient() as http:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": live.key}):
                refused = await http.post(url, json={}, headers=headers)
                assert refused.status_code == 401, headers
                assert refused.headers["www-authenticate"].startswith("Bearer")
                assert "ASTROCAL_MCP_TOKEN" in refused.json()["error_description"]
    finally:
        stop(process)


async def test_streamable_http_transport_prints_a_generated_token(
    live: Live, tmp_path: Path
) -> None:
    port = free_port()
    seen: list[str] = []
    process = start(
        [str(BIN / "astrocal-mcp"), "--transport", "http", "--port", str(port)],
        clean_env(ASTROCAL_API_KEY=live.key, ASTROCAL_API_URL=live.url),
        tmp_path,
        "Application startup complete",
        seen,
    )
    try:
        said = next(line for line in seen if "Authorization: Bearer" in line)
        token = said.split("Authorization: Bearer ", 1)[1].split("'", 1)[0]
        assert len(token) >= 43  # 256 bits
        assert live.event_type_id in await _list_over_http(f"http://127.0.0.1:{port}/mcp", token)
    finally:
        stop(process)


def test_http_transport_stays_on_loopback_unless_allowed(live: Live, tmp_path: Path) -> None:
    env = clean_env(ASTROCAL_API_KEY=live.key, ASTROCAL_API_URL=live.url)
    argv = [str(BIN / "astrocal-mcp"), "--transport", "http", "--host", "0.0.0.0"]
    refused = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert "refusing to listen on 0.0.0.0" in refused.stderr
    assert "--allow-remote" in refused.stderr
    seen: list[str] = []
    port = str(free_port())
    process = start([*argv, "--allow-remote", "--port", port], env, tmp_path,
                    "Application startup complete", seen)  # fmt: skip
    stop(process)
    assert any("WARNING: listening on 0.0.0.0" in line for line in seen)


async def test_remote_endpoint_on_the_live_server(live: Live) -> None:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {live.key}"}) as http:
        transport = streamable_http_client(f"{live.url}/mcp", http_client=http)
        async with Client(transport) as client:
            listed = await call(client, "list_event_types")
            assert live.event_type_id in [e["id"] for e in listed["event_types"]]
    async with httpx2.AsyncClient() as anonymous:
        refused = await anonymous.post(f"{live.url}/mcp", json={})
        assert refused.status_code == 401
