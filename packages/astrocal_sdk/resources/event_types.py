"""``client.event_types``: bookable kinds of meeting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, Async, AsyncRaw, M, Paginated, Sync, SyncRaw
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.types._generated.models import Assignment, EventType, OnCalendarError
from astrocal_sdk.types._params import (
    CalendarRefParam,
    EventTypeHostParam,
    LocationParam,
    QuestionParam,
    ReminderParam,
)

__all__ = [
    "AsyncEventTypes",
    "AsyncEventTypesWithRawResponse",
    "EventTypes",
    "EventTypesAPI",
    "EventTypesWithRawResponse",
]


class EventTypesAPI(APIResource[M]):
    @route.post("/v1/event_types", EventType)
    def create(
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
        waitlist_hold_minutes: int | NotGiven = NOT_GIVEN,
        schedule_id: str | NotGiven = NOT_GIVEN,
        hosts: Sequence[EventTypeHostParam] | NotGiven = NOT_GIVEN,
        assignment: Assignment | NotGiven = NOT_GIVEN,
        location: LocationParam | NotGiven = NOT_GIVEN,
        conflict_calendars: Sequence[CalendarRefParam] | NotGiven = NOT_GIVEN,
        destination_calendar: CalendarRefParam | NotGiven = NOT_GIVEN,
        on_calendar_error: OnCalendarError | NotGiven = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
        questions: Sequence[QuestionParam] | NotGiven = NOT_GIVEN,
        reminders: Sequence[ReminderParam] | NotGiven = NOT_GIVEN,
        invitee_can_cancel: bool | NotGiven = NOT_GIVEN,
        invitee_can_reschedule: bool | NotGiven = NOT_GIVEN,
        invitee_change_notice_minutes: int | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, str] | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> EventType:
        """A bookable kind of meeting; unset fields take the API's defaults. ``questions`` are
        asked of every invitee (answered in ``bookings.create(answers=...)``); ``reminders``
        (at most 5, e.g. ``{"before_minutes": 60, "channels": ["email", "webhook"], "to":
        ["invitee"]}``) go out before every booking's start."""

    @route.get_list("/v1/event_types", EventType)
    def list(
        self,
        *,
        active: bool | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Paginated[EventType]:
        """Event types; iterating over the result walks every page."""

    @route.get("/v1/event_types/{event_type_id}", EventType)
    def retrieve(self, event_type_id: str, **options: Unpack[RequestOptions]) -> EventType:
        """One event type."""

    @route.patch("/v1/event_types/{event_type_id}", EventType)
    def update(
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
        waitlist_hold_minutes: int | NotGiven = NOT_GIVEN,
        schedule_id: str | NotGiven | None = NOT_GIVEN,
        hosts: Sequence[EventTypeHostParam] | NotGiven = NOT_GIVEN,
        assignment: Assignment | NotGiven = NOT_GIVEN,
        location: LocationParam | NotGiven | None = NOT_GIVEN,
        conflict_calendars: Sequence[CalendarRefParam] | NotGiven = NOT_GIVEN,
        destination_calendar: CalendarRefParam | NotGiven | None = NOT_GIVEN,
        on_calendar_error: OnCalendarError | NotGiven = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
        questions: Sequence[QuestionParam] | NotGiven = NOT_GIVEN,
        reminders: Sequence[ReminderParam] | NotGiven = NOT_GIVEN,
        invitee_can_cancel: bool | NotGiven = NOT_GIVEN,
        invitee_can_reschedule: bool | NotGiven = NOT_GIVEN,
        invitee_change_notice_minutes: int | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, str] | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> EventType:
        """Change fields; ``None`` clears a nullable field, ``metadata`` is merged, ``questions``
        and ``reminders`` replace their lists."""

    @route.delete("/v1/event_types/{event_type_id}")
    def delete(
        self,
        event_type_id: str,
        *,
        force: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> None:
        """Delete; with upcoming bookings → ``ConflictError`` unless ``force=True`` (deactivates)."""


EventTypes = EventTypesAPI[Sync]
AsyncEventTypes = EventTypesAPI[Async]
EventTypesWithRawResponse = EventTypesAPI[SyncRaw]
AsyncEventTypesWithRawResponse = EventTypesAPI[AsyncRaw]
