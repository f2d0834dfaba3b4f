"""``client.bookings``: create, retrieve, list, update, cancel (or delete) and reschedule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, Async, AsyncRaw, M, Paginated, Sync, SyncRaw
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.types._generated.models import Booking, BookingStatus
from astrocal_sdk.types._params import (
    AnswerValueLike,
    DateTimeLike,
    InviteeParam,
    InviteeUpdateParam,
)

__all__ = [
    "AsyncBookings",
    "AsyncBookingsWithRawResponse",
    "Bookings",
    "BookingsAPI",
    "BookingsWithRawResponse",
]


class BookingsAPI(APIResource[M]):
    @route.post("/v1/bookings", Booking)
    def create(
        self,
        *,
        invitee: InviteeParam,
        event_type_id: str | NotGiven = NOT_GIVEN,
        start: DateTimeLike | NotGiven = NOT_GIVEN,
        hold_id: str | NotGiven = NOT_GIVEN,
        guests: Sequence[str] | NotGiven = NOT_GIVEN,
        notes: str | NotGiven = NOT_GIVEN,
        duration: int | NotGiven = NOT_GIVEN,
        host_id: str | NotGiven = NOT_GIVEN,
        answers: Mapping[str, AnswerValueLike] | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, str] | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Booking:
        """Book ``start`` of ``event_type_id`` (a start availability returned), or the slot the
        hold ``hold_id`` reserves (``client.holds.create``). 409 ``SlotUnavailableError`` if taken;
        a used hold → ``ConflictError`` ``hold_consumed``, an expired one ``hold_expired``.
        ``host_id`` asks a round-robin event type for one of its hosts; ``answers`` answer the
        event type's ``questions`` by key (a wrong or missing one is a ``BadRequestError`` whose
        ``param`` is ``answers.<key>``)."""

    @route.get("/v1/bookings/{booking_id}", Booking)
    def retrieve(self, booking_id: str, **options: Unpack[RequestOptions]) -> Booking:
        """One booking."""

    @route.get_list("/v1/bookings", Booking)
    def list(
        self,
        *,
        status: BookingStatus | NotGiven = NOT_GIVEN,
        event_type_id: str | NotGiven = NOT_GIVEN,
        host_id: str | NotGiven = NOT_GIVEN,
        invitee_email: str | NotGiven = NOT_GIVEN,
        start_after: DateTimeLike | NotGiven = NOT_GIVEN,
        start_before: DateTimeLike | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Paginated[Booking]:
        """Bookings ordered by start; iterating over the result walks every page. ``host_id``
        keeps those that occupy that host."""

    @route.patch("/v1/bookings/{booking_id}", Booking)
    def update(
        self,
        booking_id: str,
        *,
        notes: str | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, str] | NotGiven = NOT_GIVEN,
        invitee: InviteeUpdateParam | NotGiven = NOT_GIVEN,
        guests: Sequence[str] | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Booking:
        """Change the notes, metadata, invitee details or guests."""

    @route.post("/v1/bookings/{booking_id}/cancel", Booking)
    def cancel(
        self,
        booking_id: str,
        *,
        reason: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Booking:
        """Cancel; cancelling again returns the same booking. The slot is free again at once."""

    delete = cancel.sent_as(
        "DELETE",
        "Cancel with ``DELETE`` (same as :meth:`cancel`).",
        path="/v1/bookings/{booking_id}",
    )

    @route.post("/v1/bookings/{booking_id}/reschedule", Booking)
    def reschedule(
        self,
        booking_id: str,
        *,
        start: DateTimeLike,
        reason: str | NotGiven = NOT_GIVEN,
        reassign: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Booking:
        """Move to a new open ``start``; the booking keeps its id and its host(s), unless
        ``reassign=True`` lets a round-robin booking move to another free host."""


Bookings = BookingsAPI[Sync]
AsyncBookings = BookingsAPI[Async]
BookingsWithRawResponse = BookingsAPI[SyncRaw]
AsyncBookingsWithRawResponse = BookingsAPI[AsyncRaw]
