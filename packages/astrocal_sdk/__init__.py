"""The Astrocal Python SDK: typed sync and async clients for the Astrocal API.

from astrocal_sdk import Astrocal

client = Astrocal()  # ASTROCAL_API_KEY, ASTROCAL_BASE_URL
for booking in client.bookings.list(status="confirmed"):
    print(booking.id, booking.start)
"""

from __future__ import annotations

from astrocal_sdk import _exceptions, types, webhooks
from astrocal_sdk._base_client import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from astrocal_sdk._client import (
    Astrocal,
    AstrocalWithRawResponse,
    AsyncAstrocal,
    AsyncAstrocalWithRawResponse,
)
from astrocal_sdk._config import DEFAULT_BASE_URL

# The exception classes are exported as _exceptions.__all__ lists them (added to ours below).
from astrocal_sdk._exceptions import *  # noqa: F403
from astrocal_sdk._response import APIResponse, RateLimit
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions, Timeout
from astrocal_sdk._version import __version__
from astrocal_sdk.pagination import AsyncPage, AsyncPaginator, SyncPage

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "APIResponse",
    "Astrocal",
    "AstrocalWithRawResponse",
    "AsyncAstrocal",
    "AsyncAstrocalWithRawResponse",
    "AsyncPage",
    "AsyncPaginator",
    "NotGiven",
    "RateLimit",
    "RequestOptions",
    "SyncPage",
    "Timeout",
    "__version__",
    "types",
    "webhooks",
]
__all__ += _exceptions.__all__
