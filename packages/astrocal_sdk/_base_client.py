"""The HTTP core both clients share: headers, idempotency keys, retry delays, response parsing.

The transports that send requests are ``astrocal_sdk._async.api_client.AsyncAPIClient`` (written
by hand) and ``astrocal_sdk._sync.api_client.SyncAPIClient`` (derived from it by scripts/unasync.py).
"""

from __future__ import annotations

import json
import platform
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import httpx

from astrocal_sdk._exceptions import (
    APIResponseValidationError,
)
from astrocal_sdk._models import parse_lenient
from astrocal_sdk._retry import retry_delay
from astrocal_sdk._serialize import to_json, to_query
from astrocal_sdk._types import NotGiven, RequestOptions, Timeout
from astrocal_sdk._version import __version__

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "RAW_RESPONSE_HEADER",
    "BaseClient",
    "Prepared",
    "json_parser",
    "strip_raw",
]

T = TypeVar("T")

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


class BaseClient:
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
    ) -> Prepared:
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
        return Prepared(
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
