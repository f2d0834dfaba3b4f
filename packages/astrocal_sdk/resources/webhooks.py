"""``client.webhooks``: endpoints, secret rotation, test events, and their deliveries."""

from __future__ import annotations

from collections.abc import Sequence

from typing_extensions import Unpack

from astrocal_sdk._raw import async_to_raw_response_wrapper, to_raw_response_wrapper
from astrocal_sdk._serialize import without_not_given
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.pagination import AsyncPaginator, SyncPage
from astrocal_sdk.resources._resource import (
    AsyncAPIResource,
    SyncAPIResource,
    no_content,
    path_param,
)
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
    "Deliveries",
    "DeliveriesWithRawResponse",
    "Webhooks",
    "WebhooksWithRawResponse",
]


def _webhook_path(webhook_id: str, suffix: str = "") -> str:
    return f"/v1/webhooks/{path_param('webhook_id', webhook_id)}{suffix}"


def _delivery_path(webhook_id: str, delivery_id: str, suffix: str = "") -> str:
    delivery = path_param("delivery_id", delivery_id)
    return _webhook_path(webhook_id, f"/deliveries/{delivery}{suffix}")


class Deliveries(SyncAPIResource):
    def list(
        self,
        webhook_id: str,
        *,
        status: WebhookDeliveryStatus | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> SyncPage[WebhookDelivery]:
        """Deliveries of an endpoint, newest first, each with its attempts."""
        params = {"status": status, "limit": limit, "cursor": cursor}
        return self._list(
            _webhook_path(webhook_id, "/deliveries"),
            item=WebhookDelivery,
            params=params,
            options=options,
        )

    def retrieve(
        self, webhook_id: str, delivery_id: str, **options: Unpack[RequestOptions]
    ) -> WebhookDelivery:
        return self._get(
            _delivery_path(webhook_id, delivery_id), cast_to=WebhookDelivery, options=options
        )

    def retry(
        self, webhook_id: str, delivery_id: str, **options: Unpack[RequestOptions]
    ) -> WebhookDelivery:
        """Attempt a delivery again now."""
        return self._post(
            _delivery_path(webhook_id, delivery_id, "/retry"),
            cast_to=WebhookDelivery,
            options=options,
        )


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


class Webhooks(SyncAPIResource):
    @property
    def deliveries(self) -> Deliveries:
        return Deliveries(self._client)

    def create(
        self,
        *,
        url: str,
        events: Sequence[WebhookEventType],
        description: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> WebhookWithSecret:
        """A new endpoint; its signing ``secret`` is shown only in this response."""
        body = without_not_given({"url": url, "events": events, "description": description})
        return self._post("/v1/webhooks", cast_to=WebhookWithSecret, body=body, options=options)

    def list(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> SyncPage[Webhook]:
        params = {"limit": limit, "cursor": cursor}
        return self._list("/v1/webhooks", item=Webhook, params=params, options=options)

    def retrieve(self, webhook_id: str, **options: Unpack[RequestOptions]) -> Webhook:
        return self._get(_webhook_path(webhook_id), cast_to=Webhook, options=options)

    def update(
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
        return self._patch(_webhook_path(webhook_id), cast_to=Webhook, body=body, options=options)

    def delete(self, webhook_id: str, **options: Unpack[RequestOptions]) -> None:
        return no_content(self._delete(_webhook_path(webhook_id), cast_to=None, options=options))

    def rotate_secret(self, webhook_id: str, **options: Unpack[RequestOptions]) -> WebhookRotation:
        """A new secret; the old one keeps signing alongside it for 24 hours."""
        return self._post(
            _webhook_path(webhook_id, "/rotate_secret"), cast_to=WebhookRotation, options=options
        )

    def test(self, webhook_id: str, **options: Unpack[RequestOptions]) -> WebhookDelivery:
        """Send a ``webhook.test`` event to the endpoint."""
        return self._post(
            _webhook_path(webhook_id, "/test"), cast_to=WebhookDelivery, options=options
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
        return await self._delete(_webhook_path(webhook_id), cast_to=None, options=options)

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


class DeliveriesWithRawResponse:
    def __init__(self, deliveries: Deliveries) -> None:
        self.list = to_raw_response_wrapper(deliveries.list)
        self.retrieve = to_raw_response_wrapper(deliveries.retrieve)
        self.retry = to_raw_response_wrapper(deliveries.retry)


class AsyncDeliveriesWithRawResponse:
    def __init__(self, deliveries: AsyncDeliveries) -> None:
        self.list = async_to_raw_response_wrapper(deliveries.list)
        self.retrieve = async_to_raw_response_wrapper(deliveries.retrieve)
        self.retry = async_to_raw_response_wrapper(deliveries.retry)


class WebhooksWithRawResponse:
    def __init__(self, webhooks: Webhooks) -> None:
        self.deliveries = DeliveriesWithRawResponse(webhooks.deliveries)
        self.create = to_raw_response_wrapper(webhooks.create)
        self.list = to_raw_response_wrapper(webhooks.list)
        self.retrieve = to_raw_response_wrapper(webhooks.retrieve)
        self.update = to_raw_response_wrapper(webhooks.update)
        self.delete = to_raw_response_wrapper(webhooks.delete)
        self.rotate_secret = to_raw_response_wrapper(webhooks.rotate_secret)
        self.test = to_raw_response_wrapper(webhooks.test)


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
