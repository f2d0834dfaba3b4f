"""The generated SDK models read the product page's examples and write them back unchanged.

Responses on the page are abbreviated, so each is completed with the spec's own full example of
that object (as the seed-example tests do) before the round trip.
"""

from __future__ import annotations

from typing import Any

import pytest
from astrocal_sdk.types._generated import models
from pydantic import BaseModel

from tests.support import seed_examples as seed
from tests.support.spec import example


def _round_trip(model: type[BaseModel], document: dict[str, Any]) -> dict[str, Any]:
    parsed = model.model_validate(document)
    dumped: dict[str, Any] = parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return dumped


@pytest.mark.parametrize(
    ("model", "document"),
    [
        (models.BookingCreate, seed.SEED_BOOKING_REQUEST),
        (models.BookingCancel, seed.SEED_CANCEL_REQUEST),
        (models.WebhookCreate, seed.SEED_WEBHOOK_REQUEST),
    ],
    ids=["booking-create", "booking-cancel", "webhook-create"],
)
def test_seed_requests_round_trip(model: type[BaseModel], document: dict[str, Any]) -> None:
    assert _round_trip(model, document) == document


@pytest.mark.parametrize(
    ("model", "seed", "full_example"),
    [
        (models.Availability, seed.SEED_AVAILABILITY_RESPONSE, "AvailabilityThreeSlots"),
        (models.Booking, seed.SEED_BOOKING_RESPONSE, "BookingJoSmith"),
        (models.Booking, seed.SEED_CANCEL_RESPONSE, "BookingCancelled"),
        (
            models.WebhookWithSecret,
            {**seed.SEED_WEBHOOK_RESPONSE, "secret": seed.REAL_SECRET},
            "WebhookWithSecretBookingEvents",
        ),
    ],
    ids=["availability", "booking", "cancelled-booking", "webhook"],
)
def test_seed_responses_round_trip(
    spec: dict[str, Any], model: type[BaseModel], seed: dict[str, Any], full_example: str
) -> None:
    document = {**example(spec, full_example), **seed}
    assert _round_trip(model, document) == document


def test_unknown_fields_survive_the_round_trip() -> None:
    document = {**seed.SEED_BOOKING_REQUEST, "added_by_a_newer_server": {"x": 1}}
    assert _round_trip(models.BookingCreate, document) == document


def test_parsed_datetimes_are_aware(spec: dict[str, Any]) -> None:
    booking = models.Booking.model_validate(
        {**example(spec, "BookingJoSmith"), **seed.SEED_BOOKING_RESPONSE}
    )
    assert booking.start.tzinfo is not None
    assert booking.start.utcoffset() is not None
