"""``client.webhooks``: endpoints, secret rotation, test events, and their deliveries.

Written once in ``astrocal_sdk/_async/resources/webhooks.py``; the sync classes are derived from it.
"""

from __future__ import annotations

from astrocal_sdk._async.resources.webhooks import (
    AsyncDeliveries,
    AsyncDeliveriesWithRawResponse,
    AsyncWebhooks,
    AsyncWebhooksWithRawResponse,
)
from astrocal_sdk._sync.resources.webhooks import (
    Deliveries,
    DeliveriesWithRawResponse,
    Webhooks,
    WebhooksWithRawResponse,
)

__all__ = [
    "AsyncDeliveries",
    "AsyncDeliveriesWithRawResponse",
    "AsyncWebhooks",
    "AsyncWebhooksWithRawResponse",
    "Deliveries",
    "DeliveriesWithRawResponse",
    "Webhooks",
    "WebhooksWithRawResponse",
]
