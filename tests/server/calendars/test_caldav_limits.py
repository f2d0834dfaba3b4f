"""CalDAV calls are bounded: an overall deadline per call (discovery included) and a cap on the
size of an answer, against a real loopback server that trickles its answer or sends a huge one
(``tests/support/misbehaving_http.py``).

A per-read timeout never fires on a server that sends one byte every 50 ms, and a 150 MB answer
used to be read whole into memory; each test here would hang or read it all without the limits,
so every call is wrapped in a generous guard that fails the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
from astrocal_server.calendars.base import (
    CalendarInfo,
    DiscoveryFailed,
    EventDraft,
    ProviderError,
    ProviderUnavailable,
)
from astrocal_server.calendars.caldav import MAX_RESPONSE_BYTES, CalDavProvider
from astrocal_server.calendars.http import RetryPolicy, make_client
from astrocal_server.config import Settings

from tests.support.app import server_settings
from tests.support.misbehaving_http import MisbehavingServer

T = TypeVar("T")
DEADLINE = 0.3
# The cap tests must hit the cap, not the deadline: reading 256 KiB takes milliseconds, but a
# loaded CI machine can stretch that past 0.3 s.
CAP_TEST_DEADLINE = 10.0
CAP = 256 * 1024
START = datetime(2026, 4, 13, 9, 0, tzinfo=UTC)


async def no_sleep(_delay: float) -> None:
    return None


async def guarded(call: Awaitable[T]) -> T:
    """Fail the test (instead of hanging it) when the code under test is unbounded."""
    return await asyncio.wait_for(call, 20)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(5.0) as client:  # 5 s per phase, as in production
        yield client


def provider(
    server: MisbehavingServer, client: httpx.AsyncClient, deadline: float = DEADLINE
) -> CalDavProvider:
    return CalDavProvider(
        server.url,
        "user",
        "password",
        client=client,
        policy=RetryPolicy(sleep=no_sleep),
        deadline=deadline,
        max_response_bytes=CAP,
    )


CALENDAR = CalendarInfo(id="/dav/work/", name="Work")
DRAFT = EventDraft(
    booking_id="bk_limits", title="Intro", start=START, end=START + timedelta(minutes=30)
)


async def test_discovery_of_a_trickling_server_stops_at_the_deadline(
    misbehaving_server: MisbehavingServer, http: httpx.AsyncClient
) -> None:
    misbehaving_server.mode = "trickle"
    with pytest.raises(DiscoveryFailed) as failed:
        await guarded(provider(misbehaving_server, http).discover())
    assert f"within {DEADLINE:g} s" in failed.value.message
    assert misbehaving_server.url in failed.value.message


@pytest.mark.parametrize(
    "operation",
    [
        lambda p: p.free_busy([CALENDAR], START, START + timedelta(days=1)),
        lambda p: p.create_event(CALENDAR.id, DRAFT),
        lambda p: p.update_event(CALENDAR.id, "/dav/work/bk_limits.ics", DRAFT),
        lambda p: p.delete_event(CALENDAR.id, "/dav/work/bk_limits.ics"),
    ],
    ids=["free_busy", "create", "update", "delete"],
)
async def test_every_call_to_a_trickling_server_stops_at_the_deadline(
    misbehaving_server: MisbehavingServer, http: httpx.AsyncClient, operation: Any
) -> None:
    misbehaving_server.mode = "trickle"
    # Transient, like a timeout: availability reports the connection, write-back retries later.
    with pytest.raises(ProviderUnavailable) as failed:
        await guarded(operation(provider(misbehaving_server, http)))
    assert f"within {DEADLINE:g} s" in failed.value.message


@pytest.mark.parametrize("declared", [150_000_000, None], ids=["declared", "undeclared"])
async def test_a_huge_answer_is_not_read_past_the_cap(
    misbehaving_server: MisbehavingServer, http: httpx.AsyncClient, declared: int | None
) -> None:
    misbehaving_server.mode = "huge"
    misbehaving_server.declared = declared
    with pytest.raises(DiscoveryFailed) as failed:
        await guarded(provider(misbehaving_server, http, CAP_TEST_DEADLINE).discover())
    assert "more than" in failed.value.message
    # The server could have sent 64 MiB; the client stopped reading near the cap (kernel socket
    # buffers account for the rest).
    assert misbehaving_server.sent < 16 * 1024 * 1024

    with pytest.raises(ProviderError) as failed_sync:
        await guarded(
            provider(misbehaving_server, http, CAP_TEST_DEADLINE).free_busy(
                [CALENDAR], START, START + timedelta(days=1)
            )
        )
    assert not failed_sync.value.retryable and "more than" in failed_sync.value.message


def test_the_default_cap_is_a_few_megabytes() -> None:
    assert 1024 * 1024 <= MAX_RESPONSE_BYTES <= 16 * 1024 * 1024


@pytest.fixture
def settings(db_url: str, request: pytest.FixtureRequest) -> Settings:
    callspec = getattr(request.node, "callspec", None)
    huge = callspec is not None and callspec.params.get("mode") == "huge"
    return server_settings(
        db_url,
        calendar_timeout_seconds=5.0,
        calendar_deadline_seconds=CAP_TEST_DEADLINE if huge else DEADLINE,
        allow_private_calendar_servers=True,  # the misbehaving server is on loopback
    )


@pytest.mark.parametrize("mode", ["trickle", "huge"])
async def test_connecting_a_misbehaving_server_is_a_clear_400_naming_server_url(
    misbehaving_server: MisbehavingServer,
    client: httpx.AsyncClient,
    auth_headers: dict[str, str],
    mode: Any,
) -> None:
    misbehaving_server.mode = mode
    misbehaving_server.declared = None
    response = await guarded(
        client.post(
            "/v1/calendar_connections",
            json={
                "provider": "caldav",
                "server_url": misbehaving_server.url,
                "username": "user",
                "password": "password",
            },
            headers=auth_headers,
        )
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "calendar_discovery_failed" and error["param"] == "server_url"
    assert misbehaving_server.url in error["message"]
    assert ("within" if mode == "trickle" else "more than") in error["message"]
    listed = await client.get("/v1/calendar_connections", headers=auth_headers)
    assert listed.json()["data"] == []  # nothing stored
