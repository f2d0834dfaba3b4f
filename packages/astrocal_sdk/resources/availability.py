"""``client.availability``: open slots over dates, and why one start is (not) open."""

from __future__ import annotations

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, Async, AsyncRaw, M, Sync, SyncRaw
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.types._generated.models import Availability, AvailabilityCheck
from astrocal_sdk.types._params import DateLike, DateTimeLike, TimeZoneLike

__all__ = [
    "AsyncAvailabilityResource",
    "AsyncAvailabilityResourceWithRawResponse",
    "AvailabilityAPI",
    "AvailabilityResource",
    "AvailabilityResourceWithRawResponse",
]


class AvailabilityAPI(APIResource[M]):
    @route.get("/v1/availability", Availability)
    def list(
        self,
        *,
        event_type_id: str,
        date: DateLike | NotGiven = NOT_GIVEN,
        start_date: DateLike | NotGiven = NOT_GIVEN,
        end_date: DateLike | NotGiven = NOT_GIVEN,
        time_zone: TimeZoneLike | NotGiven = NOT_GIVEN,
        duration: int | NotGiven = NOT_GIVEN,
        host_id: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Availability:
        """Open slots on ``date``, or from ``start_date`` to ``end_date`` (inclusive, ≤ 62 days),
        with the dates read in ``time_zone`` (default: the schedule's); ``host_id`` asks about
        one host of a team event type."""

    search = list.sent_as("POST", "The same as :meth:`list`, sent as a ``POST`` body.")

    @route.get("/v1/availability/check", AvailabilityCheck)
    def check(
        self,
        *,
        event_type_id: str,
        start: DateTimeLike,
        duration: int | NotGiven = NOT_GIVEN,
        host_id: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> AvailabilityCheck:
        """Whether ``start`` is open; if not, every reason (each naming its host on team event
        types) and up to three alternatives."""


AvailabilityResource = AvailabilityAPI[Sync]
AsyncAvailabilityResource = AvailabilityAPI[Async]
AvailabilityResourceWithRawResponse = AvailabilityAPI[SyncRaw]
AsyncAvailabilityResourceWithRawResponse = AvailabilityAPI[AsyncRaw]
