"""``with_raw_response``: headers (request id, rate limits, replay flag) plus the parsed object."""

from __future__ import annotations

import respx
from astrocal_sdk import APIResponse, Astrocal, AsyncAstrocal, SyncPage
from astrocal_sdk.types import Booking

from tests.support.sdk_payloads import booking_json

BASE = "http://api.test"
BOOKING = booking_json()
HEADERS = {
    "X-Request-Id": "req_raw1",
    "RateLimit-Limit": "100",
    "RateLimit-Remaining": "99",
    "RateLimit-Reset": "42",
    "Idempotent-Replayed": "true",
}


@respx.mock
def test_raw_create_gives_headers_and_the_parsed_booking() -> None:
    route = respx.post(f"{BASE}/v1/bookings").respond(201, json=BOOKING, headers=HEADERS)
    client = Astrocal(api_key="sk_test_x", base_url=BASE)
    raw = client.with_raw_response.bookings.create(
        event_type_id="evt_1",
        start="2026-04-15T09:00:00Z",
        invitee={"name": "Jo", "email": "jo@example.com"},
        extra_headers={"X-Mine": "1"},
    )
    assert isinstance(raw, APIResponse)
    assert raw.status_code == 201
    assert raw.request_id == "req_raw1"
    assert raw.idempotent_replayed is True
    assert (raw.rate_limit.limit, raw.rate_limit.remaining, raw.rate_limit.reset) == (100, 99, 42)
    assert raw.retries_taken == 0
    booking = raw.parse()
    assert isinstance(booking, Booking) and booking.id == "bk_1"
    assert raw.parse() is booking
    sent = route.calls.last.request.headers
    assert sent["x-mine"] == "1"
    assert "x-astrocal-raw-response" not in sent


@respx.mock
def test_raw_list_returns_the_first_page_and_later_pages_are_plain() -> None:
    respx.get(f"{BASE}/v1/bookings", params={"cursor": "c2"}).respond(
        json={"data": [BOOKING], "has_more": False, "next_cursor": None}
    )
    respx.get(f"{BASE}/v1/bookings").respond(
        json={"data": [BOOKING], "has_more": True, "next_cursor": "c2"}, headers=HEADERS
    )
    client = Astrocal(api_key="sk_test_x", base_url=BASE)
    raw = client.with_raw_response.bookings.list()
    page = raw.parse()
    assert isinstance(page, SyncPage)
    assert [b.id for b in page] == ["bk_1", "bk_1"]


@respx.mock
def test_a_missing_replay_header_means_not_replayed() -> None:
    respx.get(f"{BASE}/v1/bookings/bk_1").respond(json=BOOKING)
    raw = Astrocal(api_key="sk_test_x", base_url=BASE).with_raw_response.bookings.retrieve("bk_1")
    assert raw.idempotent_replayed is False
    assert raw.rate_limit.limit is None


@respx.mock
async def test_async_raw_response() -> None:
    respx.get(f"{BASE}/v1/bookings/bk_1").respond(json=BOOKING, headers=HEADERS)
    respx.get(f"{BASE}/v1/bookings").respond(
        json={"data": [BOOKING], "has_more": False, "next_cursor": None}, headers=HEADERS
    )
    client = AsyncAstrocal(api_key="sk_test_x", base_url=BASE)
    raw = await client.with_raw_response.bookings.retrieve("bk_1")
    assert raw.request_id == "req_raw1"
    assert raw.parse().id == "bk_1"
    raw_page = await client.with_raw_response.bookings.list()
    assert [b.id async for b in raw_page.parse()] == ["bk_1"]
    await client.close()


@respx.mock
async def test_raw_deletes_answered_with_204_give_the_response_sync_and_async() -> None:
    respx.delete(f"{BASE}/v1/webhooks/wh_1").respond(204, headers={"X-Request-Id": "req_del1"})
    respx.delete(f"{BASE}/v1/schedules/sch_1").respond(204, headers={"X-Request-Id": "req_del2"})
    client = Astrocal(api_key="sk_test_x", base_url=BASE)
    assert client.webhooks.delete("wh_1") is None
    raw = client.with_raw_response.webhooks.delete("wh_1")
    assert isinstance(raw, APIResponse)
    assert (raw.status_code, raw.request_id) == (204, "req_del1")
    async_client = AsyncAstrocal(api_key="sk_test_x", base_url=BASE)
    async_raw = await async_client.with_raw_response.schedules.delete("sch_1")
    assert isinstance(async_raw, APIResponse)
    assert (async_raw.status_code, async_raw.request_id) == (204, "req_del2")
