"""``client.api_keys``: create (the secret is returned once), list, revoke."""

from __future__ import annotations

from typing_extensions import Unpack

from astrocal_sdk._async.resource import AsyncAPIResource
from astrocal_sdk._raw import async_to_raw_response_wrapper
from astrocal_sdk._serialize import path_param
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.pagination import AsyncPaginator
from astrocal_sdk.types._generated.models import ApiKey, ApiKeyMode, ApiKeyWithSecret

__all__ = ["AsyncApiKeys", "AsyncApiKeysWithRawResponse"]


def _key_path(api_key_id: str) -> str:
    return f"/v1/api_keys/{path_param('api_key_id', api_key_id)}"


class AsyncApiKeys(AsyncAPIResource):
    async def create(
        self, *, name: str, mode: ApiKeyMode, **options: Unpack[RequestOptions]
    ) -> ApiKeyWithSecret:
        """A new key; its ``secret`` is shown only in this response."""
        body = {"name": name, "mode": mode}
        return await self._post(
            "/v1/api_keys", cast_to=ApiKeyWithSecret, body=body, options=options
        )

    def list(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[ApiKey]:
        params = {"limit": limit, "cursor": cursor}
        return self._list("/v1/api_keys", item=ApiKey, params=params, options=options)

    async def revoke(self, api_key_id: str, **options: Unpack[RequestOptions]) -> ApiKey:
        """Revoke a key (idempotent); requests with it fail with 401 ``api_key_revoked``."""
        return await self._delete(_key_path(api_key_id), cast_to=ApiKey, options=options)


class AsyncApiKeysWithRawResponse:
    def __init__(self, api_keys: AsyncApiKeys) -> None:
        self.create = async_to_raw_response_wrapper(api_keys.create)
        self.list = async_to_raw_response_wrapper(api_keys.list)
        self.revoke = async_to_raw_response_wrapper(api_keys.revoke)
