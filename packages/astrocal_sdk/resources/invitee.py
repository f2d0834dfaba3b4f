"""``client.invitee``: a booking seen and changed by its invitee, with the token of its links.

The token (the last path segment of a booking's ``manage_url``) is the only credential: the server
ignores the API key on these routes, so an app can serve its own booking pages with them.
"""

from __future__ import annotations

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, Async, AsyncRaw, M, Sync, SyncRaw
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.types._generated.models import Availability, InviteeBooking
from astrocal_sdk.types._params import DateLike, DateTimeLike, TimeZoneLike

__all__ = [
    "AsyncInviteeResource",
    "AsyncInviteeResourceWithRawResponse",
    "InviteeAPI",
    "InviteeResource",
    "InviteeResourceWithRawResponse",
]


class InviteeAPI(APIResource[M]):
    @route.get("/v1/invitee/bookings/{token}", InviteeBooking)
    def retrieve(self, token: str, **options: Unpack[RequestOptions]) -> InviteeBooking:
        """The booking as its invitee sees it, and whether they may cancel or reschedule it now."""

    @route.get("/v1/invitee/bookings/{token}/availability", Availability)
    def availability(
        self,
        token: str,
        *,
        date: DateLike | NotGiven = NOT_GIVEN,
        start_date: DateLike | NotGiven = NOT_GIVEN,
        end_date: DateLike | NotGiven = NOT_GIVEN,
        time_zone: TimeZoneLike | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Availability:
        """The starts the booking can be rescheduled to, on ``date`` or from ``start_date`` to
        ``end_date`` (read in ``time_zone``)."""

    @route.post("/v1/invitee/bookings/{token}/cancel", InviteeBooking)
    def cancel(
        self,
        token: str,
        *,
        reason: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> InviteeBooking:
        """Cancel for the invitee (``cancelled_by: invitee``); 409 when the event type or the
        time no longer allows it."""

    @route.post("/v1/invitee/bookings/{token}/reschedule", InviteeBooking)
    def reschedule(
        self,
        token: str,
        *,
        start: DateTimeLike,
        reason: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> InviteeBooking:
        """Move to ``start`` for the invitee (``rescheduled_by: invitee``); 409
        ``SlotUnavailableError`` when it is not open."""


InviteeResource = InviteeAPI[Sync]
AsyncInviteeResource = InviteeAPI[Async]
InviteeResourceWithRawResponse = InviteeAPI[SyncRaw]
AsyncInviteeResourceWithRawResponse = InviteeAPI[AsyncRaw]
