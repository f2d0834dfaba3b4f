"""``client.calendar_connections``: CalDAV accounts, and Google/Microsoft through OAuth.

Written once in ``astrocal_sdk/_async/resources/calendar_connections.py``; the sync classes are derived from it.
"""

from __future__ import annotations

from astrocal_sdk._async.resources.calendar_connections import (
    AsyncCalendarConnections,
    AsyncCalendarConnectionsWithRawResponse,
)
from astrocal_sdk._sync.resources.calendar_connections import (
    CalendarConnections,
    CalendarConnectionsWithRawResponse,
)

__all__ = [
    "AsyncCalendarConnections",
    "AsyncCalendarConnectionsWithRawResponse",
    "CalendarConnections",
    "CalendarConnectionsWithRawResponse",
]
