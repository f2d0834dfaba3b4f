"""GET /v1/usage: the plan, the calendar-month period, bookings used per mode (cancelled ones count)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from astrocal_server.accounts import NewAccount
from astrocal_server.accounts.plans import current_period

H = dict[str, str]


def test_period_is_the_utc_calendar_month() -> None:
    assert current_period(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert current_period(datetime(2026, 4, 1, tzinfo=UTC))[0] == datetime(2026, 4, 1, tzinfo=UTC)


async def test_usage_counts_bookings_of_the_mode(
    client: httpx.AsyncClient, auth_headers: H, account: NewAccount, add_booking
) -> None:
    r = await client.get("/v1/usage", headers=auth_headers)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "plan": "unlimited",
        "period_start": "2026-04-01T00:00:00Z",
        "period_end": "2026-05-01T00:00:00Z",
        "bookings_used": 0,
        "bookings_limit": None,
        "requests_per_minute": 1200,
    }
    r = await client.post(
        "/v1/event_types",
        headers=auth_headers,
        json={"title": "Intro", "slug": "intro", "duration_minutes": 30},
    )
    evt = r.json()["id"]
    await add_booking(account, evt, datetime(2026, 4, 14, 9, tzinfo=UTC))
    await add_booking(account, evt, datetime(2026, 4, 14, 10, tzinfo=UTC), status="cancelled")
    r = await client.get("/v1/usage", headers=auth_headers)
    assert r.json()["bookings_used"] == 2
    live = {"Authorization": f"Bearer {account.live_key.secret}"}
    assert (await client.get("/v1/usage", headers=live)).json()["bookings_used"] == 0


async def test_usage_needs_a_key(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/usage")
    assert r.status_code == 401
