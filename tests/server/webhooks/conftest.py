"""Webhook test fixtures: a loopback receiver, a clock near real time (the ``standardwebhooks``
verifier checks timestamps against the real clock), endpoints and events.

- ``receiver``: a started :class:`Receiver` (a real HTTP/1.1 server on loopback; ``script(500, 200)``
  answers the next requests with those statuses, ``Reply(...)`` gives headers/body, ``HANG`` never
  answers); ``state``: the app's ``AppState``.
- ``make_endpoint(url=…, events=…, headers=…)`` → the create response (with ``secret``).
- ``emit(topic, data, livemode=False)`` → the outbox row id of a webhook event for ``account``.
- ``relay_pass()`` / ``retry_pass()``: one pass of the outbox relay / of the retry dispatcher.
- ``booking_data(**changes)``: a Booking API object as ``GET /v1/bookings/{id}`` returns it.
- ``validate_event(body)``: errors of a delivery body against the spec's ``webhooks:`` section.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from astrocal_server.accounts import NewAccount
from astrocal_server.clock import FixedClock
from astrocal_server.config import Settings
from astrocal_server.outbox.relay import OutboxRelay
from astrocal_server.outbox.writer import enqueue_webhook_event
from astrocal_server.state import AppState
from astrocal_server.webhooks.dispatcher import DeliveryDispatcher
from fastapi import FastAPI
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.server.webhooks.receiver import Receiver

SPEC = Path(__file__).resolve().parents[3] / "openapi.yaml"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        signup_enabled=True,
        allow_private_webhook_targets=True,
        email_backend="memory",
        run_relay=False,
        webhook_timeout_seconds=5.0,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    try:
        yield r
    finally:
        await r.stop()


@pytest.fixture
def state(app: FastAPI) -> AppState:
    return app.state.astrocal  # type: ignore[no-any-return]


MakeEndpoint = Callable[..., Awaitable[dict[str, Any]]]


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
                "events": events
                or [
                    "booking.created",
                    "booking.updated",
                    "booking.cancelled",
                    "booking.rescheduled",
                ],
            },
            headers=headers or auth_headers,
        )
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    return make


def _booking(**changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": "bk_abc123def456",
        "status": "confirmed",
        "event_type_id": "evt_abc123",
        "start": "2026-04-15T14:00:00Z",
        "end": "2026-04-15T14:30:00Z",
        "invitee": {"name": "Jo Smith", "email": "jo@example.com", "time_zone": "Europe/London"},
        "guests": [],
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
def validate_event() -> Callable[[bytes], list[str]]:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    base = "urn:astrocal:openapi"
    registry: Registry[Any] = Registry().with_resource(
        base, Resource.from_contents(spec, default_specification=DRAFT202012)
    )

    def check(body: bytes) -> list[str]:
        document = json.loads(body)
        event = spec["webhooks"][document["type"]]["post"]
        schema = event["requestBody"]["content"]["application/json"]["schema"]
        validator = Draft202012Validator(
            {"$ref": base + schema["$ref"]}, registry=registry, format_checker=FormatChecker()
        )
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in validator.iter_errors(document)
        ]

    return check
