"""``client.event_types``: bookable kinds of meeting.

Written once in ``astrocal_sdk/_async/resources/event_types.py``; the sync classes are derived from it.
"""

from __future__ import annotations

from astrocal_sdk._async.resources.event_types import (
    AsyncEventTypes,
    AsyncEventTypesWithRawResponse,
)
from astrocal_sdk._sync.resources.event_types import EventTypes, EventTypesWithRawResponse

__all__ = [
    "AsyncEventTypes",
    "AsyncEventTypesWithRawResponse",
    "EventTypes",
    "EventTypesWithRawResponse",
]
