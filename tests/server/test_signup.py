"""Signup tells nobody which emails have accounts, and is throttled per client address.

Issue 13: signup was unthrottled and a registered email answered 409 ``email_taken``, an oracle
for which addresses have accounts. Now an email may hold several accounts (it is a contact
address, never a login) and every signup answers alike; attempts count per client address in
fixed one-hour windows of the injected clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from astrocal_server.clock import FixedClock
from astrocal_server.config import Settings
from fastapi import FastAPI

from tests.support.app import BASE_URL, server_settings

LIMIT = 3


@pytest.fixture
def settings(db_url: str) -> Settings:
    return server_settings(db_url, signup_limit_per_hour=LIMIT)


@asynccontextmanager
async def _from(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client connecting from ``address`` (the counters outlive one test on PostgreSQL, so each
    test uses addresses of its own)."""
    transport = httpx.ASGITransport(app=app, client=(address, 4321))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as c:
        yield c


def _shape(value: Any) -> Any:
    """The structure of a JSON value: keys and types, not the values."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    return type(value).__name__


async def test_a_registered_email_answers_like_any_other(client: httpx.AsyncClient) -> None:
    first = await client.post("/v1/accounts", json={"name": "Acme", "email": "ops@acme.example"})
    again = await client.post("/v1/accounts", json={"name": "Evil", "email": "OPS@acme.example"})
    fresh = await client.post("/v1/accounts", json={"name": "New", "email": "new@acme.example"})
    assert [r.status_code for r in (first, again, fresh)] == [201, 201, 201]
    assert _shape(again.json()) == _shape(fresh.json())
    assert set(again.headers) == set(fresh.headers)
    # A separate account: the first one's keys and data are untouched and unreachable.
    assert again.json()["account"]["id"] != first.json()["account"]["id"]
    own = {"Authorization": f"Bearer {first.json()['test_key']['secret']}"}
    me = (await client.get("/v1/account", headers=own)).json()
    assert (me["id"], me["name"]) == (first.json()["account"]["id"], "Acme")


async def test_signup_is_throttled_per_client_address(app: FastAPI, clock: FixedClock) -> None:
    async with _from(app, "198.51.100.7") as client, _from(app, "203.0.113.9") as elsewhere:
        await _throttled(client, elsewhere, clock)


async def _throttled(
    client: httpx.AsyncClient, elsewhere: httpx.AsyncClient, clock: FixedClock
) -> None:
    clock.advance(timedelta(minutes=10))  # ten minutes into the window
    body = {"name": "A", "email": "a@b.example"}
    # Malformed attempts count too.
    statuses = [(await client.post("/v1/accounts", json={})).status_code]
    statuses += [(await client.post("/v1/accounts", json=body)).status_code for _ in range(3)]
    assert statuses == [400, 201, 201, 429]
    refused = await client.post("/v1/accounts", json=body)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert (error["type"], error["code"]) == ("rate_limit_error", "rate_limit_exceeded")
    assert "address" in error["message"] and "retry in" in error["message"]
    retry_after = int(refused.headers["retry-after"])
    assert 0 < retry_after <= 3600 and refused.headers["ratelimit-limit"] == str(LIMIT)
    # Another address has its own budget.
    assert (await elsewhere.post("/v1/accounts", json=body)).status_code == 201
    clock.advance(timedelta(seconds=retry_after))
    assert (await client.post("/v1/accounts", json=body)).status_code == 201
