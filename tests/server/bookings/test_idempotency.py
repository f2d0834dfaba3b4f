"""Idempotency-Key on POST: replay with the stored status, body and headers; 422 on another body;
409 while the first request runs; scoped per account and mode; released on a 5xx; forgotten after 24 h."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from astrocal_server.api.deps import CallerDep
from astrocal_server.clock import FixedClock
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from tests.support.resources import H, assert_error

BODY = {"title": "Intro call", "slug": "intro-call", "duration_minutes": 30}


def _with_key(headers: H, key: str) -> H:
    return {**headers, "Idempotency-Key": key}


async def _count_event_types(client: httpx.AsyncClient, headers: H) -> int:
    r = await client.get("/v1/event_types", headers=headers, params={"limit": 100})
    return len(r.json()["data"])


async def test_same_key_same_body_replays_the_stored_response(
    client: httpx.AsyncClient, auth_headers: H
) -> None:
    first = await client.post("/v1/event_types", headers=_with_key(auth_headers, "k1"), json=BODY)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    again = await client.post("/v1/event_types", headers=_with_key(auth_headers, "k1"), json=BODY)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert "ratelimit-limit" in again.headers
    assert await _count_event_types(client, auth_headers) == 1


async def test_errors_are_replayed_too(client: httpx.AsyncClient, auth_headers: H) -> None:
    bad = {**BODY, "duration_minutes": 1}
    first = await client.post("/v1/event_types", headers=_with_key(auth_headers, "k2"), json=bad)
    assert first.status_code == 400
    again = await client.post("/v1/event_types", headers=_with_key(auth_headers, "k2"), json=bad)
    assert again.status_code == 400
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["error"]["param"] == first.json()["error"]["param"]


async def test_same_key_other_body_is_422(client: httpx.AsyncClient, auth_headers: H) -> None:
    r = await client.post("/v1/event_types", headers=_with_key(auth_headers, "k3"), json=BODY)
    assert r.status_code == 201
    other = {**BODY, "slug": "other"}
    r = await client.post("/v1/event_types", headers=_with_key(auth_headers, "k3"), json=other)
    assert_error(r, 422, "invalid_request_error", "idempotency_key_reused", "Idempotency-Key")
    # The same key on another endpoint is another request too.
    r = await client.post(
        "/v1/schedules",
        headers=_with_key(auth_headers, "k3"),
        json={"name": "x", "time_zone": "UTC", "weekly_hours": []},
    )
    assert r.status_code == 422


async def test_keys_are_scoped_per_account_and_mode(
    client: httpx.AsyncClient, auth_headers: H, live_headers: H, other_headers: H
) -> None:
    ids = set()
    for headers in (auth_headers, live_headers, other_headers):
        r = await client.post("/v1/event_types", headers=_with_key(headers, "shared"), json=BODY)
        assert r.status_code == 201, r.text
        assert "idempotent-replayed" not in r.headers
        ids.add(r.json()["id"])
    assert len(ids) == 3


async def test_bad_key_header_is_400(client: httpx.AsyncClient, auth_headers: H) -> None:
    r = await client.post("/v1/event_types", headers=_with_key(auth_headers, "x" * 256), json=BODY)
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "Idempotency-Key"


async def test_key_expires_after_24_hours(
    client: httpx.AsyncClient, auth_headers: H, clock: FixedClock
) -> None:
    r = await client.post("/v1/event_types", headers=_with_key(auth_headers, "k4"), json=BODY)
    assert r.status_code == 201
    clock.advance(timedelta(hours=24, seconds=1))
    other = {**BODY, "slug": "tomorrow"}
    r = await client.post("/v1/event_types", headers=_with_key(auth_headers, "k4"), json=other)
    assert r.status_code == 201
    assert r.json()["slug"] == "tomorrow"


def _gated_router(gate: asyncio.Event, started: asyncio.Event, calls: list[int]) -> APIRouter:
    router = APIRouter()

    @router.post("/v1/_test/slow")
    async def slow(caller: CallerDep) -> JSONResponse:
        calls.append(1)
        started.set()
        await gate.wait()
        if len(calls) == 1:
            raise RuntimeError("the first attempt crashes")
        return JSONResponse({"attempt": len(calls)}, status_code=201, headers={"X-Extra": "kept"})

    return router


async def test_in_flight_key_is_409_and_a_5xx_releases_it(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H
) -> None:
    gate, started, calls = asyncio.Event(), asyncio.Event(), []
    app.include_router(_gated_router(gate, started, calls))
    headers = _with_key(auth_headers, "slow")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        first = asyncio.create_task(c.post("/v1/_test/slow", headers=headers, json={}))
        await started.wait()
        busy = await c.post("/v1/_test/slow", headers=headers, json={})
        assert busy.status_code == 409
        assert busy.json()["error"]["code"] == "idempotency_key_in_use"
        gate.set()
        crashed = await first
        assert crashed.status_code == 500
        # The crash released the key: the retry runs (and succeeds) and is then stored.
        retried = await c.post("/v1/_test/slow", headers=headers, json={})
        assert retried.status_code == 201, retried.text
        assert retried.json() == {"attempt": 2}
        replay: Any = await c.post("/v1/_test/slow", headers=headers, json={})
        assert replay.status_code == 201
        assert replay.json() == {"attempt": 2}
        assert replay.headers["x-extra"] == "kept"
        assert replay.headers["idempotent-replayed"] == "true"
    assert len(calls) == 2


async def test_expired_keys_are_purged(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H, clock: FixedClock
) -> None:
    from astrocal_server.storage.models import IdempotencyRecord
    from sqlalchemy import func, select

    state = app.state.astrocal
    r = await client.post("/v1/event_types", headers=_with_key(auth_headers, "old"), json=BODY)
    assert r.status_code == 201
    clock.advance(timedelta(hours=25))
    state.idempotency_claims = 0  # the next claim purges
    other = {**BODY, "slug": "fresh"}
    r = await client.post("/v1/event_types", headers=_with_key(auth_headers, "new"), json=other)
    assert r.status_code == 201
    async with state.db.read() as session:
        keys = set((await session.scalars(select(IdempotencyRecord.key))).all())
        assert "old" not in keys and "new" in keys
        assert await session.scalar(select(func.count()).select_from(IdempotencyRecord)) >= 1


async def test_a_booking_committed_before_a_crash_is_found_by_the_retry(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth_headers: H,
    clock: FixedClock,
    event_type: dict[str, Any],
) -> None:
    """The process died after the booking committed but before its response was stored."""
    from astrocal_server.storage.models import IdempotencyRecord
    from sqlalchemy import delete

    from tests.support.bookings import TUESDAY_9, iso

    body = {
        "event_type_id": event_type["id"],
        "start": iso(TUESDAY_9),
        "invitee": {"name": "Jo Smith", "email": "jo@acme.com"},
    }
    first = await client.post("/v1/bookings", headers=_with_key(auth_headers, "bk-1"), json=body)
    assert first.status_code == 201, first.text
    async with app.state.astrocal.db.write() as session:
        await session.execute(delete(IdempotencyRecord))  # the stored answer never made it
    clock.advance(timedelta(minutes=2))

    retry = await client.post("/v1/bookings", headers=_with_key(auth_headers, "bk-1"), json=body)
    assert retry.status_code == 201, retry.text
    assert retry.json()["id"] == first.json()["id"]
    listed = await client.get("/v1/bookings", headers=auth_headers)
    assert [b["id"] for b in listed.json()["data"]] == [first.json()["id"]]
    # Another key is another booking attempt: the slot is taken.
    other = await client.post("/v1/bookings", headers=_with_key(auth_headers, "bk-2"), json=body)
    assert other.status_code == 409


async def test_a_booking_key_reused_after_24_hours_with_another_body_books_afresh(
    client: httpx.AsyncClient, auth_headers: H, clock: FixedClock, event_type: dict[str, Any]
) -> None:
    """The booking's own record of its key is honoured for as long as the stored response is."""
    from tests.support.bookings import TUESDAY_9, iso

    invitee = {"name": "Jo Smith", "email": "jo@acme.com"}
    body = {"event_type_id": event_type["id"], "start": iso(TUESDAY_9), "invitee": invitee}
    first = await client.post("/v1/bookings", headers=_with_key(auth_headers, "bk-9"), json=body)
    assert first.status_code == 201, first.text
    clock.advance(timedelta(hours=24, seconds=1))

    later = {**body, "start": iso(TUESDAY_9 + timedelta(days=1)), "invitee": {**invitee}}
    again = await client.post("/v1/bookings", headers=_with_key(auth_headers, "bk-9"), json=later)
    assert again.status_code == 201, again.text
    assert "idempotent-replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]
    assert again.json()["start"] == later["start"]
    listed = await client.get("/v1/bookings", headers=auth_headers, params={"limit": 10})
    assert len(listed.json()["data"]) == 2


