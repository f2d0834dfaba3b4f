"""Verify and parse webhook deliveries (Standard Webhooks v1), and sign payloads for tests.

    event = astrocal_sdk.webhooks.unwrap(request.body, request.headers, secret)

``secret`` may be a list: during a rotation pass the old and the new secret and a delivery
signed with either verifies. Comparisons are constant-time; timestamps more than ``tolerance``
seconds away from now (either way) are refused, so a captured delivery cannot be replayed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypedDict

from pydantic import AwareDatetime, BaseModel, ConfigDict
from typing_extensions import Unpack

from astrocal_sdk._exceptions import WebhookVerificationError
from astrocal_sdk._models import parse_lenient
from astrocal_sdk.types._generated.models import (
    BookingEvent,
    BookingReminderEvent,
    CalendarConnectionEvent,
    TestEvent,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "Freshness",
    "UnknownEvent",
    "WebhookEvent",
    "WebhookVerificationError",
    "sign",
    "unwrap",
    "verify",
]

DEFAULT_TOLERANCE = 300
_PREFIX = "whsec_"


class UnknownEvent(BaseModel):
    """An event type this SDK does not know yet (from a newer server); ``data`` stays a dict."""

    model_config = ConfigDict(extra="allow")
    type: str
    timestamp: AwareDatetime
    livemode: bool
    data: dict[str, Any]


WebhookEvent = (
    BookingEvent | BookingReminderEvent | CalendarConnectionEvent | TestEvent | UnknownEvent
)

_EVENT_MODELS: dict[str, type[BaseModel]] = {
    "booking.created": BookingEvent,
    "booking.updated": BookingEvent,
    "booking.cancelled": BookingEvent,
    "booking.rescheduled": BookingEvent,
    "booking.reminder": BookingReminderEvent,
    "calendar_connection.error": CalendarConnectionEvent,
    "webhook.test": TestEvent,
}


def _key(secret: str) -> bytes:
    raw = secret.removeprefix(_PREFIX).strip()
    try:
        # Accept unpadded base64, as the Standard Webhooks libraries do.
        return base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookVerificationError(
            "The webhook secret is not valid base64 (it looks like whsec_…)."
        ) from exc


def _signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = msg_id.encode() + b"." + str(timestamp).encode() + b"." + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise WebhookVerificationError(f"Missing the {name} header.")


def _as_bytes(payload: bytes | str) -> bytes:
    return payload.encode() if isinstance(payload, str) else payload


def verify(
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: str | Sequence[str],
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """Raise :class:`WebhookVerificationError` unless the delivery is authentic and fresh.

    ``payload`` must be the raw request body, exactly as received.
    """
    body = _as_bytes(payload)
    msg_id = _header(headers, "webhook-id")
    raw_timestamp = _header(headers, "webhook-timestamp")
    raw_signatures = _header(headers, "webhook-signature")
    try:
        timestamp = int(raw_timestamp)
    except ValueError as exc:
        raise WebhookVerificationError("The webhook-timestamp header is not a number.") from exc
    current = time.time() if now is None else now
    if timestamp < current - tolerance:
        raise WebhookVerificationError("The delivery's timestamp is too old (possible replay).")
    if timestamp > current + tolerance:
        raise WebhookVerificationError("The delivery's timestamp is in the future.")
    secrets = [secret] if isinstance(secret, str) else list(secret)
    if not secrets:
        raise WebhookVerificationError("No webhook secret was given.")
    candidates = [
        sig.split(",", 1)[1]
        for sig in raw_signatures.split()
        if sig.startswith("v1,") and "," in sig
    ]
    expected = [_signature(_key(s), msg_id, timestamp, body) for s in secrets]
    matched = False
    for candidate in candidates:
        for want in expected:
            # Compare every pair so timing does not reveal which one matched.
            matched |= hmac.compare_digest(candidate.encode(), want.encode())
    if not matched:
        raise WebhookVerificationError("No webhook signature matches the secret.")


class Freshness(TypedDict, total=False):
    """:func:`verify`'s ``tolerance`` and ``now``, which :func:`unwrap` passes on."""

    tolerance: int
    now: float | None


def unwrap(
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: str | Sequence[str],
    **freshness: Unpack[Freshness],
) -> WebhookEvent:
    """:func:`verify` the delivery (``tolerance`` and ``now`` as there), then parse its body into
    a typed event."""
    verify(payload, headers, secret, **freshness)
    try:
        body = json.loads(_as_bytes(payload))
    except ValueError as exc:
        raise WebhookVerificationError("The delivery's body is not JSON.") from exc
    if not isinstance(body, dict):
        raise WebhookVerificationError("The delivery's body is not a JSON object.")
    model = _EVENT_MODELS.get(str(body.get("type")), UnknownEvent)
    event: WebhookEvent = parse_lenient(model, body)
    return event


def sign(
    payload: bytes | str,
    secret: str,
    *,
    msg_id: str,
    timestamp: int | datetime | None = None,
) -> dict[str, str]:
    """The Standard Webhooks headers for ``payload``, as Astrocal sends them (for tests)."""
    if timestamp is None:
        ts = int(time.time())
    elif isinstance(timestamp, datetime):
        ts = int(timestamp.timestamp())
    else:
        ts = timestamp
    signature = _signature(_key(secret), msg_id, ts, _as_bytes(payload))
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": f"v1,{signature}",
    }
