"""``client.event_types``: bookable kinds of meeting."""

from __future__ import annotations

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, M, Paginated
from astrocal_sdk._types import RequestOptions
from astrocal_sdk.types._generated import params
from astrocal_sdk.types._generated.models import EventType

__all__ = ["EventTypesAPI"]


class EventTypesAPI(APIResource[M]):
    @route.post("/v1/event_types", EventType)
    def create(self, **kwargs: Unpack[params.EventTypesCreateParams]) -> EventType:
        """A bookable kind of meeting; unset fields take the API's defaults. ``questions`` are
        asked of every invitee (answered in ``bookings.create(answers=...)``); ``reminders``
        (at most 5, e.g. ``{"before_minutes": 60, "channels": ["email", "webhook"], "to":
        ["invitee"]}``) go out before every booking's start."""

    @route.get_list("/v1/event_types", EventType)
    def list(self, **kwargs: Unpack[params.EventTypesListParams]) -> Paginated[EventType]:
        """Event types; iterating over the result walks every page."""

    @route.get("/v1/event_types/{event_type_id}", EventType)
    def retrieve(self, event_type_id: str, **options: Unpack[RequestOptions]) -> EventType:
        """One event type."""

    @route.patch("/v1/event_types/{event_type_id}", EventType)
    def update(
        self, event_type_id: str, **kwargs: Unpack[params.EventTypesUpdateParams]
    ) -> EventType:
        """Change fields; ``None`` clears a nullable field, ``metadata`` is merged, ``questions``
        and ``reminders`` replace their lists."""

    @route.delete("/v1/event_types/{event_type_id}")
    def delete(self, event_type_id: str, **kwargs: Unpack[params.EventTypesDeleteParams]) -> None:
        """Delete; with upcoming bookings → ``ConflictError`` unless ``force=True`` (deactivates)."""
