"""``client.availability``: open slots over dates, and why one start is (not) open."""

from __future__ import annotations

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, M
from astrocal_sdk.types._generated import params
from astrocal_sdk.types._generated.models import Availability, AvailabilityCheck

__all__ = ["AvailabilityAPI"]


class AvailabilityAPI(APIResource[M]):
    @route.get("/v1/availability", Availability)
    def list(self, **kwargs: Unpack[params.AvailabilityListParams]) -> Availability:
        """Open slots on ``date``, or from ``start_date`` to ``end_date`` (inclusive, ≤ 62 days),
        with the dates read in ``time_zone`` (default: the schedule's); ``host_id`` asks about
        one host of a team event type."""

    search = list.sent_as("POST", "The same as :meth:`list`, sent as a ``POST`` body.")

    @route.get("/v1/availability/check", AvailabilityCheck)
    def check(self, **kwargs: Unpack[params.AvailabilityCheckParams]) -> AvailabilityCheck:
        """Whether ``start`` is open; if not, every reason (each naming its host on team event
        types) and up to three alternatives."""
