"""One of every kind of object an account owns, in one mode, built through the API, and a snapshot
of it read back with the owner's key: for tests that aim other accounts' and other modes' keys at
it (the cross-tenant matrix) and check afterwards that nothing changed.

- ``await build_world(app, client, account, mode)`` → :class:`World`: a schedule, an event type on
  it, a confirmed booking (and the host it occupies), a webhook endpoint with one delivery, an
  extra API key and an active calendar connection, all in ``mode`` of ``account``; ``world.ids[kind]`` for each kind of
  ``tests.support.spec_requests.ID_KINDS``. ``World(app, client, account, mode)`` builds nothing
  until asked: ``await world.need(kind)`` makes that object (and what it depends on) once.
- ``await world.snapshot(client)``: every list of the world's mode (its objects in full, deliveries
  included), as read with the world's own key, so a later snapshot that differs means a change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from astrocal_server.accounts import NewAccount
from fastapi import FastAPI

from tests.support.app import bearer
from tests.support.bookings import TUESDAY_9, booking_body, iso, make_schedule
from tests.support.calendars import add_oauth_connection
from tests.support.invitee import token_of

__all__ = ["KINDS", "LIST_PATHS", "World", "build_world"]

# Bookings of the two modes at different times, so a host's modes never compete for one slot.
BOOKING_START = {"live": TUESDAY_9, "test": TUESDAY_9 + timedelta(hours=1)}
LIST_PATHS = (
    "/v1/hosts",
    "/v1/schedules",
    "/v1/event_types",
    "/v1/bookings",
    "/v1/webhooks",
    "/v1/api_keys",
    "/v1/calendar_connections",
    "/v1/holds",
    "/v1/waitlist",
)


@dataclass
class World:
    """Objects of one account in one mode, built on first need (``await world.need(kind)``)."""

    app: FastAPI
    client: httpx.AsyncClient
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
        for path in [*LIST_PATHS, f"/v1/webhooks/{await self.need('webhook')}/deliveries"]:
            response = await client.get(path, headers=self.headers)
            assert response.status_code == 200, (path, response.text)
            seen[path] = response.json()
        return seen

    async def need(self, kind: str) -> str:
        """The id of this world's object of ``kind``, creating it (and what it needs) first."""
        if kind not in self.ids:
            self.ids[kind] = await getattr(self, f"_make_{kind}")()
        return self.ids[kind]

    async def _post(self, path: str, body: Any = None) -> dict[str, Any]:
        response = await self.client.post(path, headers=self.headers, json=body)
        assert response.is_success, (path, response.text)
        created: dict[str, Any] = response.json()
        return created

    async def _make_schedule(self) -> str:
        return await make_schedule(self.client, self.headers, name=f"{self.mode} hours")

    async def _make_event_type(self) -> str:
        body = {
            "title": f"{self.mode} call",
            "slug": f"{self.mode}-call",
            "duration_minutes": 30,
            "schedule_id": await self.need("schedule"),
        }
        return str((await self._post("/v1/event_types", body))["id"])

    async def _make_booking(self) -> str:
        body = booking_body(await self.need("event_type"), BOOKING_START[self.mode])
        return str((await self._post("/v1/bookings", body))["id"])

    async def _make_hold(self) -> str:
        # Two hours after the mode's booking, so the two never compete for one slot.
        body = {
            "event_type_id": await self.need("event_type"),
            "start": iso(BOOKING_START[self.mode] + timedelta(hours=2)),
            "ttl_seconds": 1800,
        }
        return str((await self._post("/v1/holds", body))["id"])

    async def _make_waitlist_entry(self) -> str:
        # Waiting for the booking's start, which the booking takes.
        body = {
            "event_type_id": await self.need("event_type"),
            "start": iso(BOOKING_START[self.mode]),
            "invitee": {"name": "Sam Waits", "email": "sam@example.com"},
        }
        await self.need("booking")
        return str((await self._post("/v1/waitlist", body))["id"])

    async def _make_host(self) -> str:
        # The host the booking occupies: the mode's default host.
        response = await self.client.get(
            f"/v1/bookings/{await self.need('booking')}", headers=self.headers
        )
        assert response.status_code == 200, response.text
        return str(response.json()["hosts"][0]["id"])

    async def _make_invitee_token(self) -> str:
        # The token of the booking's links (the invitee's credential, not an object of its own).
        response = await self.client.get(
            f"/v1/bookings/{await self.need('booking')}", headers=self.headers
        )
        assert response.status_code == 200, response.text
        return token_of(response.json())

    async def _make_webhook(self) -> str:
        body = {"url": "https://127.0.0.1/hooks/astrocal", "events": ["booking.created"]}
        return str((await self._post("/v1/webhooks", body))["id"])

    async def _make_delivery(self) -> str:
        return str((await self._post(f"/v1/webhooks/{await self.need('webhook')}/test"))["id"])

    async def _make_api_key(self) -> str:
        body = {"name": f"{self.mode} extra", "mode": self.mode}
        return str((await self._post("/v1/api_keys", body))["id"])

    async def _make_connection(self) -> str:
        return await add_oauth_connection(
            self.app,
            self.account,
            livemode=self.mode == "live",
            email=f"{self.mode}-host@example.com",
        )


KINDS = (
    "schedule",
    "event_type",
    "booking",
    "webhook",
    "delivery",
    "api_key",
    "connection",
    "host",
    "hold",
    "waitlist_entry",
)


async def build_world(
    app: FastAPI, client: httpx.AsyncClient, account: NewAccount, mode: str
) -> World:
    """A world with one object of every kind."""
    world = World(app, client, account, mode)
    for kind in KINDS:
        await world.need(kind)
    return world
