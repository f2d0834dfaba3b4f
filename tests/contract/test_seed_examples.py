"""The product page's examples fit the contract.

The JSON in tests/support/seed_examples.py is copied literally from the page. Request bodies
must validate as they are. The page's responses are abbreviated (it leaves out fields such as `event_type_id` and
`updated_at` that every response carries), so for them the test checks that every field the
page shows is a declared field with a valid value, and that the page's object completed with
the spec's own full example of that response validates against the full schema.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from tests.support.seed_examples import (
    REAL_SECRET,
    SEED_AVAILABILITY_CURL_DATA,
    SEED_AVAILABILITY_RESPONSE,
    SEED_BOOKING_REQUEST,
    SEED_BOOKING_RESPONSE,
    SEED_CANCEL_REQUEST,
    SEED_CANCEL_RESPONSE,
    SEED_WEBHOOK_REQUEST,
    SEED_WEBHOOK_RESPONSE,
)
from tests.support.spec import Validate, example


def _declared_properties(spec: dict[str, Any], name: str) -> dict[str, str]:
    """property name → pointer of its schema, following `allOf` as the generator does."""
    schema = spec["components"]["schemas"][name]
    found: dict[str, str] = {}
    parts = [(schema, f"/components/schemas/{name}")]
    for index, part in enumerate(schema.get("allOf", [])):
        if "$ref" in part:
            ref_name = part["$ref"].rsplit("/", 1)[-1]
            found.update(_declared_properties(spec, ref_name))
        else:
            parts.append((part, f"/components/schemas/{name}/allOf/{index}"))
    for node, pointer in parts:
        for prop in node.get("properties", {}):
            found[prop] = f"{pointer}/properties/{prop}"
    return found


def _assert_abbreviated_object_fits(
    seed: dict[str, Any],
    schema: str,
    full_example: dict[str, Any],
    spec: dict[str, Any],
    validate: Validate,
) -> None:
    declared = _declared_properties(spec, schema)
    for key, value in seed.items():
        assert key in declared, f"{schema} has no field {key!r} shown on the product page"
        assert validate(value, declared[key]) == [], (schema, key)
    completed = {**full_example, **seed}
    assert validate(completed, f"/components/schemas/{schema}") == []


def test_availability_request_as_curl_form_data(validate: Validate) -> None:
    body = dict(parse_qsl(SEED_AVAILABILITY_CURL_DATA, strict_parsing=True))
    assert validate(body, "/components/schemas/AvailabilityQuery") == []


def test_availability_response(spec: dict[str, Any], validate: Validate) -> None:
    _assert_abbreviated_object_fits(
        SEED_AVAILABILITY_RESPONSE,
        "Availability",
        example(spec, "AvailabilityThreeSlots"),
        spec,
        validate,
    )
    # The spec's own example is the page's answer, completed.
    assert example(spec, "AvailabilityThreeSlots")["data"] == SEED_AVAILABILITY_RESPONSE["data"]


def test_booking_request(validate: Validate) -> None:
    assert validate(SEED_BOOKING_REQUEST, "/components/schemas/BookingCreate") == []


def test_booking_response(spec: dict[str, Any], validate: Validate) -> None:
    _assert_abbreviated_object_fits(
        SEED_BOOKING_RESPONSE, "Booking", example(spec, "BookingJoSmith"), spec, validate
    )
    assert example(spec, "BookingCreateJoSmith") == SEED_BOOKING_REQUEST


def test_cancellation_request_and_response(spec: dict[str, Any], validate: Validate) -> None:
    assert validate(SEED_CANCEL_REQUEST, "/components/schemas/BookingCancel") == []
    assert example(spec, "BookingCancelCustomerRequested") == SEED_CANCEL_REQUEST
    # The cancellation answer is the booking, now cancelled.
    confirmed = example(spec, "BookingJoSmith")
    _assert_abbreviated_object_fits(SEED_CANCEL_RESPONSE, "Booking", confirmed, spec, validate)
    cancelled = example(spec, "BookingCancelled")
    assert {k: cancelled[k] for k in SEED_CANCEL_RESPONSE} == SEED_CANCEL_RESPONSE
    assert validate(cancelled, "/components/schemas/Booking") == []


def test_webhook_registration(spec: dict[str, Any], validate: Validate) -> None:
    assert validate(SEED_WEBHOOK_REQUEST, "/components/schemas/WebhookCreate") == []
    assert example(spec, "WebhookCreateBookingEvents") == SEED_WEBHOOK_REQUEST
    seed = {**SEED_WEBHOOK_RESPONSE, "secret": REAL_SECRET}
    _assert_abbreviated_object_fits(
        seed, "WebhookWithSecret", example(spec, "WebhookWithSecretBookingEvents"), spec, validate
    )


def test_the_abbreviation_check_rejects_unknown_or_invalid_fields(
    spec: dict[str, Any], validate: Validate
) -> None:
    full = example(spec, "BookingJoSmith")
    for bad in ({"id": "bk_7f3a9c2e", "booking_status": "confirmed"}, {"id": "booking-7"}):
        try:
            _assert_abbreviated_object_fits(bad, "Booking", full, spec, validate)
        except AssertionError:
            continue
        raise AssertionError(f"{bad} was accepted")
