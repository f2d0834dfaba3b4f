"""``client.invitee``: a booking seen and changed by its invitee, with the token of its links.

The token (the last path segment of a booking's ``manage_url``) is the only credential: the server
ignores the API key on these routes, so an app can serve its own booking pages with them.
"""

from __future__ import annotations

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, M
from astrocal_sdk._types import RequestOptions
from astrocal_sdk.types._generated import params
from astrocal_sdk.types._generated.models import Availability, InviteeBooking

__all__ = ["InviteeAPI"]


class InviteeAPI(APIResource[M]):
    @route.get("/v1/invitee/bookings/{token}", InviteeBooking)
    def retrieve(self, token: str, **options: Unpack[RequestOptions]) -> InviteeBooking:
        """The booking as its invitee sees it, and whether they may cancel or reschedule it now."""

    @route.get("/v1/invitee/bookings/{token}/availability", Availability)
    def availability(
        self, token: str, **kwargs: Unpack[params.InviteeAvailabilityParams]
    ) -> Availability:
        """The starts the booking can be rescheduled to, on ``date`` or from ``start_date`` to
        ``end_date`` (read in ``time_zone``)."""

    @route.post("/v1/invitee/bookings/{token}/cancel", InviteeBooking)
    def cancel(self, token: str, **kwargs: Unpack[params.InviteeCancelParams]) -> InviteeBooking:
        """Cancel for the invitee (``cancelled_by: invitee``); 409 when the event type or the
        time no longer allows it."""

    @route.post("/v1/invitee/bookings/{token}/reschedule", InviteeBooking)
    def reschedule(
        self, token: str, **kwargs: Unpack[params.InviteeRescheduleParams]
    ) -> InviteeBooking:
        """Move to ``start`` for the invitee (``rescheduled_by: invitee``); 409
        ``SlotUnavailableError`` when it is not open."""
