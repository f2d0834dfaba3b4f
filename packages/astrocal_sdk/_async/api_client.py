"""The transport: sends a prepared request with retries and parses the answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast

import httpx

from astrocal_sdk._async.page import AsyncPage
from astrocal_sdk._base_client import BaseClient, Prepared, json_parser, strip_raw
from astrocal_sdk._exceptions import APIConnectionError, APITimeoutError, make_status_error
from astrocal_sdk._models import parse_lenient
from astrocal_sdk._response import APIResponse
from astrocal_sdk._retry import should_retry_response
from astrocal_sdk._types import NOT_GIVEN, RequestOptions, Timeout

__all__ = ["AsyncAPIClient"]

T = TypeVar("T")


class AsyncAPIClient(BaseClient):
    """Sends requests with an ``httpx.AsyncClient``; resources call :meth:`request`."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout: Timeout,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
        http_client: httpx.AsyncClient | None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
        )
        self._owns_http_client = http_client is None
        self._http = (
            http_client if http_client is not None else httpx.AsyncClient(follow_redirects=False)
        )
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def close(self) -> None:
        """Close the connection pool (only if this client created it)."""
        if self._owns_http_client:
            await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: Any,
        params: Mapping[str, Any] | None = None,
        body: object = NOT_GIVEN,
        options: RequestOptions,
        parse: Callable[[httpx.Response], Any] | None = None,
    ) -> Any:
        prepared = self._prepare(method, path, params=params, body=body, options=options)
        parser = parse or json_parser(cast_to)
        response, retries_taken = await self._send(prepared)
        api_response: APIResponse[Any] = APIResponse(
            response, lambda: parser(response), retries_taken=retries_taken
        )
        return api_response if prepared.raw else api_response.parse()

    async def _send(self, prepared: Prepared) -> tuple[httpx.Response, int]:
        retries_taken = 0
        while True:
            request = self._http.build_request(
                prepared.method,
                prepared.url,
                params=prepared.params,
                headers=prepared.headers,
                content=prepared.content,
                timeout=prepared.timeout,
            )
            retries_left = prepared.max_retries - retries_taken
            try:
                response = await self._http.send(request)
            except httpx.TimeoutException as exc:
                if retries_left > 0:
                    await self._sleep(self._retry_delay(retries_taken, None))
                    retries_taken += 1
                    continue
                raise APITimeoutError(request) from exc
            except httpx.TransportError as exc:
                if retries_left > 0:
                    await self._sleep(self._retry_delay(retries_taken, None))
                    retries_taken += 1
                    continue
                raise APIConnectionError(request, message=f"Connection error: {exc}") from exc
            if response.is_success:
                return response, retries_taken
            if retries_left > 0 and should_retry_response(response):
                delay = self._retry_delay(retries_taken, response)
                await response.aclose()
                await self._sleep(delay)
                retries_taken += 1
                continue
            raise make_status_error(response)

    async def get_page(
        self,
        path: str,
        item: type[T] | Any,
        *,
        params: Mapping[str, Any],
        options: RequestOptions,
    ) -> AsyncPage[T]:
        """The first page of a list; its iteration fetches the next pages with the same query."""
        later_options, _ = strip_raw(options)

        async def fetch(cursor: str | None, opts: RequestOptions) -> AsyncPage[T]:
            query = dict(params)
            if cursor is not None:
                query["cursor"] = cursor

            def parse(response: httpx.Response) -> AsyncPage[T]:
                body = json_parser(dict[str, Any])(response)
                return AsyncPage(
                    data=parse_lenient(list[item], body.get("data") or []),  # type: ignore[valid-type]
                    has_more=bool(body.get("has_more")),
                    next_cursor=body.get("next_cursor"),
                    fetch=lambda c: fetch(c, later_options),
                )

            return cast(
                AsyncPage[T],
                await self.request(
                    "GET", path, cast_to=None, params=query, options=opts, parse=parse
                ),
            )

        return await fetch(None, options)
