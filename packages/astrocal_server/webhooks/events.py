"""Event types and event ids.

An event's id (``whe_…``, the ``webhook-id`` header) is derived from the outbox row that carries it,
so a relay that crashes and runs the row again produces the same id, and every retry of one event to
one endpoint carries it too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_args

from astrocal_server.contract.requests import WebhookEventType
from astrocal_server.ids import new_id
from astrocal_server.serialize.common import format_datetime

__all__ = [
    "EVENT_TYPES",
    "SUBSCRIBABLE_EVENTS",
    "TEST_EVENT",
    "event_id_for",
    "event_payload",
    "new_event_id",
    "test_event_payload",
]

TEST_EVENT = "webhook.test"
# The event names as openapi.yaml states them (``WebhookEventType``), in its order.
EVENT_TYPES: tuple[str, ...] = get_args(WebhookEventType.__value__)
# What the outbox carries; ``webhook.test`` is only ever sent by the test operation.
SUBSCRIBABLE_EVENTS = frozenset(EVENT_TYPES) - {TEST_EVENT}


def event_id_for(outbox_id: str) -> str:
    """``ob_abc…`` → ``whe_abc…``: one stable event id per outbox row."""
    _prefix, sep, rest = outbox_id.partition("_")
    if not sep or not rest:
        raise ValueError(f"not an outbox id: {outbox_id!r}")
    return f"whe_{rest}"


def new_event_id() -> str:
    return new_id("whe")


def event_payload(
    event_type: str, data: dict[str, Any], *, livemode: bool, now: datetime
) -> dict[str, Any]:
    """The body every event is sent with: its type, when it happened, the mode, its object."""
    return {
        "type": event_type,
        "timestamp": format_datetime(now),
        "livemode": livemode,
        "data": data,
    }


def test_event_payload(*, webhook_id: str, livemode: bool, now: datetime) -> dict[str, Any]:
    data = {"webhook_id": webhook_id, "message": "This is a test event from Astrocal."}
    return event_payload(TEST_EVENT, data, livemode=livemode, now=now)