async def store_done(app: FastAPI, key: str, body: str, headers: dict[str, Any]) -> None:
    """A finished record of account ``acct_x`` (test mode) answering 201 ``body``, as written
    by an earlier server (fingerprint ``f`` × 64)."""
    from astrocal_server.idempotency import RETENTION
    from astrocal_server.storage.models import IdempotencyRecord

    state = app.state.astrocal
    now = state.clock.now()
    async with state.db.write() as session:
        session.add(
            IdempotencyRecord(
                account_id="acct_x",
                livemode=False,
                key=key,
                request_fingerprint="f" * 64,
                status="done",
                response_status=201,
                response_body=body,
                response_headers=headers,
                created_at=now,
                expires_at=now + RETENTION,
            )
        )


async def test_a_response_stored_in_clear_before_sealing_still_replays(app: FastAPI) -> None:
    from astrocal_server.idempotency import StoredResponse, claim_key

    headers = {"h": [["content-type", "application/json"]]}
    await store_done(app, "old", '{"id":"x"}', headers)
    stored = await claim_key(
        app.state.astrocal, account_id="acct_x", livemode=False, key="old", fingerprint="f" * 64
    )
    assert stored == StoredResponse(201, b'{"id":"x"}', [("content-type", "application/json")])


async def test_a_response_sealed_under_a_removed_secret_key_is_a_clear_409(app: FastAPI) -> None:
    from astrocal_server.crypto import SecretBox
    from astrocal_server.errors import Conflict
    from astrocal_server.idempotency import claim_key

    # Sealed under a key id the server's keyring no longer holds (rotated out too early).
    retired = SecretBox([("retired", b"\x01" * 32)])
    aad = f"idempotency:acct_x:0:{'f' * 64}:rotated"
    sealed = retired.seal(b'{"secret":"whsec_x"}', aad=aad)
    await store_done(app, "rotated", sealed, {"h": [], "sealed": True})
    with pytest.raises(Conflict) as raised:
        await claim_key(
            app.state.astrocal,
            account_id="acct_x",
            livemode=False,
            key="rotated",
            fingerprint="f" * 64,
        )
    assert raised.value.code == "idempotency_response_unavailable"
    assert raised.value.param == "Idempotency-Key"
