"""Error responses become one typed exception per status family, with the envelope's fields."""

from __future__ import annotations

import httpx
import pytest
import respx
from astrocal_sdk import (
    APIError,
    APIStatusError,
    Astrocal,
    AstrocalError,
    AsyncAstrocal,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    SlotUnavailableError,
    UnprocessableEntityError,
)
from astrocal_sdk.types import AvailabilityReason, Slot

BASE = "http://api.test"


def _envelope(code: str, **extra: object) -> dict[str, object]:
    return {
        "error": {
            "type": "invalid_request_error",
            "code": code,
            "message": f"{code}: what to do next",
            "request_id": "req_abc123",
            **extra,
        }
    }


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (402, PaymentRequiredError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (418, APIStatusError),
    ],
)
@respx.mock
def test_each_status_family_has_its_class(status: int, cls: type[APIStatusError]) -> None:
    respx.get(f"{BASE}/v1/account").respond(
        status,
        json=_envelope("some_code", param="time_zone", details={"k": "v"}),
        headers={"X-Request-Id": "req_abc123"},
    )
    client = Astrocal(api_key="sk_test_x", base_url=BASE, max_retries=0)
    with pytest.raises(cls) as info:
        client.account.retrieve()
    error = info.value
    assert type(error) is cls
    assert isinstance(error, APIError) and isinstance(error, AstrocalError)
    assert (error.status_code, error.status) == (status, status)
    assert error.code == "some_code"
    assert error.message == "some_code: what to do next"
    assert error.param == "time_zone"
    assert error.details == {"k": "v"}
    assert error.request_id == "req_abc123"
    assert "some_code" in str(error) and "req_abc123" in str(error)


@respx.mock
def test_a_body_without_envelope_still_gives_status_and_request_id() -> None:
    respx.get(f"{BASE}/v1/account").respond(
        502, text="<html>bad gateway</html>", headers={"X-Request-Id": "req_proxy"}
    )
    client = Astrocal(api_key="sk_test_x", base_url=BASE, max_retries=0)
    with pytest.raises(InternalServerError) as info:
        client.account.retrieve()
    assert info.value.status_code == 502
    assert info.value.code is None
    assert info.value.request_id == "req_proxy"


@respx.mock
async def test_slot_unavailable_exposes_typed_reasons_and_alternatives() -> None:
    details = {
        "reasons": [
            {"code": "booked", "message": "Another booking holds this time."},
            {"code": "brand_new_reason", "message": "From a newer server."},
        ],
        "alternatives": [
            {"start": "2026-04-15T10:00:00Z", "end": "2026-04-15T10:30:00Z"},
            {"start": "2026-04-15T11:00:00Z", "end": "2026-04-15T11:30:00Z"},
        ],
    }
    respx.post(f"{BASE}/v1/bookings").respond(
        409, json=_envelope("slot_unavailable", details=details)
    )
    client = AsyncAstrocal(api_key="sk_test_x", base_url=BASE)
    with pytest.raises(SlotUnavailableError) as info:
        await client.bookings.create(
            event_type_id="evt_1",
            start="2026-04-15T09:00:00Z",
            invitee={"name": "Jo", "email": "jo@example.com"},
        )
    error = info.value
    assert isinstance(error, ConflictError)
    assert all(isinstance(slot, Slot) for slot in error.alternatives)
    assert error.alternatives[0].start.tzinfo is not None
    assert [r.code for r in error.reasons] == ["booked", "brand_new_reason"]
    assert all(isinstance(r, AvailabilityReason) for r in error.reasons)
    await client.close()


@respx.mock
def test_a_success_that_is_not_json_is_a_clear_error() -> None:
    from astrocal_sdk import APIResponseValidationError

    respx.get(f"{BASE}/v1/account").respond(200, text="oops")
    client = Astrocal(api_key="sk_test_x", base_url=BASE)
    with pytest.raises(APIResponseValidationError, match="Expected JSON"):
        client.account.retrieve()


def test_an_empty_id_is_refused_before_any_request() -> None:
    client = Astrocal(api_key="sk_test_x", base_url=BASE)
    with pytest.raises(ValueError, match="booking_id"):
        client.bookings.retrieve("")


def test_ids_are_escaped_in_paths() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json=_envelope("resource_missing"))

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = Astrocal(api_key="sk_test_x", base_url=BASE, http_client=http)
    with pytest.raises(NotFoundError):
        client.bookings.retrieve("../account")
    assert seen[0].url.raw_path == b"/v1/bookings/..%2Faccount"
