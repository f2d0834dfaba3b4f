"""The shared HTTP path: Retry-After parsing, retries on timeouts and network errors, typed errors."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
import respx
from astrocal_server.calendars.base import (
    AuthFailed,
    CalendarNotFound,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)
from astrocal_server.calendars.http import RetryPolicy, error_for, parse_retry_after, send

NOW = datetime(2015, 10, 21, 7, 27, 0, tzinfo=UTC)


def test_retry_after_forms() -> None:
    assert parse_retry_after("120", NOW) == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", NOW) == 60.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", NOW) == 0.0  # in the past
    assert parse_retry_after(None, NOW) is None
    assert parse_retry_after("soon", NOW) is None


class Sleeps(list[float]):
    async def __call__(self, delay: float) -> None:
        self.append(delay)


@respx.mock
async def test_timeouts_and_network_errors_are_retried_then_reported() -> None:
    sleeps = Sleeps()
    route = respx.get("https://api.example/x").mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.ConnectError("down"), httpx.Response(200)]
    )
    async with httpx.AsyncClient() as client:
        policy = RetryPolicy(attempts=3, backoff=0.5, sleep=sleeps)
        response = await send(client, "GET", "https://api.example/x", policy=policy, provider="X")
        assert response.status_code == 200 and route.call_count == 3
        assert sleeps == [0.5, 1.0]  # exponential backoff
        respx.get("https://api.example/x").mock(side_effect=httpx.ReadTimeout("slow"))
        with pytest.raises(ProviderUnavailable, match="did not answer in time"):
            await send(client, "GET", "https://api.example/x", policy=policy, provider="X")


@respx.mock
async def test_http_date_retry_after_and_503() -> None:
    sleeps = Sleeps()
    respx.get("https://api.example/y").mock(
        side_effect=[
            httpx.Response(503, headers={"Retry-After": "Wed, 21 Oct 2015 07:27:01 GMT"}),
            httpx.Response(204),
        ]
    )
    async with httpx.AsyncClient() as client:
        policy = RetryPolicy(sleep=sleeps, now=lambda: NOW)
        response = await send(client, "GET", "https://api.example/y", policy=policy, provider="Y")
    assert response.status_code == 204 and sleeps == [1.0]


@respx.mock
async def test_throttled_on_every_attempt_is_rate_limited() -> None:
    respx.get("https://api.example/z").mock(return_value=httpx.Response(429))
    async with httpx.AsyncClient() as client:
        with pytest.raises(RateLimited) as caught:
            await send(
                client,
                "GET",
                "https://api.example/z",
                policy=RetryPolicy(sleep=Sleeps()),
                provider="Z",
            )
    assert caught.value.retry_after is None and caught.value.retryable


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, AuthFailed),
        (404, CalendarNotFound),
        (410, CalendarNotFound),
        (500, ProviderUnavailable),
        (400, ProviderError),
    ],
)
def test_error_mapping(status: int, kind: type[ProviderError]) -> None:
    error = error_for(httpx.Response(status, json={"error": {"message": "nope"}}), "P", "doing it")
    assert type(error) is kind
    assert error.status == status and "nope" in error.message and "doing it" in error.message
