"""What both clients share: settings, headers, idempotency keys, when to retry, how to read a page.

The I/O — sending, sleeping between attempts — is in ``astrocal_sdk/_async/client.py``
(``AsyncAstrocal``) and its twin ``astrocal_sdk/_sync/client.py`` (``Astrocal``, derived from it by
scripts/unasync.py); everything else a call needs is here, written once.
"""

from __future__ import annotations

import json
import platform
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar, cast

import httpx

from astrocal_sdk._config import resolve_api_key, resolve_base_url
from astrocal_sdk._endpoint import M, Request, Transport
from astrocal_sdk._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    make_status_error,
)
from astrocal_sdk._models import parse_lenient
from astrocal_sdk._retry import retry_delay, should_retry_response
from astrocal_sdk._serialize import to_json, to_query
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions, Timeout
from astrocal_sdk._version import __version__
from astrocal_sdk.resources._root import Resources

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "RAW_RESPONSE_HEADER",
    "Attempts",
    "BaseClient",
    "Prepared",
    "json_parser",
    "next_page",
    "page_fields",
    "strip_raw",
]

T = TypeVar("T")
H = TypeVar("H", httpx.Client, httpx.AsyncClient)

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
# Set by the with_raw_response wrappers and removed before sending: marks a call whose caller
# wants the APIResponse rather than the parsed object.
RAW_RESPONSE_HEADER = "X-Astrocal-Raw-Response"


@dataclass(frozen=True)
class Prepared:
    method: str
    url: str
    params: dict[str, str]
    headers: dict[str, str]
    content: bytes | None
    timeout: Timeout
    max_retries: int
    raw: bool

    def build(self, http: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        return http.build_request(
            self.method, self.url, params=self.params, headers=self.headers,
            content=self.content, timeout=self.timeout,
        )  # fmt: skip


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


def json_parser(cast_to: Any) -> Callable[[httpx.Response], Any]:
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


class Attempts:
    """The retry budget of one call: after each failed attempt, how long to wait, or the error.

    Transport errors and 408, 429, 5xx and 409 ``idempotency_key_in_use`` answers are retried
    ``max_retries`` times (a POST keeps its Idempotency-Key, so a retry cannot book twice).
    """

    def __init__(self, max_retries: int) -> None:
        self.max_retries = max_retries
        self.taken = 0

    def after_error(self, request: httpx.Request, exc: httpx.TransportError) -> float:
        """The wait before the next attempt; raises once the budget is spent."""
        if self.taken >= self.max_retries:
            if isinstance(exc, httpx.TimeoutException):
                raise APITimeoutError(request) from exc
            raise APIConnectionError(request, message=f"Connection error: {exc}") from exc
        return self._next(None)

    def after_response(self, response: httpx.Response) -> float | None:
        """``None`` for a success; else the wait before the next attempt, or the status error."""
        if response.is_success:
            return None
        if self.taken < self.max_retries and should_retry_response(response):
            return self._next(response)
        raise make_status_error(response)

    def _next(self, response: httpx.Response | None) -> float:
        delay = retry_delay(self.taken, response.headers if response is not None else None)
        self.taken += 1
        return delay


def page_fields(response: httpx.Response, item: Any) -> dict[str, Any]:
    """``data`` (parsed as ``list[item]``), ``has_more`` and ``next_cursor`` of a list answer."""
    body = json_parser(dict[str, Any])(response)
    return {
        "data": parse_lenient(list[item], body.get("data") or []),
        "has_more": bool(body.get("has_more")),
        "next_cursor": body.get("next_cursor"),
    }


def next_page(request: Request, cursor: str) -> Request:
    """The request for the page after ``request``'s: the same query from ``cursor``, and a plain
    (not raw) answer, since only the first page of a raw call is returned raw."""
    options, _ = strip_raw(request.options)
    return request._replace(params={**request.params, "cursor": cursor}, options=options)


class BaseClient(Resources[M], Generic[H, M]):
    """Settings and request preparation; ``H`` is the httpx client, ``M`` the resources' mode."""

    api_key: str
    base_url: str
    timeout: Timeout
    max_retries: int
    default_headers: dict[str, str]
    _http: H
    _owns_http_client: bool
    _sleep: Callable[[float], Any]

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: H | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self.api_key = resolve_api_key(api_key)
        self.base_url = resolve_base_url(base_url).rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.default_headers = dict(default_headers or {})
        self._owns_http_client = http_client is None
        self._open(http_client)
        # The subclasses (AsyncAstrocal, Astrocal) are the Transport: they define the I/O.
        self._attach_resources(cast(Transport, self), raw=False)

    def _open(self, http_client: H | None) -> None:
        """Set ``_http`` (``http_client``, else a new pool this client owns) and ``_sleep``."""
        raise NotImplementedError

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> Self:
        """A copy with some settings changed, sharing this client's connection pool."""
        copy = type(self)(
            api_key=api_key or self.api_key,
            base_url=base_url or self.base_url,
            timeout=self.timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=self.max_retries if max_retries is None else max_retries,
            default_headers={**self.default_headers, **(default_headers or {})},
            http_client=self._http,
        )
        copy._sleep = self._sleep
        return copy

    copy = with_options

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "application/json",
            "User-Agent": f"astrocal-python/{__version__} (Python {platform.python_version()})",
            **self.default_headers,
        }

    def _prepare(self, request: Request) -> Prepared:
        options, raw = strip_raw(request.options)
        headers = self._headers()
        content: bytes | None = None
        if not isinstance(request.body, NotGiven):
            content = json.dumps(to_json(request.body), separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        if request.method == "POST":
            # Generated once per call, so every retry of this call carries the same key.
            headers["Idempotency-Key"] = (
                options.get("idempotency_key") or f"astrocal-{uuid.uuid4()}"
            )
        elif "idempotency_key" in options:
            headers["Idempotency-Key"] = options["idempotency_key"]
        headers.update(options.get("extra_headers") or {})
        query = to_query(request.params)
        query.update(options.get("extra_query") or {})
        return Prepared(
            method=request.method,
            url=self.base_url + request.path,
            params=query,
            headers=headers,
            content=content,
            timeout=options.get("timeout", self.timeout),
            max_retries=options.get("max_retries", self.max_retries),
            raw=raw,
        )
