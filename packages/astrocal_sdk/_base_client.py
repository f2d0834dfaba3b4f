"""The HTTP core shared by every resource: headers, retries, error mapping, response parsing."""

from __future__ import annotations

import asyncio
import json
import platform
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import httpx

from astrocal_sdk._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    make_status_error,
)
from astrocal_sdk._models import parse_lenient
from astrocal_sdk._response import APIResponse
from astrocal_sdk._retry import retry_delay, should_retry_response
from astrocal_sdk._serialize import to_json, to_query
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions, Timeout
from astrocal_sdk._version import __version__
from astrocal_sdk.pagination import AsyncPage, SyncPage

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "RAW_RESPONSE_HEADER",
    "AsyncAPIClient",
    "SyncAPIClient",
]

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
# Set by the with_raw_response wrappers and removed before sending: marks a call whose caller
# wants the APIResponse rather than the parsed object.
RAW_RESPONSE_HEADER = "X-Astrocal-Raw-Response"


@dataclass(frozen=True)
class _Prepared:
    method: str
    url: str
    params: dict[str, str]
    headers: dict[str, str]
    content: bytes | None
    timeout: Timeout
    max_retries: int
    raw: bool


def strip_raw(options: RequestOptions) -> tuple[RequestOptions, bool]:
    """``options`` without the raw-response marker, and whether it was there."""
    headers = dict(options.get("extra_headers") or {})
    raw = any(k.lower() == RAW_RESPONSE_HEADER.lower() for k in headers)
    if not raw:
        return options, False
    clean = dict(options)
    clean["extra_headers"] = {
        k: v for k, v in headers.items() if k.lower() != RAW_RESPONSE_HEADER.lower()
    }
    return cast(RequestOptions, clean), True


def _json_parser(cast_to: Any) -> Callable[[httpx.Response], Any]:
    def parse(response: httpx.Response) -> Any:
        if cast_to is None or response.status_code == 204:
            return None
        try:
            data = response.json()
        except ValueError as exc:
            raise APIResponseValidationError(
                response,
                message=f"Expected JSON from {response.request.url}, got: {response.text[:200]!r}",
            ) from exc
        return parse_lenient(cast_to, data)

    return parse


class _BaseClient:
    api_key: str
    base_url: str
    timeout: Timeout
    max_retries: int
    default_headers: dict[str, str]

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout: Timeout,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.default_headers = dict(default_headers or {})

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "application/json",
            "User-Agent": f"astrocal-python/{__version__} (Python {platform.python_version()})",
            **self.default_headers,
        }

    def _prepare(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        body: object,
        options: RequestOptions,
    ) -> _Prepared:
        options, raw = strip_raw(options)
        headers = self._headers()
        content: bytes | None = None
        if not isinstance(body, NotGiven):
            content = json.dumps(to_json(body), separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        if method == "POST":
            # Generated once per call, so every retry of this call carries the same key.
            headers["Idempotency-Key"] = (
                options.get("idempotency_key") or f"astrocal-{uuid.uuid4()}"
            )
        elif "idempotency_key" in options:
            headers["Idempotency-Key"] = options["idempotency_key"]
        headers.update(options.get("extra_headers") or {})
        query = to_query(params or {})
        query.update(options.get("extra_query") or {})
        return _Prepared(
            method=method,
            url=self.base_url + path,
            params=query,
            headers=headers,
            content=content,
            timeout=options.get("timeout", self.timeout),
            max_retries=options.get("max_retries", self.max_retries),
            raw=raw,
        )

    @staticmethod
    def _retry_delay(retries_taken: int, response: httpx.Response | None) -> float:
        return retry_delay(retries_taken, response.headers if response is not None else None)


class SyncAPIClient(_BaseClient):
    """Sends requests with an ``httpx.Client``; resources call :meth:`request`."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout: Timeout,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
        http_client: httpx.Client | None,
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
            http_client if http_client is not None else httpx.Client(follow_redirects=False)
        )
        self._sleep: Callable[[float], None] = time.sleep

    def close(self) -> None:
        """Close the connection pool (only if this client created it)."""
        if self._owns_http_client:
            self._http.close()

    def request(
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
        parser = parse or _json_parser(cast_to)
        response, retries_taken = self._send(prepared)
        api_response: APIResponse[Any] = APIResponse(
            response, lambda: parser(response), retries_taken=retries_taken
        )
        return api_response if prepared.raw else api_response.parse()

    def _send(self, prepared: _Prepared) -> tuple[httpx.Response, int]:
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
                response = self._http.send(request)
            except httpx.TimeoutException as exc:
                if retries_left > 0:
                    self._sleep(self._retry_delay(retries_taken, None))
                    retries_taken += 1
                    continue
                raise APITimeoutError(request) from exc
            except httpx.TransportError as exc:
                if retries_left > 0:
                    self._sleep(self._retry_delay(retries_taken, None))
                    retries_taken += 1
                    continue
                raise APIConnectionError(request, message=f"Connection error: {exc}") from exc
            if response.is_success:
                return response, retries_taken
            if retries_left > 0 and should_retry_response(response):
                delay = self._retry_delay(retries_taken, response)
                response.close()
                self._sleep(delay)
                retries_taken += 1
                continue
            raise make_status_error(response)

    def get_page(
        self,
        path: str,
        item: type[T] | Any,
        *,
        params: Mapping[str, Any],
        options: RequestOptions,
    ) -> SyncPage[T]:
        """The first page of a list; its iteration fetches the next pages with the same query."""
        later_options, _ = strip_raw(options)

        def fetch(cursor: str | None, opts: RequestOptions) -> SyncPage[T]:
            query = dict(params)
            if cursor is not None:
                query["cursor"] = cursor

            def parse(response: httpx.Response) -> SyncPage[T]:
                body = _json_parser(dict[str, Any])(response)
                return SyncPage(
                    data=parse_lenient(list[item], body.get("data") or []),  # type: ignore[valid-type]
                    has_more=bool(body.get("has_more")),
                    next_cursor=body.get("next_cursor"),
                    fetch=lambda c: fetch(c, later_options),
                )

            return cast(
                SyncPage[T],
                self.request("GET", path, cast_to=None, params=query, options=opts, parse=parse),
            )

        return fetch(None, options)


class AsyncAPIClient(_BaseClient):
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
        parser = parse or _json_parser(cast_to)
        response, retries_taken = await self._send(prepared)
        api_response: APIResponse[Any] = APIResponse(
            response, lambda: parser(response), retries_taken=retries_taken
        )
        return api_response if prepared.raw else api_response.parse()

    async def _send(self, prepared: _Prepared) -> tuple[httpx.Response, int]:
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
                body = _json_parser(dict[str, Any])(response)
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
