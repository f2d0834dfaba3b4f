"""``AsyncAstrocal``: the settings and resources it shares with ``Astrocal``, plus its I/O.

What a call sends, when it retries and how a page reads are decided in
``astrocal_sdk/_base_client.py``; only the sending, the waiting and the paging are here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import cached_property
from types import TracebackType
from typing import Any

import httpx

from astrocal_sdk._base_client import Attempts, BaseClient, json_parser, next_page, page_fields
from astrocal_sdk._endpoint import Async, AsyncRaw, Request
from astrocal_sdk._raw import async_to_raw_response_wrapper
from astrocal_sdk._response import APIResponse
from astrocal_sdk.pagination import AsyncPage, AsyncPaginator, async_paginate
from astrocal_sdk.resources._root import Resources

__all__ = ["AsyncAstrocal", "AsyncAstrocalWithRawResponse"]


class AsyncAstrocal(BaseClient[httpx.AsyncClient, Async]):
    """The client (``Astrocal`` and ``AsyncAstrocal`` offer the same methods).

    ``api_key`` defaults to ``ASTROCAL_API_KEY``; ``base_url`` to ``ASTROCAL_BASE_URL`` (or
    ``ASTROCAL_API_URL``), else ``http://127.0.0.1:8000`` where ``astrocal serve`` listens.
    """

    list_type = AsyncPaginator
    raw = staticmethod(async_to_raw_response_wrapper)

    def _open(self, http_client: httpx.AsyncClient | None) -> None:
        self._http = http_client or httpx.AsyncClient(follow_redirects=False)
        self._sleep = asyncio.sleep

    @cached_property
    def with_raw_response(self) -> AsyncAstrocalWithRawResponse:
        """The same methods, returning an ``APIResponse`` (headers, status, ``parse()``)."""
        return AsyncAstrocalWithRawResponse(self)

    async def call(
        self, request: Request, *, parse: Callable[[httpx.Response], Any] | None = None
    ) -> Any:
        """Send ``request`` (retrying as ``Attempts`` allows) and parse the answer."""
        prepared = self._prepare(request)
        parser = parse or json_parser(request.cast_to)
        response, retries_taken = await self._send(prepared.build(self._http), prepared.max_retries)
        answer: APIResponse[Any] = APIResponse(
            response, lambda: parser(response), retries_taken=retries_taken
        )
        return answer if prepared.raw else answer.parse()

    async def _send(self, request: httpx.Request, max_retries: int) -> tuple[httpx.Response, int]:
        attempts = Attempts(max_retries)
        while True:
            try:
                response = await self._http.send(request)
            except httpx.TransportError as exc:
                await self._sleep(attempts.after_error(request, exc))
                continue
            if (delay := attempts.after_response(response)) is None:
                return response, attempts.taken
            await response.aclose()
            await self._sleep(delay)

    def call_list(self, request: Request, item: Any) -> AsyncPaginator[Any]:
        return async_paginate(lambda: self._page(request, item))

    async def _page(self, request: Request, item: Any) -> AsyncPage[Any]:
        """The page ``request`` asks for; it fetches the next one with the same query."""

        def parse(response: httpx.Response) -> AsyncPage[Any]:
            fields = page_fields(response, item)
            return AsyncPage(**fields, fetch=lambda c: self._page(next_page(request, c), item))

        page: AsyncPage[Any] = await self.call(request, parse=parse)
        return page

    async def close(self) -> None:
        """Close the connection pool (only if this client created it)."""
        if self._owns_http_client:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncAstrocal:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class AsyncAstrocalWithRawResponse(Resources[AsyncRaw]):
    """``AsyncAstrocal``'s methods, each returning an ``APIResponse``."""

    def __init__(self, client: AsyncAstrocal) -> None:
        self._attach_resources(client, raw=True)
