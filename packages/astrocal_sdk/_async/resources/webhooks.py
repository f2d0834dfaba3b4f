"""``client.webhooks``: endpoints, secret rotation, test events, and their deliveries."""

from __future__ import annotations

from collections.abc import Sequence

from typing_extensions import Unpack

from astrocal_sdk._async.resource import AsyncAPIResource
from astrocal_sdk._raw import async_to_raw_response_wrapper
from astrocal_sdk._response import no_content
from astrocal_sdk._serialize import path_param, without_not_given
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.pagination import AsyncPaginator
from astrocal_sdk.types._generated.models import (
    Webhook,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEventType,
    WebhookRotation,
    WebhookWithSecret,
)

__all__ = [
    "AsyncDeliveries",
    "AsyncDeliveriesWithRawResponse",
    "AsyncWebhooks",
    "AsyncWebhooksWithRawResponse",
]


def _webhook_path(webhook_id: str, suffix: str = "") -> str:
    return f"/v1/webhooks/{path_param('webhook_id', webhook_id)}{suffix}"


def _delivery_path(webhook_id: str, delivery_id: str, suffix: str = "") -> str:
    delivery = path_param("delivery_id", delivery_id)
    return _webhook_path(webhook_id, f"/deliveries/{delivery}{suffix}")


class AsyncDeliveries(AsyncAPIResource):
    def list(
        self,
        webhook_id: str,
        *,
        status: WebhookDeliveryStatus | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[WebhookDelivery]:
        """Deliveries of an endpoint, newest first, each with its attempts."""
        params = {"status": status, "limit": limit, "cursor": cursor}
        return self._list(
            _webhook_path(webhook_id, "/deliveries"),
            item=WebhookDelivery,
            params=params,
            options=options,
        )

    async def retrieve(
        self, webhook_id: str, delivery_id: str, **options: Unpack[RequestOptions]
    ) -> WebhookDelivery:
        return await self._get(
            _delivery_path(webhook_id, delivery_id), cast_to=WebhookDelivery, options=options
        )

    async def retry(
        self, webhook_id: str, delivery_id: str, **options: Unpack[RequestOptions]
    ) -> WebhookDelivery:
        """Attempt a delivery again now."""
        return await self._post(
            _delivery_path(webhook_id, delivery_id, "/retry"),
            cast_to=WebhookDelivery,
            options=options,
        )


class AsyncWebhooks(AsyncAPIResource):
    @property
    def deliveries(self) -> AsyncDeliveries:
        return AsyncDeliveries(self._client)

    async def create(
        self,
        *,
        url: str,
        events: Sequence[WebhookEventType],
        description: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> WebhookWithSecret:
        """A new endpoint; its signing ``secret`` is shown only in this response."""
        body = without_not_given({"url": url, "events": events, "description": description})
        return await self._post(
            "/v1/webhooks", cast_to=WebhookWithSecret, body=body, options=options
        )

    def list(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[Webhook]:
        params = {"limit": limit, "cursor": cursor}
        return self._list("/v1/webhooks", item=Webhook, params=params, options=options)

    async def retrieve(self, webhook_id: str, **options: Unpack[RequestOptions]) -> Webhook:
        return await self._get(_webhook_path(webhook_id), cast_to=Webhook, options=options)

    async def update(
        self,
        webhook_id: str,
        *,
        url: str | NotGiven = NOT_GIVEN,
        events: Sequence[WebhookEventType] | NotGiven = NOT_GIVEN,
        description: str | NotGiven = NOT_GIVEN,
        enabled: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Webhook:
        body = without_not_given(
            {"url": url, "events": events, "description": description, "enabled": enabled}
        )
        return await self._patch(
            _webhook_path(webhook_id), cast_to=Webhook, body=body, options=options
        )

    async def delete(self, webhook_id: str, **options: Unpack[RequestOptions]) -> None:
        return no_content(
            await self._delete(_webhook_path(webhook_id), cast_to=None, options=options)
        )

    async def rotate_secret(
        self, webhook_id: str, **options: Unpack[RequestOptions]
    ) -> WebhookRotation:
        """A new secret; the old one keeps signing alongside it for 24 hours."""
        return await self._post(
            _webhook_path(webhook_id, "/rotate_secret"), cast_to=WebhookRotation, options=options
        )

    async def test(self, webhook_id: str, **options: Unpack[RequestOptions]) -> WebhookDelivery:
        """Send a ``webhook.test`` event to the endpoint."""
        return await self._post(
            _webhook_path(webhook_id, "/test"), cast_to=WebhookDelivery, options=options
        )


class AsyncDeliveriesWithRawResponse:
    def __init__(self, deliveries: AsyncDeliveries) -> None:
        self.list = async_to_raw_response_wrapper(deliveries.list)
        self.retrieve = async_to_raw_response_wrapper(deliveries.retrieve)
        self.retry = async_to_raw_response_wrapper(deliveries.retry)


class AsyncWebhooksWithRawResponse:
    def __init__(self, webhooks: AsyncWebhooks) -> None:
        self.deliveries = AsyncDeliveriesWithRawResponse(webhooks.deliveries)
        self.create = async_to_raw_response_wrapper(webhooks.create)
        self.list = async_to_raw_response_wrapper(webhooks.list)
        self.retrieve = async_to_raw_response_wrapper(webhooks.retrieve)
        self.update = async_to_raw_response_wrapper(webhooks.update)
        self.delete = async_to_raw_response_wrapper(webhooks.delete)
        self.rotate_secret = async_to_raw_response_wrapper(webhooks.rotate_secret)
        self.test = async_to_raw_response_wrapper(webhooks.test)
