"""``client.event_types``: bookable kinds of meeting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from typing_extensions import Unpack

from astrocal_sdk._async.resource import AsyncAPIResource
from astrocal_sdk._raw import async_to_raw_response_wrapper
from astrocal_sdk._response import no_content
from astrocal_sdk._serialize import path_param, without_not_given
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.pagination import AsyncPaginator
from astrocal_sdk.types._generated.models import EventType, OnCalendarError
from astrocal_sdk.types._params import CalendarRefParam, LocationParam

__all__ = ["AsyncEventTypes", "AsyncEventTypesWithRawResponse"]


def _event_type_path(event_type_id: str) -> str:
    return f"/v1/event_types/{path_param('event_type_id', event_type_id)}"


class AsyncEventTypes(AsyncAPIResource):
    async def create(
        self,
        *,
        title: str,
        slug: str,
        duration_minutes: int,
        description: str | NotGiven = NOT_GIVEN,
        duration_options: Sequence[int] | NotGiven = NOT_GIVEN,
        slot_interval_minutes: int | NotGiven = NOT_GIVEN,
        buffer_before_minutes: int | NotGiven = NOT_GIVEN,
        buffer_after_minutes: int | NotGiven = NOT_GIVEN,
        minimum_notice_minutes: int | NotGiven = NOT_GIVEN,
        booking_window_days: int | NotGiven = NOT_GIVEN,
        max_bookings_per_day: int | NotGiven = NOT_GIVEN,
        seats_per_slot: int | NotGiven = NOT_GIVEN,
        schedule_id: str | NotGiven = NOT_GIVEN,
        location: LocationParam | NotGiven = NOT_GIVEN,
        conflict_calendars: Sequence[CalendarRefParam] | NotGiven = NOT_GIVEN,
        destination_calendar: CalendarRefParam | NotGiven = NOT_GIVEN,
        on_calendar_error: OnCalendarError | NotGiven = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, str] | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> EventType:
        """A bookable kind of meeting; unset fields take the API's defaults."""
        body = without_not_given(
            {
                "title": title,
                "slug": slug,
                "duration_minutes": duration_minutes,
                "description": description,
                "duration_options": duration_options,
                "slot_interval_minutes": slot_interval_minutes,
                "buffer_before_minutes": buffer_before_minutes,
                "buffer_after_minutes": buffer_after_minutes,
                "minimum_notice_minutes": minimum_notice_minutes,
                "booking_window_days": booking_window_days,
                "max_bookings_per_day": max_bookings_per_day,
                "seats_per_slot": seats_per_slot,
                "schedule_id": schedule_id,
                "location": location,
                "conflict_calendars": conflict_calendars,
                "destination_calendar": destination_calendar,
                "on_calendar_error": on_calendar_error,
                "active": active,
                "metadata": metadata,
            }
        )
        return await self._post("/v1/event_types", cast_to=EventType, body=body, options=options)

    def list(
        self,
        *,
        active: bool | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[EventType]:
        params = {"active": active, "limit": limit, "cursor": cursor}
        return self._list("/v1/event_types", item=EventType, params=params, options=options)

    async def retrieve(self, event_type_id: str, **options: Unpack[RequestOptions]) -> EventType:
        return await self._get(_event_type_path(event_type_id), cast_to=EventType, options=options)

    async def update(
        self,
        event_type_id: str,
        *,
        title: str | NotGiven = NOT_GIVEN,
        slug: str | NotGiven = NOT_GIVEN,
        duration_minutes: int | NotGiven = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        duration_options: Sequence[int] | NotGiven | None = NOT_GIVEN,
        slot_interval_minutes: int | NotGiven | None = NOT_GIVEN,
        buffer_before_minutes: int | NotGiven = NOT_GIVEN,
        buffer_after_minutes: int | NotGiven = NOT_GIVEN,
        minimum_notice_minutes: int | NotGiven = NOT_GIVEN,
        booking_window_days: int | NotGiven = NOT_GIVEN,
        max_bookings_per_day: int | NotGiven | None = NOT_GIVEN,
        seats_per_slot: int | NotGiven = NOT_GIVEN,
        schedule_id: str | NotGiven = NOT_GIVEN,
        location: LocationParam | NotGiven | None = NOT_GIVEN,
        conflict_calendars: Sequence[CalendarRefParam] | NotGiven = NOT_GIVEN,
        destination_calendar: CalendarRefParam | NotGiven | None = NOT_GIVEN,
        on_calendar_error: OnCalendarError | NotGiven = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, str] | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> EventType:
        """Change fields; ``None`` clears a nullable field, ``metadata`` is merged."""
        body = without_not_given(
            {
                "title": title,
                "slug": slug,
                "duration_minutes": duration_minutes,
                "description": description,
                "duration_options": duration_options,
                "slot_interval_minutes": slot_interval_minutes,
                "buffer_before_minutes": buffer_before_minutes,
                "buffer_after_minutes": buffer_after_minutes,
                "minimum_notice_minutes": minimum_notice_minutes,
                "booking_window_days": booking_window_days,
                "max_bookings_per_day": max_bookings_per_day,
                "seats_per_slot": seats_per_slot,
                "schedule_id": schedule_id,
                "location": location,
                "conflict_calendars": conflict_calendars,
                "destination_calendar": destination_calendar,
                "on_calendar_error": on_calendar_error,
                "active": active,
                "metadata": metadata,
            }
        )
        return await self._patch(
            _event_type_path(event_type_id), cast_to=EventType, body=body, options=options
        )

    async def delete(
        self,
        event_type_id: str,
        *,
        force: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> None:
        """Delete; with upcoming bookings → ``ConflictError`` unless ``force=True`` (deactivates)."""
        return no_content(
            await self._delete(
                _event_type_path(event_type_id),
                cast_to=None,
                params={"force": force},
                options=options,
            )
        )


class AsyncEventTypesWithRawResponse:
    def __init__(self, event_types: AsyncEventTypes) -> None:
        self.create = async_to_raw_response_wrapper(event_types.create)
        self.list = async_to_raw_response_wrapper(event_types.list)
        self.retrieve = async_to_raw_response_wrapper(event_types.retrieve)
        self.update = async_to_raw_response_wrapper(event_types.update)
        self.delete = async_to_raw_response_wrapper(event_types.delete)
