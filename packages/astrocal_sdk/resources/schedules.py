"""``client.schedules``: working hours in one time zone, with per-date overrides.

Written once in ``astrocal_sdk/_async/resources/schedules.py``; the sync classes are derived from it.
"""

from __future__ import annotations

from astrocal_sdk._async.resources.schedules import AsyncSchedules, AsyncSchedulesWithRawResponse
from astrocal_sdk._sync.resources.schedules import Schedules, SchedulesWithRawResponse

__all__ = [
    "AsyncSchedules",
    "AsyncSchedulesWithRawResponse",
    "Schedules",
    "SchedulesWithRawResponse",
]
