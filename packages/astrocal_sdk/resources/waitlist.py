"""``client.waitlist``: queue a person for a taken start (or day); when it frees they are promoted
with a hold (``waitlist.promoted``), booked with ``client.bookings.create(hold_id=…)`` or through
their confirm link (``client.invitee_waitlist``)."""

from __future__ import annotations

from collections.abc import Mapping

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, Async, AsyncRaw, M, Paginated, Sync, SyncRaw
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.types._generated.models import (
    InviteeBooking,
    InviteeWaitlistEntry,
    WaitlistEntry,
    WaitlistStatus,
)
from astrocal_sdk.types._params import DateLike, DateTimeLike, InviteeParam

__all__ = [
    "AsyncInviteeWaitlist",
    "AsyncInviteeWaitlistWithRawResponse",
    "AsyncWaitlist",
    "AsyncWaitlistWithRawResponse",
    "InviteeWaitlist",
    "InviteeWaitlistAPI",
    "InviteeWaitlistWithRawResponse",
    "Waitlist",
    "WaitlistAPI",
    "WaitlistWithRawResponse",
]


class WaitlistAPI(APIResource[M]):
    @route.post("/v1/waitlist", WaitlistEntry)
    def create(
        self,
        *,
        event_type_id: str,
        invitee: InviteeParam,
        start: DateTimeLike | NotGiven = NOT_GIVEN,
        date: DateLike | NotGiven = NOT_GIVEN,
        host_id: str | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, str] | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> WaitlistEntry:
        """Queue ``invitee`` for ``start`` (or any start on ``date``, in the event type's zone):
        give exactly one. An open start → ``ConflictError`` ``slot_available`` (book it instead);
        the same email already waiting → ``ConflictError`` ``waitlist_duplicate``."""

    @route.get_list("/v1/waitlist", WaitlistEntry)
    def list(
        self,
        *,
        status: WaitlistStatus | NotGiven = NOT_GIVEN,
        event_type_id: str | NotGiven = NOT_GIVEN,
        invitee_email: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Paginated[WaitlistEntry]:
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


Waitlist = WaitlistAPI[Sync]
AsyncWaitlist = WaitlistAPI[Async]
WaitlistWithRawResponse = WaitlistAPI[SyncRaw]
AsyncWaitlistWithRawResponse = WaitlistAPI[AsyncRaw]
InviteeWaitlist = InviteeWaitlistAPI[Sync]
AsyncInviteeWaitlist = InviteeWaitlistAPI[Async]
InviteeWaitlistWithRawResponse = InviteeWaitlistAPI[SyncRaw]
AsyncInviteeWaitlistWithRawResponse = InviteeWaitlistAPI[AsyncRaw]
