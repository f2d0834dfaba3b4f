"""Base classes for resources: thin helpers over the client's ``request``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import quote

from astrocal_sdk._types import NOT_GIVEN, RequestOptions
from astrocal_sdk.pagination import AsyncPaginator, SyncPage

if TYPE_CHECKING:
    from astrocal_sdk._base_client import AsyncAPIClient, SyncAPIClient

__all__ = ["AsyncAPIResource", "SyncAPIResource", "no_content", "path_param"]

T = TypeVar("T")


def no_content(result: object) -> None:
    """A 204 answer is ``None``; under ``with_raw_response`` the :class:`APIResponse` passes through."""
    return cast(None, result)


def path_param(name: str, value: str) -> str:
    """``value`` quoted for a URL path; an empty id would silently address the list instead."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return quote(value, safe="")


class SyncAPIResource:
    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client

    def _get(
        self, path: str, *, cast_to: type[T], params: Mapping[str, Any] | None = None,
        options: RequestOptions,
    ) -> T:  # fmt: skip
        return cast(
            T, self._client.request("GET", path, cast_to=cast_to, params=params, options=options)
        )

    def _post(
        self, path: str, *, cast_to: type[T], body: object = NOT_GIVEN, options: RequestOptions
    ) -> T:
        return cast(
            T, self._client.request("POST", path, cast_to=cast_to, body=body, options=options)
        )

    def _patch(self, path: str, *, cast_to: type[T], body: object, options: RequestOptions) -> T:
        return cast(
            T, self._client.request("PATCH", path, cast_to=cast_to, body=body, options=options)
        )

    def _delete(
        self, path: str, *, cast_to: type[T] | None, params: Mapping[str, Any] | None = None,
        body: object = NOT_GIVEN, options: RequestOptions,
    ) -> T:  # fmt: skip
        return cast(
            T,
            self._client.request(
                "DELETE", path, cast_to=cast_to, params=params, body=body, options=options
            ),
        )

    def _list(
        self, path: str, *, item: type[T], params: Mapping[str, Any], options: RequestOptions
    ) -> SyncPage[T]:
        return self._client.get_page(path, item, params=params, options=options)


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

        def first() -> Any:
            return client.get_page(path, item, params=params, options=options)

        return AsyncPaginator[T](cast("Any", first))
