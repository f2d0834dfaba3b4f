"""``client.webhooks``: endpoints, secret rotation, test events, and their deliveries."""

from __future__ import annotations

from functools import cached_property

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, M, Paginated
from astrocal_sdk._types import RequestOptions
from astrocal_sdk.resources._resource import Collection
from astrocal_sdk.types._generated import params
from astrocal_sdk.types._generated.models import (
    Webhook,
    WebhookDelivery,
    WebhookRotation,
    WebhookWithSecret,
)

__all__ = ["DeliveriesAPI", "WebhooksAPI"]

_DELIVERY = "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}"


class DeliveriesAPI(APIResource[M]):
    @route.get_list("/v1/webhooks/{webhook_id}/deliveries", WebhookDelivery)
    def list(
        self, webhook_id: str, **kwargs: Unpack[params.WebhooksDeliveriesListParams]
    ) -> Paginated[WebhookDelivery]:
        """Deliveries of an endpoint, newest first, each with its attempts."""

    @route.get(_DELIVERY, WebhookDelivery)
    def retrieve(
        self, webhook_id: str, delivery_id: str, **options: Unpack[RequestOptions]
    ) -> WebhookDelivery:
        """One delivery with its attempts."""

    @route.post(_DELIVERY + "/retry", WebhookDelivery)
    def retry(
        self, webhook_id: str, delivery_id: str, **options: Unpack[RequestOptions]
    ) -> WebhookDelivery:
        """Attempt a delivery again now."""


class WebhooksAPI(Collection[M, Webhook], path="/v1/webhooks", item=Webhook):
    @cached_property
    def deliveries(self) -> DeliveriesAPI[M]:
        return DeliveriesAPI(self._client, raw=self._raw)

    @route.post("/v1/webhooks", WebhookWithSecret)
    def create(self, **kwargs: Unpack[params.WebhooksCreateParams]) -> WebhookWithSecret:
        """A new endpoint; its signing ``secret`` is shown only in this response."""

    @route.get("/v1/webhooks/{webhook_id}", Webhook)
    def retrieve(self, webhook_id: str, **options: Unpack[RequestOptions]) -> Webhook:
        """One endpoint (without its secret)."""

    @route.patch("/v1/webhooks/{webhook_id}", Webhook)
    def update(self, webhook_id: str, **kwargs: Unpack[params.WebhooksUpdateParams]) -> Webhook:
        """Change the URL, events, description, or whether it is enabled."""

    @route.delete("/v1/webhooks/{webhook_id}")
    def delete(self, webhook_id: str, **options: Unpack[RequestOptions]) -> None:
        """Delete the endpoint."""

    @route.post("/v1/webhooks/{webhook_id}/rotate_secret", WebhookRotation)
    def rotate_secret(self, webhook_id: str, **options: Unpack[RequestOptions]) -> WebhookRotation:
        """A new secret; the old one keeps signing alongside it for 24 hours."""

    @route.post("/v1/webhooks/{webhook_id}/test", WebhookDelivery)
    def test(self, webhook_id: str, **options: Unpack[RequestOptions]) -> WebhookDelivery:
        """Send a ``webhook.test`` event to the endpoint."""
