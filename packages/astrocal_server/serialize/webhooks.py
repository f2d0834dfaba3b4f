"""The webhook endpoint, delivery and attempt objects, and the answer to a secret rotation.

The signing secret appears only when the caller just received a new one (create, rotate).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from astrocal_server.serialize.common import format_datetime
from astrocal_server.storage.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = ["attempt_to_api", "delivery_to_api", "rotated_secret_to_api", "webhook_to_api"]


def webhook_to_api(endpoint: WebhookEndpoint, *, secret: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": endpoint.id, "url": endpoint.url, "events": list(endpoint.events)}
    if endpoint.description:
        out["description"] = endpoint.description
    out["enabled"] = endpoint.enabled
    if not endpoint.enabled and endpoint.disabled_reason:
        out["disabled_reason"] = endpoint.disabled_reason
    if secret is not None:
        out["secret"] = secret
    out.update(
        livemode=endpoint.livemode,
        created_at=format_datetime(endpoint.created_at),
        updated_at=format_datetime(endpoint.updated_at),
    )
    return out


def _optional_time(value: datetime | None) -> str | None:
    return format_datetime(value) if value is not None else None


def attempt_to_api(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "attempted_at": format_datetime(attempt.attempted_at),
        "response_status": attempt.response_status,
        "duration_ms": attempt.duration_ms,
        "error": attempt.error,
        "response_body": attempt.response_body,
        "next_attempt_at": _optional_time(attempt.next_attempt_at),
    }


def delivery_to_api(delivery: WebhookDelivery, attempts: list[WebhookAttempt]) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "webhook_id": delivery.endpoint_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempt_count": delivery.attempt_count,
        "next_attempt_at": (
            _optional_time(delivery.next_attempt_at) if delivery.status == "pending" else None
        ),
        "created_at": format_datetime(delivery.created_at),
        "attempts": [attempt_to_api(a) for a in attempts],
    }


def rotated_secret_to_api(
    webhook_id: str, secret: str, previous_secret_expires_at: datetime
) -> dict[str, Any]:
    return {
        "webhook_id": webhook_id,
        "secret": secret,
        "previous_secret_expires_at": format_datetime(previous_secret_expires_at),
    }
