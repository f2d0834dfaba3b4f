"""The cap on webhook endpoints (openapi.yaml, ``webhooks.create``): at most the plan's
``webhook_endpoints`` (20 by default) per account and mode, so one event fans out to at most that
many deliveries; one more is a 409 ``webhook_endpoint_limit_reached`` that says how to make room."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.config import Plan, Settings
from astrocal_server.state import AppState
from astrocal_server.storage.models import WebhookDelivery
from sqlalchemy import func, select

from tests.support.app import H, MakeAccount, bearer, server_settings
from tests.support.webhooks import Emit, Receiver

DEFAULT_CAP = 20


@pytest.fixture
def settings(db_url: str) -> Settings:
    plans = {
        **Settings.model_fields["plans"].get_default(call_default_factory=True),
        "small": Plan(requests_per_minute=1000, webhook_endpoints=2),
    }
    return server_settings(db_url, webhook_timeout_seconds=5.0, plans=plans)


async def _create(client: httpx.AsyncClient, headers: H, url: str) -> httpx.Response:
    return await client.post(
        "/v1/webhooks", json={"url": url, "events": ["booking.created"]}, headers=headers
    )


async def _fill(client: httpx.AsyncClient, headers: H, url: str, count: int) -> list[Any]:
    created = []
    for n in range(count):
        r = await _create(client, headers, f"{url}?n={n}")
        assert r.status_code == 201, (n, r.text)
        created.append(r.json())
    return created


def _assert_limit_reached(r: httpx.Response, *, limit: int, mode: str) -> None:
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["type"] == "conflict_error"
    assert error["code"] == "webhook_endpoint_limit_reached"
    assert error["details"] == {"webhook_endpoints_limit": limit}
    assert f"allows {limit} webhook endpoints in {mode} mode" in error["message"]
    assert "DELETE /v1/webhooks/{webhook_id}" in error["message"]


def test_the_default_cap_is_the_documented_one(spec: dict[str, Any]) -> None:
    settings = Settings(_env_file=None)
    assert {plan.webhook_endpoints for plan in settings.plans.values()} == {DEFAULT_CAP}
    description = spec["paths"]["/v1/webhooks"]["post"]["description"]
    assert f"at most {DEFAULT_CAP} webhook endpoints in each mode" in description


async def test_one_more_than_the_cap_is_refused_in_each_mode_independently(
    client: httpx.AsyncClient,
    auth_headers: H,
    live_headers: H,
    other_headers: H,
    receiver: Receiver,
) -> None:
    test_mode = await _fill(client, auth_headers, receiver.url, DEFAULT_CAP)
    _assert_limit_reached(
        await _create(client, auth_headers, receiver.url), limit=DEFAULT_CAP, mode="test"
    )

    # The live mode and another account have their own count.
    await _fill(client, live_headers, receiver.url, DEFAULT_CAP)
    _assert_limit_reached(
        await _create(client, live_headers, receiver.url), limit=DEFAULT_CAP, mode="live"
    )
    assert (await _create(client, other_headers, receiver.url)).status_code == 201

    # Nothing was half-written: the list holds exactly the cap.
    listed = await client.get("/v1/webhooks?limit=100", headers=auth_headers)
    assert len(listed.json()["data"]) == DEFAULT_CAP

    # What the message says works: delete one, and there is room for one.
    gone = await client.delete(f"/v1/webhooks/{test_mode[0]['id']}", headers=auth_headers)
    assert gone.status_code == 204
    assert (await _create(client, auth_headers, receiver.url)).status_code == 201
    _assert_limit_reached(
        await _create(client, auth_headers, receiver.url), limit=DEFAULT_CAP, mode="test"
    )


async def test_disabled_endpoints_count(
    client: httpx.AsyncClient, make_account: MakeAccount, receiver: Receiver
) -> None:
    small = await make_account(plan="small")
    headers = bearer(small.test_key.secret)
    first, _second = await _fill(client, headers, receiver.url, 2)
    r = await client.patch(f"/v1/webhooks/{first['id']}", json={"enabled": False}, headers=headers)
    assert r.status_code == 200, r.text
    _assert_limit_reached(await _create(client, headers, receiver.url), limit=2, mode="test")


async def test_concurrent_creates_never_pass_the_cap(
    client: httpx.AsyncClient, make_account: MakeAccount, receiver: Receiver
) -> None:
    small = await make_account(plan="small")
    headers = bearer(small.test_key.secret)
    answers = await asyncio.gather(
        *(_create(client, headers, f"{receiver.url}?n={n}") for n in range(6))
    )
    assert sorted(r.status_code for r in answers) == [201, 201, 409, 409, 409, 409]
    listed = await client.get("/v1/webhooks", headers=headers)
    assert len(listed.json()["data"]) == 2


async def test_one_event_fans_out_to_at_most_the_cap(
    client: httpx.AsyncClient,
    auth_headers: H,
    account: NewAccount,
    receiver: Receiver,
    state: AppState,
    emit: Emit,
    relay_pass: Any,
) -> None:
    await _fill(client, auth_headers, receiver.url, DEFAULT_CAP)
    assert (await _create(client, auth_headers, receiver.url)).status_code == 409

    outbox_id = await emit("booking.created")
    await relay_pass()
    await state.webhooks.drain()
    await receiver.wait_for(DEFAULT_CAP)

    async with state.db.read() as session:
        deliveries = await session.scalar(
            select(func.count(WebhookDelivery.id)).where(
                WebhookDelivery.account_id == account.account.id
            )
        )
    assert deliveries == DEFAULT_CAP, outbox_id
    assert len(receiver.requests) == DEFAULT_CAP
