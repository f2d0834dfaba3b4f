"""``astrocal_sdk.webhooks``: Standard Webhooks verification, interoperable with the reference
``standardwebhooks`` library in both directions."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime

import pytest
from astrocal_sdk import WebhookVerificationError, types, webhooks
from astrocal_sdk.types import BookingEvent
from standardwebhooks.webhooks import Webhook as ReferenceWebhook

from tests.support.sdk_payloads import booking_json

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
OTHER = "whsec_" + base64.b64encode(b"fedcba9876543210fedcba9876543210").decode()
NOW = 1_776_067_200  # 2026-04-13T08:00:00Z
BOOKING = booking_json(livemode=True)
BODY = json.dumps(
    {"type": "booking.created", "timestamp": "2026-04-13T08:00:00Z", "livemode": True,
     "data": BOOKING},
    separators=(",", ":"),
)  # fmt: skip


def _reference_headers(secret: str, body: str, ts: int, msg_id: str = "msg_1") -> dict[str, str]:
    signature = ReferenceWebhook(secret).sign(msg_id, datetime.fromtimestamp(ts, UTC), body)
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": signature}


def test_a_delivery_signed_by_the_reference_library_verifies_and_unwraps() -> None:
    headers = _reference_headers(SECRET, BODY, NOW)
    webhooks.verify(BODY, headers, SECRET, now=NOW)
    event = webhooks.unwrap(BODY.encode(), headers, SECRET, now=NOW)
    assert isinstance(event, BookingEvent)
    assert event.type == "booking.created"
    assert event.data.id == "bk_1"
    assert event.data.start.tzinfo is not None


def test_our_signature_verifies_with_the_reference_library() -> None:
    now = int(time.time())  # the reference library checks against the wall clock
    headers = webhooks.sign(BODY, SECRET, msg_id="msg_2", timestamp=now)
    assert ReferenceWebhook(SECRET).verify(BODY, headers) == json.loads(BODY)


def test_header_names_are_case_insensitive() -> None:
    headers = {k.title(): v for k, v in _reference_headers(SECRET, BODY, NOW).items()}
    webhooks.verify(BODY, headers, SECRET, now=NOW)


@pytest.mark.parametrize(
    ("secret", "body", "offset", "message"),
    [
        (OTHER, BODY, 0, "No webhook signature matches"),
        (SECRET, BODY.replace("bk_1", "bk_2"), 0, "No webhook signature matches"),
        (SECRET, BODY, -301, "too old"),
        (SECRET, BODY, 301, "in the future"),
    ],
    ids=["wrong-secret", "tampered-body", "stale", "future"],
)
def test_bad_deliveries_are_rejected(secret: str, body: str, offset: int, message: str) -> None:
    headers = _reference_headers(SECRET, BODY, NOW + offset)
    with pytest.raises(WebhookVerificationError, match=message):
        webhooks.verify(body, headers, secret, now=NOW)


def test_tolerance_is_configurable() -> None:
    headers = _reference_headers(SECRET, BODY, NOW - 600)
    webhooks.verify(BODY, headers, SECRET, now=NOW, tolerance=900)
    with pytest.raises(WebhookVerificationError):
        webhooks.verify(BODY, headers, SECRET, now=NOW)


def test_missing_or_malformed_headers_are_rejected() -> None:
    headers = _reference_headers(SECRET, BODY, NOW)
    for name in headers:
        partial = {k: v for k, v in headers.items() if k != name}
        with pytest.raises(WebhookVerificationError, match=name):
            webhooks.verify(BODY, partial, SECRET, now=NOW)
    with pytest.raises(WebhookVerificationError, match="not a number"):
        webhooks.verify(BODY, {**headers, "webhook-timestamp": "soon"}, SECRET, now=NOW)
    with pytest.raises(WebhookVerificationError, match="No webhook signature"):
        webhooks.verify(BODY, {**headers, "webhook-signature": "v2,abc garbage"}, SECRET, now=NOW)


def test_during_rotation_either_secret_verifies_and_two_signatures_are_accepted() -> None:
    old = _reference_headers(SECRET, BODY, NOW)
    new = _reference_headers(OTHER, BODY, NOW)
    both = {**old, "webhook-signature": f"{new['webhook-signature']} {old['webhook-signature']}"}
    # The sender signs with both secrets while the old one is live: a receiver with either works.
    webhooks.verify(BODY, both, SECRET, now=NOW)
    webhooks.verify(BODY, both, OTHER, now=NOW)
    # A receiver holding both secrets accepts deliveries signed with either one.
    webhooks.verify(BODY, old, [OTHER, SECRET], now=NOW)
    webhooks.verify(BODY, new, [OTHER, SECRET], now=NOW)
    with pytest.raises(WebhookVerificationError):
        webhooks.verify(BODY, old, [OTHER], now=NOW)


def test_unwrap_types_test_events_and_keeps_unknown_event_types() -> None:
    test_body = json.dumps(
        {"type": "webhook.test", "timestamp": "2026-04-13T08:00:00Z", "livemode": False,
         "data": {"webhook_id": "wh_1", "message": "hello"}}
    )  # fmt: skip
    event = webhooks.unwrap(test_body, _reference_headers(SECRET, test_body, NOW), SECRET, now=NOW)
    assert isinstance(event, types.TestEvent) and event.data.webhook_id == "wh_1"
    future_body = json.dumps(
        {"type": "invoice.paid", "timestamp": "2026-04-13T08:00:00Z", "livemode": True,
         "data": {"id": "inv_1"}}
    )  # fmt: skip
    unknown = webhooks.unwrap(
        future_body, _reference_headers(SECRET, future_body, NOW), SECRET, now=NOW
    )
    assert isinstance(unknown, webhooks.UnknownEvent)
    assert unknown.type == "invoice.paid" and unknown.data == {"id": "inv_1"}


def test_unwrap_refuses_a_body_that_is_not_a_json_object() -> None:
    body = "[1, 2]"
    with pytest.raises(WebhookVerificationError, match="JSON object"):
        webhooks.unwrap(body, _reference_headers(SECRET, body, NOW), SECRET, now=NOW)


def test_a_secret_that_is_not_base64_is_a_clear_error() -> None:
    with pytest.raises(WebhookVerificationError, match="base64"):
        webhooks.sign(BODY, "whsec_***", msg_id="m")


def test_unpadded_secrets_work_like_the_reference_library() -> None:
    unpadded = SECRET.rstrip("=")
    headers = _reference_headers(SECRET, BODY, NOW)
    webhooks.verify(BODY, headers, unpadded, now=NOW)
