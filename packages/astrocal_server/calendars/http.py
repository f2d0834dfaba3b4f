"""One HTTP path for every provider: timeouts, retries on throttling and transient failures.

Retried: 429 and 503 (waiting ``Retry-After`` when it is short enough, else a short backoff),
Google's 403 with ``reason: rateLimitExceeded|userRateLimitExceeded``, other 5xx, timeouts and network
errors. A wait longer than ``RetryPolicy.max_wait`` is not slept inline: :class:`RateLimited` carries
it to the caller (the outbox then retries the row after that delay). Every request made here is
idempotent on the provider side (Google event ids, Graph ``transactionId``, CalDAV ``If-None-Match``),
so retrying a POST never duplicates an event.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from astrocal_server.calendars.base import (
    AuthFailed,
    BusyPeriod,
    CalendarInfo,
    CalendarNotFound,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)

__all__ = [
    "BearerApi",
    "ResponseTooLarge",
    "RetryPolicy",
    "error_for",
    "make_client",
    "parse_retry_after",
    "send",
]

_GOOGLE_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


class ResponseTooLarge(ProviderError):
    """The answer is larger than the caller accepts; it was not read past the limit."""


@dataclass
class RetryPolicy:
    attempts: int = 3
    # Longest Retry-After honoured by waiting inline; beyond it the caller gets RateLimited.
    max_wait: float = 2.0
    backoff: float = 0.2
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def make_client(timeout_seconds: float, **kwargs: Any) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` with the provider timeout on every phase; never follows redirects
    (CalDAV discovery follows them itself, with a limit)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_seconds), follow_redirects=False, **kwargs
    )


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), or ``None``."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _google_reasons(response: httpx.Response) -> set[str]:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return set()
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return set()
    reasons = {str(e.get("reason")) for e in error.get("errors") or [] if isinstance(e, dict)}
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("reason"):
            reasons.add(str(detail["reason"]))
    return reasons


def is_throttled(response: httpx.Response) -> bool:
    if response.status_code in (429, 503):
        return True
    return response.status_code == 403 and bool(_google_reasons(response) & _GOOGLE_RATE_REASONS)


async def _capped(
    client: httpx.AsyncClient, method: str, url: str, max_bytes: int, provider: str, **kwargs: Any
) -> httpx.Response:
    """``client.request`` reading at most ``max_bytes`` of (decoded) body, streamed."""
    send_options = {k: kwargs.pop(k) for k in ("auth", "follow_redirects") if k in kwargs}
    request = client.build_request(method, url, **kwargs)
    response = await client.send(request, stream=True, **send_options)
    too_large = ResponseTooLarge(
        f"{provider} answered {method} {url} with more than {max_bytes // 1024} KiB; "
        "that is more than a calendar answer needs",
        status=response.status_code,
    )
    body = bytearray()
    try:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise too_large
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise too_large
    finally:
        await response.aclose()
    # The body is decoded already: its headers must not make httpx decode it again.
    headers = [
        (k, v)
        for k, v in response.headers.multi_items()
        if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=bytes(body),
        request=response.request,
        history=response.history,
        extensions=response.extensions,
    )


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    policy: RetryPolicy,
    provider: str,
    max_bytes: int | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send with retries; returns the final response (any status that is not a retried one).

    With ``max_bytes`` the body is streamed and an answer larger than that raises
    :class:`ResponseTooLarge` (not retried) without being read further.
    """
    last: ProviderUnavailable | None = None
    for attempt in range(policy.attempts):
        final = attempt == policy.attempts - 1
        try:
            if max_bytes is None:
                response = await client.request(method, url, **kwargs)
            else:
                response = await _capped(client, method, url, max_bytes, provider, **kwargs)
        except httpx.TimeoutException:
            last = ProviderUnavailable(f"{provider} did not answer in time")
        except httpx.TransportError as exc:
            last = ProviderUnavailable(f"could not reach {provider}: {type(exc).__name__}")
        else:
            if is_throttled(response):
                wait = parse_retry_after(response.headers.get("retry-after"), policy.now())
                last = RateLimited(
                    f"{provider} is throttling requests (HTTP {response.status_code})",
                    status=response.status_code,
                    retry_after=wait,
                )
                if wait is not None and wait > policy.max_wait:
                    raise last
                if not final:
                    await policy.sleep(wait if wait is not None else policy.backoff * 2**attempt)
                continue
            if response.status_code >= 500:
                last = ProviderUnavailable(
                    f"{provider} answered HTTP {response.status_code}", status=response.status_code
                )
            else:
                return response
        if not final:
            await policy.sleep(policy.backoff * 2**attempt)
    assert last is not None
    raise last


def error_for(response: httpx.Response, provider: str, what: str) -> ProviderError:
    """The typed error for a non-success ``response`` to ``what`` (e.g. "listing calendars")."""
    status = response.status_code
    detail = _detail(response)
    message = f"{provider} refused {what}: HTTP {status}" + (f" ({detail})" if detail else "")
    if status == 401:
        return AuthFailed(message, status=status)
    if status in (404, 410):
        return CalendarNotFound(message, status=status)
    if status >= 500 or status == 429:
        return ProviderUnavailable(message, status=status)
    return ProviderError(message, status=status)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return response.text[:200].strip()
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error.get("code") or "")[:200]
        if isinstance(error, str):
            return (error + ": " + str(body.get("error_description") or "")).strip(": ")[:200]
    return ""


class BearerApi:
    """A provider's REST API called with an OAuth access token (Google Calendar, Microsoft Graph):
    paths are joined to ``base_url`` (an absolute URL, such as a Graph ``@odata.nextLink``, is used
    as is) and every call goes through :func:`send` with the retry policy."""

    label = ""  # the provider's name in errors, e.g. "Google Calendar"
    base_url = ""  # the API's root, unless the constructor is given another
    headers: ClassVar[dict[str, str]] = {}  # sent on every call besides the token

    def __init__(
        self,
        access_token: str,
        *,
        client: httpx.AsyncClient,
        policy: RetryPolicy | None = None,
        base_url: str | None = None,
    ) -> None:
        self._client = client
        self._policy = policy or RetryPolicy()
        self._base = (base_url or self.base_url).rstrip("/")
        self._headers = {"Authorization": f"Bearer {access_token}", **self.headers}

    async def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        if url.startswith("/"):
            url = self._base + url
        return await send(
            self._client,
            method,
            url,
            policy=self._policy,
            provider=self.label,
            headers=self._headers,
            **kwargs,
        )

    async def free_busy(
        self,
        calendars: Sequence[CalendarInfo],
        start: datetime,
        end: datetime,
        *,
        ignore_uids: Collection[str] = (),  # free/busy answers carry no events to skip
    ) -> list[BusyPeriod]:
        return await self.busy_periods(calendars, start, end)

    async def busy_periods(
        self, calendars: Sequence[CalendarInfo], start: datetime, end: datetime
    ) -> list[BusyPeriod]:
        """Busy periods across ``calendars`` in ``[start, end)``, as the provider's API tells them."""
        raise NotImplementedError
