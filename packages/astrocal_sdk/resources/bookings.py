"""``client.bookings``: create, retrieve, list, update, cancel (or delete) and reschedule.

Written once in ``astrocal_sdk/_async/resources/bookings.py``; the sync classes are derived from it.
"""

from __future__ import annotations

from astrocal_sdk._async.resources.bookings import AsyncBookings, AsyncBookingsWithRawResponse
from astrocal_sdk._sync.resources.bookings import Bookings, BookingsWithRawResponse

__all__ = ["AsyncBookings", "AsyncBookingsWithRawResponse", "Bookings", "BookingsWithRawResponse"]
