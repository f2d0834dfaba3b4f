"""Rate limits per API key: RateLimit-* on every response, 429 + Retry-After over the limit, a new
window resets it, and on PostgreSQL two server instances share one counter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.app import create_app
from astrocal_server.clock import FixedClock
from astrocal_server.config import Plan, Settings
from fastapi import FastAPI

H = dict[str, str]
LIMIT = 3


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        signup_enabled=True,
        allow_private_webhook_targets=True,
        email_backend="memory",
        run_relay=False,
        plans={"tiny": Plan(bookings_per_month=None, requests_per_minute=LIMIT)},
        default_plan="tiny",
        _env_file=None,  # type: ignore[call-arg]
    )


async def test_headers_429_and_reset(
    client: httpx.AsyncClient, auth_headers: H, live_headers: H, clock: FixedClock
) -> None:
    remaining = []
    for _ in range(LIMIT):
        r = await client.get("/v1/account", headers=auth_headers)
        assert r.status_code == 200
        assert r.headers["ratelimit-limit"] == str(LIMIT)
        assert 1 <= int(r.headers["ratelimit-reset"]) <= 60
        remaining.append(int(r.headers["ratelimit-remaining"]))
    assert remaining == [2, 1, 0]
    r = await client.get("/v1/account", headers=auth_headers)
    assert r.status_code == 429
    error = r.json()["error"]
    assert (error["type"], error["code"]) == ("rate_limit_error", "rate_limit_exceeded")
    assert int(r.headers["retry-after"]) == int(r.headers["ratelimit-reset"]) >= 1
    assert r.headers["ratelimit-remaining"] == "0"
    # Errors carry the headers too, and another key has its own budget.
    r = await client.get("/v1/event_types/evt_missing", headers=live_headers)
    assert r.status_code == 404
    assert r.headers["ratelimit-remaining"] == "2"
    clock.advance(timedelta(seconds=60))
    r = await client.get("/v1/account", headers=auth_headers)
    assert r.status_code == 200
    assert r.headers["ratelimit-remaining"] == "2"


async def test_unauthenticated_routes_are_not_counted(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert "ratelimit-limit" not in r.headers


@pytest.fixture
async def second_app(settings: Settings, clock: FixedClock) -> AsyncIterator[FastAPI]:
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


async def test_limit_is_global_across_servers_on_postgresql(
    app: FastAPI, second_app: FastAPI, account: NewAccount, auth_headers: H
) -> None:
    if app.state.astrocal.db.dialect != "postgresql":
        pytest.skip("SQLite deployments run one server process; its counters live in memory")
    statuses = []
    for i in range(LIMIT + 1):
        target = app if i % 2 == 0 else second_app
        transport = httpx.ASGITransport(app=target)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            statuses.append((await c.get("/v1/account", headers=auth_headers)).status_code)
    assert statuses == [200, 200, 200, 429]
