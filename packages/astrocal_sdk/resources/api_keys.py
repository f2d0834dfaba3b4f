"""``client.api_keys``: create (the secret is returned once), list, revoke."""

from __future__ import annotations

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, Async, AsyncRaw, M, Paginated, Sync, SyncRaw
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.types._generated.models import ApiKey, ApiKeyMode, ApiKeyWithSecret

__all__ = [
    "ApiKeys",
    "ApiKeysAPI",
    "ApiKeysWithRawResponse",
    "AsyncApiKeys",
    "AsyncApiKeysWithRawResponse",
]


class ApiKeysAPI(APIResource[M]):
    @route.post("/v1/api_keys", ApiKeyWithSecret)
    def create(
        self, *, name: str, mode: ApiKeyMode, **options: Unpack[RequestOptions]
    ) -> ApiKeyWithSecret:
        """A new key; its ``secret`` is shown only in this response."""

    @route.get_list("/v1/api_keys", ApiKey)
    def list(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Paginated[ApiKey]:
        """The account's keys (without their secrets)."""

    @route.delete("/v1/api_keys/{api_key_id}", ApiKey)
    def revoke(self, api_key_id: str, **options: Unpack[RequestOptions]) -> ApiKey:
        """Revoke a key (idempotent); requests with it fail with 401 ``api_key_revoked``."""


ApiKeys = ApiKeysAPI[Sync]
AsyncApiKeys = ApiKeysAPI[Async]
ApiKeysWithRawResponse = ApiKeysAPI[SyncRaw]
AsyncApiKeysWithRawResponse = ApiKeysAPI[AsyncRaw]
