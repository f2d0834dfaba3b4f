"""The client: configuration plus one attribute per API area."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from types import TracebackType

import httpx

from astrocal_sdk._async.api_client import AsyncAPIClient
from astrocal_sdk._async.resources import account as _account
from astrocal_sdk._async.resources import api_keys as _api_keys
from astrocal_sdk._async.resources import availability as _availability
from astrocal_sdk._async.resources import bookings as _bookings
from astrocal_sdk._async.resources import calendar_connections as _connections
from astrocal_sdk._async.resources import event_types as _event_types
from astrocal_sdk._async.resources import schedules as _schedules
from astrocal_sdk._async.resources import webhooks as _webhooks
from astrocal_sdk._base_client import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from astrocal_sdk._config import resolve_api_key, resolve_base_url
from astrocal_sdk._types import NOT_GIVEN, NotGiven, Timeout

__all__ = ["AsyncAstrocal", "AsyncAstrocalWithRawResponse"]


class AsyncAstrocal(AsyncAPIClient):
    """The client (``Astrocal`` and ``AsyncAstrocal`` offer the same methods).

    ``api_key`` defaults to ``ASTROCAL_API_KEY``; ``base_url`` to ``ASTROCAL_BASE_URL`` (or
    ``ASTROCAL_API_URL``), else ``http://127.0.0.1:8000`` where ``astrocal serve`` listens.
    """

    account: _account.AsyncAccountResource
    accounts: _account.AsyncAccounts
    api_keys: _api_keys.AsyncApiKeys
    usage: _account.AsyncUsageResource
    schedules: _schedules.AsyncSchedules
    event_types: _event_types.AsyncEventTypes
    availability: _availability.AsyncAvailabilityResource
    bookings: _bookings.AsyncBookings
    webhooks: _webhooks.AsyncWebhooks
    calendar_connections: _connections.AsyncCalendarConnections

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            api_key=resolve_api_key(api_key),
            base_url=resolve_base_url(base_url),
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            http_client=http_client,
        )
        self.account = _account.AsyncAccountResource(self)
        self.accounts = _account.AsyncAccounts(self)
        self.api_keys = _api_keys.AsyncApiKeys(self)
        self.usage = _account.AsyncUsageResource(self)
        self.schedules = _schedules.AsyncSchedules(self)
        self.event_types = _event_types.AsyncEventTypes(self)
        self.availability = _availability.AsyncAvailabilityResource(self)
        self.bookings = _bookings.AsyncBookings(self)
        self.webhooks = _webhooks.AsyncWebhooks(self)
        self.calendar_connections = _connections.AsyncCalendarConnections(self)

    @cached_property
    def with_raw_response(self) -> AsyncAstrocalWithRawResponse:
        """The same methods, returning an ``APIResponse`` (headers, status, ``parse()``)."""
        return AsyncAstrocalWithRawResponse(self)

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> AsyncAstrocal:
        """A copy with some settings changed, sharing this client's connection pool."""
        copy = AsyncAstrocal(
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

    async def __aenter__(self) -> AsyncAstrocal:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class AsyncAstrocalWithRawResponse:
    def __init__(self, client: AsyncAstrocal) -> None:
        self.account = _account.AsyncAccountResourceWithRawResponse(client.account)
        self.accounts = _account.AsyncAccountsWithRawResponse(client.accounts)
        self.api_keys = _api_keys.AsyncApiKeysWithRawResponse(client.api_keys)
        self.usage = _account.AsyncUsageResourceWithRawResponse(client.usage)
        self.schedules = _schedules.AsyncSchedulesWithRawResponse(client.schedules)
        self.event_types = _event_types.AsyncEventTypesWithRawResponse(client.event_types)
        self.availability = _availability.AsyncAvailabilityResourceWithRawResponse(
            client.availability
        )
        self.bookings = _bookings.AsyncBookingsWithRawResponse(client.bookings)
        self.webhooks = _webhooks.AsyncWebhooksWithRawResponse(client.webhooks)
        self.calendar_connections = _connections.AsyncCalendarConnectionsWithRawResponse(
            client.calendar_connections
        )
