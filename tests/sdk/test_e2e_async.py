"""The async client against the reference server in-process (``httpx.ASGITransport``)."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from astrocal_sdk import (
    AsyncAstrocal,
    AsyncPage,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    types,
)

from tests.support.sdk import LiveServer


async def test_account_usage_and_raw_headers(aclient: AsyncAstrocal) -> None:
    account = await aclient.account.retrieve()
    assert account.id.startswith("acct_") and account.created_at.tzinfo is not None
    usage = await aclient.usage.retrieve()
    assert isinstance(usage, types.Usage)
    raw = await aclient.with_raw_response.account.retrieve()
    assert raw.request_id and raw.request_id.startswith("req_")
    assert raw.parse() == account


async def test_schedules_and_async_pagination(aclient: AsyncAstrocal) -> None:
    made = [
        await aclient.schedules.create(
            name=f"Hours {i}",
            time_zone=ZoneInfo("Asia/Tokyo"),
            date_overrides=[
                {"date": dt.date(2026, 5, 1), "intervals": [{"start": "10:00", "end": "14:00"}]}
            ],
        )
        for i in range(3)
    ]
    ids = [s.id async for s in aclient.schedules.list(limit=2)]
    assert set(ids) >= {s.id for s in made} and len(ids) == 4
    first = await aclient.schedules.list(limit=2)
    assert isinstance(first, AsyncPage) and first.has_more and first.next_cursor
    pages = [page async for page in first.iter_pages()]
    assert [len(p.data) for p in pages] == [2, 2]
    changed = await aclient.schedules.update(made[0].id, weekly_hours=[])
    assert changed.weekly_hours == []
    await aclient.schedules.delete(made[0].id)
    with pytest.raises(NotFoundError):
        await aclient.schedules.retrieve(made[0].id)


async def test_event_types_and_conflicts(aclient: AsyncAstrocal) -> None:
    schedule = await aclient.schedules.create(name="For intro")
    event_type = await aclient.event_types.create(
        title="Intro", slug="intro", duration_minutes=30, schedule_id=schedule.id
    )
    assert event_type.schedule_id == schedule.id
    assert (await aclient.event_types.retrieve(event_type.id)).slug == "intro"
    with pytest.raises(ConflictError):
        await aclient.schedules.delete(schedule.id)  # an event type uses it
    updated = await aclient.event_types.update(event_type.id, buffer_after_minutes=10)
    assert updated.buffer_after_minutes == 10
    assert [e.id async for e in aclient.event_types.list()] == [event_type.id]
    await aclient.event_types.delete(event_type.id)
    with pytest.raises(NotFoundError):
        await aclient.event_types.retrieve(event_type.id)


async def test_errors_carry_code_param_and_request_id(aclient: AsyncAstrocal) -> None:
    with pytest.raises(BadRequestError) as info:
        await aclient.event_types.create(title="x", slug="x", duration_minutes=3)
    assert info.value.param == "duration_minutes"
    assert info.value.request_id and info.value.request_id.startswith("req_")
    wrong = aclient.with_options(api_key="sk_test_wrong")
    with pytest.raises(AuthenticationError) as auth:
        await wrong.account.retrieve()
    assert auth.value.code == "invalid_api_key"


async def test_api_keys_and_webhooks(aclient: AsyncAstrocal) -> None:
    key = await aclient.api_keys.create(name="async", mode="test")
    assert key.id in [k.id async for k in aclient.api_keys.list()]
    assert (await aclient.api_keys.revoke(key.id)).revoked_at is not None
    endpoint = await aclient.webhooks.create(
        url="http://127.0.0.1:9/hooks", events=["booking.created", "booking.cancelled"]
    )
    assert [w.id async for w in aclient.webhooks.list()] == [endpoint.id]
    assert [d async for d in aclient.webhooks.deliveries.list(endpoint.id)] == []
    changed = await aclient.webhooks.update(endpoint.id, events=["booking.updated"])
    assert changed.events == ["booking.updated"]
    await aclient.webhooks.delete(endpoint.id)


async def test_calendar_connections_missing(aclient: AsyncAstrocal) -> None:
    assert [c async for c in aclient.calendar_connections.list()] == []
    with pytest.raises(NotFoundError):
        await aclient.calendar_connections.delete("cal_missing")


async def test_async_client_over_real_loopback_http(live_server: LiveServer) -> None:
    key = await asyncio.to_thread(live_server.new_key)
    async with AsyncAstrocal(api_key=key, base_url=live_server.url) as client:
        account = await client.account.retrieve()
        assert account.id.startswith("acct_")
        made = await client.schedules.create(name="Over the wire", time_zone=ZoneInfo("UTC"))
        assert made.id in [s.id async for s in client.schedules.list(limit=1)]
        with pytest.raises(NotFoundError) as info:
            await client.bookings.retrieve("bk_missing")
        assert info.value.request_id
