"""``client.availability``: open slots over dates, and why one start is (not) open."""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack

from astrocal_sdk._async.resource import AsyncAPIResource
from astrocal_sdk._raw import async_to_raw_response_wrapper
from astrocal_sdk._serialize import without_not_given
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.types._generated.models import Availability, AvailabilityCheck
from astrocal_sdk.types._params import DateLike, DateTimeLike, TimeZoneLike

__all__ = ["AsyncAvailabilityResource", "AsyncAvailabilityResourceWithRawResponse"]


def _query(
    event_type_id: str,
    date: DateLike | NotGiven,
    start_date: DateLike | NotGiven,
    end_date: DateLike | NotGiven,
    time_zone: TimeZoneLike | NotGiven,
    duration: int | NotGiven,
) -> dict[str, Any]:
    return without_not_given(
        {"event_type_id": event_type_id, "date": date, "start_date": start_date,
         "end_date": end_date, "time_zone": time_zone, "duration": duration}
    )  # fmt: skip


class AsyncAvailabilityResource(AsyncAPIResource):
    async def list(
        self,
        *,
        event_type_id: str,
        date: DateLike | NotGiven = NOT_GIVEN,
        start_date: DateLike | NotGiven = NOT_GIVEN,
        end_date: DateLike | NotGiven = NOT_GIVEN,
        time_zone: TimeZoneLike | NotGiven = NOT_GIVEN,
        duration: int | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Availability:
        """Open slots on ``date``, or from ``start_date`` to ``end_date`` (inclusive, ≤ 62 days),
        with the dates read in ``time_zone`` (default: the schedule's)."""
        params = _query(event_type_id, date, start_date, end_date, time_zone, duration)
        return await self._get(
            "/v1/availability", cast_to=Availability, params=params, options=options
        )

    async def search(
        self,
        *,
        event_type_id: str,
        date: DateLike | NotGiven = NOT_GIVEN,
        start_date: DateLike | NotGiven = NOT_GIVEN,
        end_date: DateLike | NotGiven = NOT_GIVEN,
        time_zone: TimeZoneLike | NotGiven = NOT_GIVEN,
        duration: int | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Availability:
        """The same as :meth:`list`, sent as a ``POST`` body."""
        body = _query(event_type_id, date, start_date, end_date, time_zone, duration)
        return await self._post(
            "/v1/availability", cast_to=Availability, body=body, options=options
        )

    async def check(
        self,
        *,
        event_type_id: str,
        start: DateTimeLike,
        duration: int | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> AvailabilityCheck:
        """Whether ``start`` is open; if not, every reason and up to three alternatives."""
        params = without_not_given(
            {"event_type_id": event_type_id, "start": start, "duration": duration}
        )
        return await self._get(
            "/v1/availability/check", cast_to=AvailabilityCheck, params=params, options=options
        )


class AsyncAvailabilityResourceWithRawResponse:
    def __init__(self, availability: AsyncAvailabilityResource) -> None:
        self.list = async_to_raw_response_wrapper(availability.list)
        self.search = async_to_raw_response_wrapper(availability.search)
        self.check = async_to_raw_response_wrapper(availability.check)
