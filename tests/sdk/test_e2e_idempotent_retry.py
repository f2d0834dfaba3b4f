"""A POST whose response is lost is retried with the same Idempotency-Key, and the real server
replays the first result instead of doing the work twice."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from astrocal_sdk import Astrocal, AsyncAstrocal
from fastapi import FastAPI

from tests.support.sdk import AsyncDropFirstResponse, DropFirstResponse, LiveServer
from tests.support.sdk import no_sleep as _no_sleep


def test_sync_create_survives_a_lost_response_without_creating_twice(
    live_server: LiveServer,
) -> None:
    transport = DropFirstResponse(httpx.HTTPTransport())
    with httpx.Client(transport=transport) as http:
        client = Astrocal(api_key=live_server.new_key(), base_url=live_server.url, http_client=http)
        client._sleep = lambda seconds: None
        raw = client.with_raw_response.event_types.create(
            title="Once", slug="once", duration_minutes=30
        )
        assert raw.retries_taken == 1
        assert raw.idempotent_replayed is True
        event_type = raw.parse()
        posts = [r for r in transport.requests if r.method == "POST"]
        assert len(posts) == 2
        assert posts[0].headers["idempotency-key"] == posts[1].headers["idempotency-key"]
        assert [e.id for e in client.event_types.list()] == [event_type.id]


@pytest.fixture
async def dropping_client(
    app: FastAPI, api_key: str
) -> AsyncIterator[tuple[AsyncAstrocal, AsyncDropFirstResponse]]:
    transport = AsyncDropFirstResponse(httpx.ASGITransport(app=app))
    async with httpx.AsyncClient(transport=transport) as http:
        client = AsyncAstrocal(api_key=api_key, base_url="http://testserver", http_client=http)
        client._sleep = _no_sleep
        yield client, transport


async def test_async_create_survives_a_lost_response_without_creating_twice(
    dropping_client: tuple[AsyncAstrocal, AsyncDropFirstResponse],
) -> None:
    client, transport = dropping_client
    raw = await client.with_raw_response.schedules.create(name="Exactly once")
    assert (raw.retries_taken, raw.idempotent_replayed) == (1, True)
    schedule = raw.parse()
    names = [s.name async for s in client.schedules.list()]
    assert names.count("Exactly once") == 1
    assert schedule.name == "Exactly once"
    keys = {r.headers["idempotency-key"] for r in transport.requests if r.method == "POST"}
    assert len(keys) == 1
