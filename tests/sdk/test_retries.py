"""Retries: which failures are retried, how long the client waits, and the idempotency key."""

from __future__ import annotations

import email.utils
from typing import Any

import httpx
import pytest
import respx
from astrocal_sdk import (
    APIConnectionError,
    APITimeoutError,
    Astrocal,
    AsyncAstrocal,
    ConflictError,
    InternalServerError,
    RateLimitError,
)
from astrocal_sdk._retry import MAX_DELAY, retry_delay

from tests.support.sdk_payloads import booking_json

BASE = "http://api.test"
BOOKING = booking_json()
CREATE: dict[str, Any] = {
    "event_type_id": "evt_1",
    "start": "2026-04-15T09:00:00Z",
    "invitee": {"name": "Jo", "email": "jo@example.com"},
}


def _error(status: int, code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"error": {"type": "api_error", "code": code, "message": "m", "request_id": "req_1"}}
    return httpx.Response(status, json=body, headers=headers)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps: list[float]) -> Astrocal:
    c = Astrocal(api_key="sk_test_x", base_url=BASE, max_retries=3)
    c._sleep = sleeps.append
    return c


@pytest.mark.parametrize(
    "failure",
    [
        _error(500, "internal_error"),
        _error(502, "bad_gateway"),
        _error(503, "calendar_unavailable"),
        _error(408, "request_timeout"),
        _error(429, "rate_limit_exceeded"),
        _error(409, "idempotency_key_in_use"),
    ],
    ids=["500", "502", "503", "408", "429", "409-in-use"],
)
@respx.mock
def test_retryable_statuses_are_retried(
    client: Astrocal, sleeps: list[float], failure: httpx.Response
) -> None:
    route = respx.post(f"{BASE}/v1/bookings").mock(
        side_effect=[failure, httpx.Response(201, json=BOOKING)]
    )
    booking = client.bookings.create(**CREATE)
    assert booking.id == "bk_1"
    assert route.call_count == 2
    assert len(sleeps) == 1


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 422])
@respx.mock
def test_client_errors_are_not_retried(client: Astrocal, status: int) -> None:
    route = respx.get(f"{BASE}/v1/account").mock(return_value=_error(status, "nope"))
    with pytest.raises(Exception) as info:
        client.account.retrieve()
    assert getattr(info.value, "status_code", None) == status
    assert route.call_count == 1


@respx.mock
def test_a_real_conflict_is_not_retried(client: Astrocal) -> None:
    route = respx.post(f"{BASE}/v1/bookings").mock(return_value=_error(409, "slot_unavailable"))
    with pytest.raises(ConflictError):
        client.bookings.create(**CREATE)
    assert route.call_count == 1


@respx.mock
def test_the_idempotency_key_is_generated_once_per_call_and_reused(client: Astrocal) -> None:
    route = respx.post(f"{BASE}/v1/bookings").mock(
        side_effect=[
            httpx.ConnectError("reset"),
            _error(503, "unavailable"),
            httpx.Response(201, json=BOOKING),
        ]
    )
    client.bookings.create(**CREATE)
    keys = [call.request.headers["idempotency-key"] for call in route.calls]
    assert len(keys) == 3 and len(set(keys)) == 1
    route.side_effect = None
    route.return_value = httpx.Response(201, json=BOOKING)
    client.bookings.create(**CREATE)
    client.bookings.create(**CREATE)
    later = [call.request.headers["idempotency-key"] for call in route.calls[3:]]
    assert len(set(later)) == 2 and keys[0] not in later


@respx.mock
def test_a_given_idempotency_key_is_sent_as_is(client: Astrocal) -> None:
    route = respx.post(f"{BASE}/v1/bookings").respond(201, json=BOOKING)
    client.bookings.create(**CREATE, idempotency_key="order-42")
    assert route.calls.last.request.headers["idempotency-key"] == "order-42"


@respx.mock
def test_gets_carry_no_idempotency_key(client: Astrocal) -> None:
    route = respx.get(f"{BASE}/v1/bookings/bk_1").respond(json=BOOKING)
    client.bookings.retrieve("bk_1")
    assert "idempotency-key" not in route.calls.last.request.headers


@respx.mock
def test_retry_after_seconds_is_honoured(client: Astrocal, sleeps: list[float]) -> None:
    respx.get(f"{BASE}/v1/account").mock(
        side_effect=[
            _error(429, "rate_limit_exceeded", {"Retry-After": "7"}),
            _error(503, "unavailable", {"Retry-After": "2"}),
            httpx.Response(200, json={}),
        ]
    )
    client.account.retrieve()
    assert sleeps == [7.0, 2.0]


def test_retry_after_http_date_is_honoured() -> None:
    when = email.utils.formatdate(1_000_030, usegmt=True)
    assert retry_delay(0, {"retry-after": when}, now=lambda: 1_000_000.0) == 30.0


def test_unreasonable_retry_after_falls_back_to_backoff() -> None:
    delay = retry_delay(0, {"retry-after": "3600"}, rand=lambda: 0.0)
    assert delay == 0.5


def test_backoff_is_exponential_capped_and_jittered() -> None:
    no_jitter = [retry_delay(n, None, rand=lambda: 0.0) for n in range(6)]
    assert no_jitter == [0.5, 1.0, 2.0, 4.0, 8.0, MAX_DELAY]
    full_jitter = [retry_delay(n, None, rand=lambda: 1.0) for n in range(3)]
    assert full_jitter == [0.375, 0.75, 1.5]


@respx.mock
def test_retries_run_out_and_the_last_error_is_raised(
    client: Astrocal, sleeps: list[float]
) -> None:
    route = respx.get(f"{BASE}/v1/account").mock(return_value=_error(500, "internal_error"))
    with pytest.raises(InternalServerError) as info:
        client.account.retrieve()
    assert route.call_count == 4  # the call plus max_retries=3
    assert info.value.code == "internal_error"
    assert len(sleeps) == 3 and sleeps == sorted(sleeps)


@respx.mock
def test_per_request_max_retries(client: Astrocal) -> None:
    route = respx.get(f"{BASE}/v1/account").mock(return_value=_error(429, "rate_limit_exceeded"))
    with pytest.raises(RateLimitError):
        client.account.retrieve(max_retries=0)
    assert route.call_count == 1
    with pytest.raises(RateLimitError):
        client.with_options(max_retries=1).account.retrieve()
    assert route.call_count == 3


@respx.mock
def test_connection_errors_and_timeouts_are_retried_then_raised(client: Astrocal) -> None:
    route = respx.get(f"{BASE}/v1/account").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError) as info:
        client.account.retrieve()
    assert not isinstance(info.value, APITimeoutError)
    assert route.call_count == 4
    route.side_effect = httpx.ReadTimeout("slow")
    with pytest.raises(APITimeoutError):
        client.account.retrieve(max_retries=1)
    assert route.call_count == 6


@respx.mock
async def test_async_client_retries_with_the_same_key() -> None:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    client = AsyncAstrocal(api_key="sk_test_x", base_url=BASE)
    client._sleep = sleep
    route = respx.post(f"{BASE}/v1/bookings").mock(
        side_effect=[
            httpx.ReadTimeout("slow"),
            _error(429, "rate_limit_exceeded", {"Retry-After": "1"}),
            httpx.Response(201, json=BOOKING),
        ]
    )
    booking = await client.bookings.create(**CREATE)
    assert booking.id == "bk_1"
    assert len({c.request.headers["idempotency-key"] for c in route.calls}) == 1
    assert len(sleeps) == 2 and sleeps[1] == 1.0
    await client.close()
