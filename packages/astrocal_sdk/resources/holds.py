"""``client.holds``: reserve a slot while a person decides, then book it with ``hold_id``."""

from __future__ import annotations

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, M, Paginated
from astrocal_sdk._types import RequestOptions
from astrocal_sdk.types._generated import params
from astrocal_sdk.types._generated.models import Hold

__all__ = ["HoldsAPI"]


class HoldsAPI(APIResource[M]):
    @route.post("/v1/holds", Hold)
    def create(self, **kwargs: Unpack[params.HoldsCreateParams]) -> Hold:
        """Reserve ``start`` for ``ttl_seconds`` (60–1800, default 600): nobody else can book or
        hold it meanwhile. Book it with ``client.bookings.create(hold_id=…, invitee=…)``. 409
        ``SlotUnavailableError`` if it is not free."""

    @route.get_list("/v1/holds", Hold)
    def list(self, **kwargs: Unpack[params.HoldsListParams]) -> Paginated[Hold]:
        """Holds ordered by start; ``status`` as of now (an active hold past its expiry is
        ``expired``). Iterating over the result walks every page."""

    @route.get("/v1/holds/{hold_id}", Hold)
    def retrieve(self, hold_id: str, **options: Unpack[RequestOptions]) -> Hold:
        """One hold, with its status now."""

    @route.delete("/v1/holds/{hold_id}", Hold)
    def release(self, hold_id: str, **options: Unpack[RequestOptions]) -> Hold:
        """Give the slot back at once; releasing again returns it unchanged. A hold that became a
        booking → ``ConflictError`` (``hold_consumed``): cancel the booking instead."""
