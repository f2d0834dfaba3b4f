"""``client.availability``: open slots over dates, and why one start is (not) open.

Written once in ``astrocal_sdk/_async/resources/availability.py``; the sync classes are derived from it.
"""

from __future__ import annotations

from astrocal_sdk._async.resources.availability import (
    AsyncAvailabilityResource,
    AsyncAvailabilityResourceWithRawResponse,
)
from astrocal_sdk._sync.resources.availability import (
    AvailabilityResource,
    AvailabilityResourceWithRawResponse,
)

__all__ = [
    "AsyncAvailabilityResource",
    "AsyncAvailabilityResourceWithRawResponse",
    "AvailabilityResource",
    "AvailabilityResourceWithRawResponse",
]
