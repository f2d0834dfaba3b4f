"""``client.waitlist``: queue a person for a taken start (or day); when it frees they are promoted
with a hold (``waitlist.promoted``), booked with ``client.bookings.create(hold_id=…)`` or through
their confirm link (``client.invitee_waitlist``)."""

from __future__ import annotations

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, M, Paginated
from astrocal_sdk._types import RequestOptions
from astrocal_sdk.types._generated import params
from astrocal_sdk.types._generated.models import (
    InviteeBooking,
    InviteeWaitlistEntry,
    WaitlistEntry,
)

__all__ = ["InviteeWaitlistAPI", "WaitlistAPI"]


class WaitlistAPI(APIResource[M]):
    @route.post("/v1/waitlist", WaitlistEntry)
    def create(self, **kwargs: Unpack[params.WaitlistCreateParams]) -> WaitlistEntry:
        """Queue ``invitee`` for ``start`` (or any start on ``date``, in the event type's zone):
        give exactly one. An open start → ``ConflictError`` ``slot_available`` (book it instead);
        the same email already waiting → ``ConflictError`` ``waitlist_duplicate``."""

    @route.get_list("/v1/waitlist", WaitlistEntry)
    def list(self, **kwargs: Unpack[params.WaitlistListParams]) -> Paginated[WaitlistEntry]:
        """Entries in queue order (oldest first); waiting ones carry their ``position``.
        Iterating over the result walks every page."""

    @route.get("/v1/waitlist/{entry_id}", WaitlistEntry)
    def retrieve(self, entry_id: str, **options: Unpack[RequestOptions]) -> WaitlistEntry:
        """One entry: its status, position while waiting, its hold once promoted."""

    @route.delete("/v1/waitlist/{entry_id}", WaitlistEntry)
    def delete(self, entry_id: str, **options: Unpack[RequestOptions]) -> WaitlistEntry:
        """Leave the queue (``cancelled``); a promoted entry's hold is released and the next
        entry promoted. Deleting again returns it unchanged."""


class InviteeWaitlistAPI(APIResource[M]):
    @route.get("/v1/invitee/waitlist/{token}", InviteeWaitlistEntry)
    def retrieve(self, token: str, **options: Unpack[RequestOptions]) -> InviteeWaitlistEntry:
        """A promoted entry as its invitee sees it, with the token of its ``confirm_url`` (no
        API key): the held slot, when the hold expires, whether it can be confirmed."""

    @route.post("/v1/invitee/waitlist/{token}/confirm", InviteeBooking)
    def confirm(self, token: str, **options: Unpack[RequestOptions]) -> InviteeBooking:
        """Book the entry's hold for its invitee; confirming twice returns the same booking,
        after the hold expired it is a ``ConflictError`` ``hold_expired``."""
