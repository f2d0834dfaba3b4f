"""One of every kind of object an account owns, in one mode, built through the API, and a snapshot
of it read back with the owner's key: for tests that aim other accounts' and other modes' keys at
it (the cross-tenant matrix) and check afterwards that nothing changed.

- ``await build_world(app, client, account, mode)`` → :class:`World`: a schedule, an event type on
  it, a confirmed booking, a webhook endpoint with one delivery, an extra API key and an active
  calendar connection, all in ``mode`` of ``account``; ``world.ids[kind]`` for each kind of
  ``tests.support.spec_requests.ID_KINDS``.
- ``await world.snapshot(client)``: every list of the world's mode (its objects in full, deliveries
  included), as read with the world's own key, so a later snapshot that differs means a change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from astrocal_server.accounts import NewAccount
from fastapi import FastAPI

from tests.support.app import bearer
from tests.support.bookings import TUESDAY_9, booking_body, make_schedule
from tests.support.calendars import add_oauth_connection

__all__ = ["LIST_PATHS", "World", "build_world"]

# Bookings of the two modes at different times, so a host's modes never compete for one slot.
BOOKING_START = {"live": TUESDAY_9, "test": TUESDAY_9 + timedelta(hours=1)}
LIST_PATHS = (
    "/v1/schedules",
    "/v1/event_types",
    "/v1/bookings",
    "/v1/webhooks",
    "/v1/api_keys",
    "/v1/calendar_connections",
)


@dataclass
class World:
    account: NewAccount
    mode: str
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        key = self.account.live_key if self.mode == "live" else self.account.test_key
        return bearer(key.secret)

    async def snapshot(self, client: httpx.AsyncClient) -> dict[str, Any]:
        # The lists hold every object in full; deliveries are listed under their endpoint.
        seen: dict[str, Any] = {}
        for path in [*LIST_PATHS, f"/v1/webhooks/{self.ids['webhook']}/deliveries"]:
            response = await client.get(path, headers=self.headers)
            assert response.status_code == 200, (path, response.text)
            seen[path] = response.json()
        return seen


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.is_success, (response.request.url, response.text)
    body: dict[str, Any] = response.json()
    return body


async def build_world(
    app: FastAPI, client: httpx.AsyncClient, account: NewAccount, mode: str
) -> World:
    world = World(account, mode)
    h = world.headers
    ids = world.ids
    ids["schedule"] = await make_schedule(client, h, name=f"{mode} hours")
    event_type = _created(
        await client.post(
            "/v1/event_types",
            headers=h,
            json={
                "title": f"{mode} call",
                "slug": f"{mode}-call",
                "duration_minutes": 30,
                "schedule_id": ids["schedule"],
            },
        )
    )
    ids["event_type"] = event_type["id"]
    start: datetime = BOOKING_START[mode]
    booking = _created(
        await client.post("/v1/bookings", headers=h, json=booking_body(ids["event_type"], start))
    )
    ids["booking"] = booking["id"]
    webhook = _created(
        await client.post(
            "/v1/webhooks",
            headers=h,
            json={"url": "https://127.0.0.1/hooks/astrocal", "events": ["booking.created"]},
        )
    )
    ids["webhook"] = webhook["id"]
    delivery = _created(await client.post(f"/v1/webhooks/{webhook['id']}/test", headers=h))
    ids["delivery"] = delivery["id"]
    key = _created(
        await client.post("/v1/api_keys", headers=h, json={"name": f"{mode} extra", "mode": mode})
    )
    ids["api_key"] = key["id"]
    ids["connection"] = await add_oauth_connection(
        app, account, livemode=mode == "live", email=f"{mode}-host@example.com"
    )
    return world
