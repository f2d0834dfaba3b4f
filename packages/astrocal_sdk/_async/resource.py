"""The base of every resource class: thin helpers over the client's ``request``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from astrocal_sdk._types import NOT_GIVEN, RequestOptions
from astrocal_sdk.pagination import AsyncPaginator, async_paginate

if TYPE_CHECKING:
    from astrocal_sdk._async.api_client import AsyncAPIClient

__all__ = ["AsyncAPIResource"]

T = TypeVar("T")


class AsyncAPIResource:
    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    async def _get(
        self, path: str, *, cast_to: type[T], params: Mapping[str, Any] | None = None,
        options: RequestOptions,
    ) -> T:  # fmt: skip
        return cast(
            T,
            await self._client.request(
                "GET", path, cast_to=cast_to, params=params, options=options
            ),
        )

    async def _post(
        self, path: str, *, cast_to: type[T], body: object = NOT_GIVEN, options: RequestOptions
    ) -> T:
        return cast(
            T, await self._client.request("POST", path, cast_to=cast_to, body=body, options=options)
        )

    async def _patch(
        self, path: str, *, cast_to: type[T], body: object, options: RequestOptions
    ) -> T:
        return cast(
            T,
            await self._client.request("PATCH", path, cast_to=cast_to, body=body, options=options),
        )

    async def _delete(
        self, path: str, *, cast_to: type[T] | None, params: Mapping[str, Any] | None = None,
        body: object = NOT_GIVEN, options: RequestOptions,
    ) -> T:  # fmt: skip
        return cast(
            T,
            await self._client.request(
                "DELETE", path, cast_to=cast_to, params=params, body=body, options=options
            ),
        )

    def _list(
        self, path: str, *, item: type[T], params: Mapping[str, Any], options: RequestOptions
    ) -> AsyncPaginator[T]:
        client = self._client
        return async_paginate(lambda: client.get_page(path, item, params=params, options=options))
