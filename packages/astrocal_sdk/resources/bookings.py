"""``client.bookings``: create, retrieve, list, update, cancel (or delete) and reschedule."""

from __future__ import annotations

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, M, Paginated
from astrocal_sdk._types import RequestOptions
from astrocal_sdk.types._generated import params
from astrocal_sdk.types._generated.models import Booking

__all__ = ["BookingsAPI"]


class BookingsAPI(APIResource[M]):
    @route.post("/v1/bookings", Booking)
    def create(self, **kwargs: Unpack[params.BookingsCreateParams]) -> Booking:
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
    def list(self, **kwargs: Unpack[params.BookingsListParams]) -> Paginated[Booking]:
        """Bookings ordered by start; iterating over the result walks every page. ``host_id``
        keeps those that occupy that host."""

    @route.patch("/v1/bookings/{booking_id}", Booking)
    def update(self, booking_id: str, **kwargs: Unpack[params.BookingsUpdateParams]) -> Booking:
        """Change the notes, metadata, invitee details or guests."""

    @route.post("/v1/bookings/{booking_id}/cancel", Booking)
    def cancel(self, booking_id: str, **kwargs: Unpack[params.BookingsCancelParams]) -> Booking:
        """Cancel; cancelling again returns the same booking. The slot is free again at once."""

    delete = cancel.sent_as(
        "DELETE",
        "Cancel with ``DELETE`` (same as :meth:`cancel`).",
        path="/v1/bookings/{booking_id}",
    )

    @route.post("/v1/bookings/{booking_id}/reschedule", Booking)
    def reschedule(
        self, booking_id: str, **kwargs: Unpack[params.BookingsRescheduleParams]
    ) -> Booking:
        """Move to a new open ``start``; the booking keeps its id and its host(s), unless
        ``reassign=True`` lets a round-robin booking move to another free host."""
