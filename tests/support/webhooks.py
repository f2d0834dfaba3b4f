"""Webhook test support: a real HTTP/1.1 receiver on loopback and event helpers.

- ``Receiver`` (asyncio streams), scripted per request: ``receiver.script(500, 500, 200)`` answers
  the next requests with those statuses (then 200); ``Reply(status, headers, body)`` gives full
  control; ``HANG`` holds the request without answering until the receiver stops (a slow
  receiver). Every request is recorded with its raw body. ``receiver`` is a started one;
  ``running_receiver()`` starts one for the length of an ``async with`` block.
- ``state``: the app's ``AppState``.
- ``make_endpoint(url=…, events=…, headers=…)`` → the create response (with ``secret``);
  ``endpoint``: one made with the defaults (the receiver, every booking event).
- ``emit(topic, data, livemode=False)`` → the outbox row id of a webhook event for ``account``.
- ``relay_pass()`` / ``retry_pass()``: one pass of the outbox relay / of the retry dispatcher.
- ``booking_data(**changes)``: a Booking API object as ``GET /v1/bookings/{id}`` returns it.
- ``validate_event(body)``: errors of a delivery body against the spec's ``webhooks:`` section.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.outbox.relay import OutboxRelay
from astrocal_server.outbox.writer import enqueue_webhook_event
from astrocal_server.state import AppState
from astrocal_server.webhooks.dispatcher import DeliveryDispatcher
from fastapi import FastAPI
from jsonschema import FormatChecker  # type: ignore[import-untyped]  # no stubs in the dev group

from tests.support.spec import schema_errors, spec_registry
from tests.support.wire import Received, read_request

ALL_BOOKING_EVENTS = [
    "booking.created",
    "booking.updated",
    "booking.cancelled",
    "booking.rescheduled",
]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"


HANG = Reply(status=0)


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._replies: deque[Reply] = deque()
        self._arrived = asyncio.Condition()
        self._release = asyncio.Event()
        self._server: asyncio.base_events.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def script(self, *replies: int | Reply) -> None:
        for reply in replies:
            self._replies.append(reply if isinstance(reply, Reply) else Reply(status=reply))

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def wait_for(self, count: int, *, within: float = 10) -> list[Received]:
        """Wait (event-driven, bounded by ``within`` seconds) until ``count`` requests arrived."""
        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: len(self.requests) >= count)
        return self.requests

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (request := await read_request(reader)) is not None:
                reply = self._replies.popleft() if self._replies else Reply()
                async with self._arrived:
                    self.requests.append(request)
                    self._arrived.notify_all()
                if reply is HANG:
                    await self._release.wait()
                    return
                head = [f"HTTP/1.1 {reply.status} Scripted", f"Content-Length: {len(reply.body)}"]
                head += [f"{k}: {v}" for k, v in reply.headers.items()]
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + reply.body)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()


@asynccontextmanager
async def running_receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    try:
        yield r
    finally:
        await r.stop()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as r:
        yield r


@pytest.fixture
def state(app: FastAPI) -> AppState:
    return app.state.astrocal  # type: ignore[no-any-return]


# A webhook endpoint as the API answers it (its create response carries the ``secret``).
Endpoint = dict[str, Any]
MakeEndpoint = Callable[..., Awaitable[Endpoint]]


@pytest.fixture
def make_endpoint(
    client: httpx.AsyncClient, auth_headers: dict[str, str], receiver: Receiver
) -> MakeEndpoint:
    async def make(
        *,
        url: str | None = None,
        events: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        response = await client.post(
            "/v1/webhooks",
            json={
                "url": url or receiver.url,
                "events": events or list(ALL_BOOKING_EVENTS),
            },
            headers=headers or auth_headers,
        )
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    return make


@pytest.fixture
async def endpoint(make_endpoint: MakeEndpoint) -> Endpoint:
    return await make_endpoint()


def _booking(**changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": "bk_abc123def456",
        "status": "confirmed",
        "event_type_id": "evt_abc123",
        "start": "2026-04-15T14:00:00Z",
        "end": "2026-04-15T14:30:00Z",
        "invitee": {"name": "Jo Smith", "email": "jo@example.com", "time_zone": "Europe/London"},
        "guests": [],
        "hosts": [{"id": "host_abc123", "name": "Ann Lee", "email": "ann@example.com"}],
        "metadata": {"source": "website"},
        "livemode": False,
        "created_at": "2026-04-10T12:00:00Z",
        "updated_at": "2026-04-10T12:00:00Z",
    }
    out.update(changes)
    return out


@pytest.fixture
def booking_data() -> Callable[..., dict[str, Any]]:
    return _booking


Emit = Callable[..., Awaitable[str]]


@pytest.fixture
def emit(state: AppState, account: NewAccount) -> Emit:
    async def do(topic: str, data: dict[str, Any] | None = None, *, livemode: bool = False) -> str:
        data = data if data is not None else _booking(livemode=livemode)
        async with state.db.write() as session:
            return enqueue_webhook_event(
                session,
                account_id=account.account.id,
                livemode=livemode,
                topic=topic,
                data=data,
                now=state.clock.now(),
                booking_id=data.get("id") if str(data.get("id", "")).startswith("bk_") else None,
            )

    return do


@pytest.fixture
def relay_pass(state: AppState) -> Callable[[], Awaitable[int]]:
    relay = OutboxRelay(state, owner="test-relay")
    return relay.run_once


@pytest.fixture
def retry_pass(state: AppState) -> Callable[[], Awaitable[int]]:
    dispatcher = DeliveryDispatcher(state, owner="test-dispatcher")
    return dispatcher.run_once


@pytest.fixture(scope="session")
def validate_event(spec: dict[str, Any]) -> Callable[[bytes], list[str]]:
    registry = spec_registry(spec)
    checker = FormatChecker()

    def check(body: bytes) -> list[str]:
        document = json.loads(body)
        event = spec["webhooks"][document["type"]]["post"]
        ref = event["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return schema_errors(registry, ref, document, checker)

    return check


@dataclass
class Hooks:
    """One account's webhook setup in a test: endpoints on ``receiver``, events, relay and retry
    passes, and the deliveries API read back (``hooks`` fixture)."""

    client: httpx.AsyncClient
    headers: dict[str, str]
    receiver: Receiver
    clock: Any
    state: AppState
    make_endpoint: MakeEndpoint
    emit: Emit
    relay_pass: Callable[[], Awaitable[int]]
    retry_pass: Callable[[], Awaitable[int]]

    async def send(self, topic: str = "booking.created", *replies: int | Reply) -> str:
        """Script ``replies``, emit ``topic`` and run one relay pass; returns the outbox row id."""
        self.receiver.script(*replies)
        outbox_id = await self.emit(topic)
        await self.relay_pass()
        return outbox_id

    async def endpoint(self, endpoint: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.get(f"/v1/webhooks/{endpoint['id']}", headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def deliveries(self, endpoint: dict[str, Any], query: str = "") -> list[Any]:
        response = await self.client.get(
            f"/v1/webhooks/{endpoint['id']}/deliveries{query}", headers=self.headers
        )
        assert response.status_code == 200, response.text
        return response.json()["data"]  # type: ignore[no-any-return]

    async def delivery(self, endpoint: dict[str, Any]) -> dict[str, Any]:
        """The endpoint's one and only delivery."""
        (only,) = await self.deliveries(endpoint)
        return only  # type: ignore[no-any-return]

    async def retry_when_due(self, delivery: dict[str, Any]) -> None:
        """Move the clock to the delivery's next attempt and run a retry pass that sends it."""
        self.clock.set(datetime.fromisoformat(delivery["next_attempt_at"].replace("Z", "+00:00")))
        assert await self.retry_pass() >= 1  # the module shares one database


@pytest.fixture
def hooks(
    client: httpx.AsyncClient,
    auth_headers: dict[str, str],
    receiver: Receiver,
    clock: Any,
    state: AppState,
    make_endpoint: MakeEndpoint,
    emit: Emit,
    relay_pass: Callable[[], Awaitable[int]],
    retry_pass: Callable[[], Awaitable[int]],
) -> Hooks:
    return Hooks(
        client, auth_headers, receiver, clock, state, make_endpoint, emit, relay_pass, retry_pass
    )
