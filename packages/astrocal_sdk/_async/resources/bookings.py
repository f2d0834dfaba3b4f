"""``client.bookings``: create, retrieve, list, update, cancel (or delete) and reschedule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from typing_extensions import Unpack

from astrocal_sdk._async.resource import AsyncAPIResource
from astrocal_sdk._raw import async_to_raw_response_wrapper
from astrocal_sdk._serialize import path_param, without_not_given
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.pagination import AsyncPaginator
from astrocal_sdk.types._generated.models import Booking, BookingStatus
from astrocal_sdk.types._params import DateTimeLike, InviteeParam, InviteeUpdateParam

__all__ = ["AsyncBookings", "AsyncBookingsWithRawResponse"]


def _booking_path(booking_id: str, suffix: str = "") -> str:
    return f"/v1/bookings/{path_param('booking_id', booking_id)}{suffix}"


class AsyncBookings(AsyncAPIResource):
    async def create(
        self,
        *,
        event_type_id: str,
        start: DateTimeLike,
        invitee: InviteeParam,
        guests: Sequence[str] | NotGiven = NOT_GIVEN,
        notes: str | NotGiven = NOT_GIVEN,
        duration: int | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, str] | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Booking:
        """Book ``start`` (a start availability returned). 409 ``SlotUnavailableError`` if taken."""
        body = without_not_given(
            {"event_type_id": event_type_id, "start": start, "invitee": invitee, "guests": guests,
             "notes": notes, "duration": duration, "metadata": metadata}
        )  # fmt: skip
        return await self._post("/v1/bookings", cast_to=Booking, body=body, options=options)

    async def retrieve(self, booking_id: str, **options: Unpack[RequestOptions]) -> Booking:
        return await self._get(_booking_path(booking_id), cast_to=Booking, options=options)

    def list(
        self,
        *,
        status: BookingStatus | NotGiven = NOT_GIVEN,
        event_type_id: str | NotGiven = NOT_GIVEN,
        invitee_email: str | NotGiven = NOT_GIVEN,
        start_after: DateTimeLike | NotGiven = NOT_GIVEN,
        start_before: DateTimeLike | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[Booking]:
        """Bookings ordered by start; ``async for`` over the result walks every page."""
        params = {"status": status, "event_type_id": event_type_id, "invitee_email": invitee_email,
                  "start_after": start_after, "start_before": start_before, "limit": limit,
                  "cursor": cursor}  # fmt: skip
        return self._list("/v1/bookings", item=Booking, params=params, options=options)

    async def update(
        self,
        booking_id: str,
        *,
        notes: str | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, str] | NotGiven = NOT_GIVEN,
        invitee: InviteeUpdateParam | NotGiven = NOT_GIVEN,
        guests: Sequence[str] | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Booking:
        body = without_not_given(
            {"notes": notes, "metadata": metadata, "invitee": invitee, "guests": guests}
        )
        return await self._patch(
            _booking_path(booking_id), cast_to=Booking, body=body, options=options
        )

    async def delete(
        self,
        booking_id: str,
        *,
        reason: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Booking:
        """Cancel with ``DELETE`` (same as :meth:`cancel`)."""
        body = without_not_given({"reason": reason})
        return await self._delete(
            _booking_path(booking_id), cast_to=Booking, body=body or NOT_GIVEN, options=options
        )

    async def cancel(
        self,
        booking_id: str,
        *,
        reason: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Booking:
        """Cancel; cancelling again returns the same booking. The slot is free again at once."""
        body = without_not_given({"reason": reason})
        return await self._post(
            _booking_path(booking_id, "/cancel"), cast_to=Booking, body=body, options=options
        )

    async def reschedule(
        self,
        booking_id: str,
        *,
        start: DateTimeLike,
        reason: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Booking:
        """Move to a new open ``start``; the booking keeps its id."""
        body = without_not_given({"start": start, "reason": reason})
        return await self._post(
            _booking_path(booking_id, "/reschedule"), cast_to=Booking, body=body, options=options
        )


class AsyncBookingsWithRawResponse:
    def __init__(self, bookings: AsyncBookings) -> None:
        self.create = async_to_raw_response_wrapper(bookings.create)
        self.retrieve = async_to_raw_response_wrapper(bookings.retrieve)
        self.list = async_to_raw_response_wrapper(bookings.list)
        self.update = async_to_raw_response_wrapper(bookings.update)
        self.delete = async_to_raw_response_wrapper(bookings.delete)
        self.cancel = async_to_raw_response_wrapper(bookings.cancel)
        self.reschedule = async_to_raw_response_wrapper(bookings.reschedule)
