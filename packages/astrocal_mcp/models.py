"""What the tools return: small pydantic models (→ ``outputSchema`` and ``structuredContent``).

They are shaped for a model reading them: every time is given in UTC (``…Z``, what the API
takes back) and, where a zone is known, as local time with its weekday, so the model never
converts or computes a weekday itself. Field descriptions are kept few: they cost tokens on every
``tools/list``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = [
    "AvailabilityResult",
    "BookingInfo",
    "BookingList",
    "CurrentTime",
    "EventTypeInfo",
    "EventTypeList",
    "Explanation",
    "Reason",
    "SlotInfo",
]


class CurrentTime(BaseModel):
    time_zone: str
    now: str = Field(description="Local time with UTC offset (RFC 3339).")
    now_utc: str
    date: str
    time: str
    weekday: str
    utc_offset: str
    is_dst: bool
    abbreviation: str
    tomorrow: str = Field(description="Tomorrow's date and weekday in this zone.")


class EventTypeInfo(BaseModel):
    id: str
    title: str
    slug: str
    duration_minutes: int
    duration_options: list[int] | None = None
    description: str | None = None
    location: str | None = None
    active: bool
    is_default: bool = False


class EventTypeList(BaseModel):
    event_types: list[EventTypeInfo]
    default_event_type_id: str | None = None


class SlotInfo(BaseModel):
    start: str = Field(description="UTC; pass this value as start_time.")
    end: str
    local_start: str
    local_end: str
    weekday: str
    date: str = Field(description="Local date.")
    seats_remaining: int | None = None


class AvailabilityResult(BaseModel):
    event_type_id: str
    time_zone: str = Field(description="Zone of local_* times and of the dates.")
    start_date: str
    end_date: str
    duration_minutes: int | None = None
    slots: list[SlotInfo]
    warnings: list[str] = Field(default_factory=list)


class Reason(BaseModel):
    code: str
    message: str


class Explanation(BaseModel):
    event_type_id: str
    start_time: str
    available: bool
    reasons: list[Reason]
    alternatives: list[SlotInfo]


class BookingInfo(BaseModel):
    id: str
    status: str
    event_type_id: str
    start: str
    end: str
    local_start: str | None = Field(default=None, description="In the invitee's zone.")
    weekday: str | None = None
    invitee_name: str
    invitee_email: str
    invitee_timezone: str | None = None
    notes: str | None = None
    location: str | None = None
    previous_start: str | None = None
    rescheduled_at: str | None = None
    cancelled_at: str | None = None
    cancel_reason: str | None = None


class BookingList(BaseModel):
    bookings: list[BookingInfo]
    has_more: bool
    next_cursor: str | None = Field(default=None, description="Pass as cursor for the next page.")
