"""What the tools return: small pydantic models (→ ``outputSchema`` and ``structuredContent``).

They are shaped for a model reading them: every time is given in UTC (``…Z``, what the API
takes back) and, where a zone is known, as local time with its weekday, so the model never
converts or computes a weekday itself. Field descriptions are kept few: they cost tokens on every
``tools/list``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AvailabilityResult",
    "BookingHostInfo",
    "BookingInfo",
    "BookingList",
    "BookingWithLinks",
    "CurrentTime",
    "EventTypeInfo",
    "EventTypeList",
    "Explanation",
    "HostInfo",
    "HostList",
    "Output",
    "Reason",
    "SlotInfo",
    "compact_schema",
]


def compact_schema(schema: dict[str, Any], *, omit_nulls: bool = False) -> None:
    """Drop what a model does not need from a JSON schema, in place: generated ``title``s (they
    only repeat the field name) and ``default: null``. Property *names* are never touched.

    ``omit_nulls`` (for results, which are dumped without ``None`` values) also turns
    ``anyOf: [X, null]`` into ``X``: an absent field says the same in fewer tokens.
    """
    schema.pop("title", None)
    if "default" in schema and schema["default"] is None:
        del schema["default"]
    options = schema.get("anyOf")
    if omit_nulls and isinstance(options, list) and len(options) == 2:
        rest = [o for o in options if o != {"type": "null"}]
        if len(rest) == 1:
            del schema["anyOf"]
            schema.update(rest[0])
    for sub in schema.get("properties", {}).values():
        compact_schema(sub, omit_nulls=omit_nulls)
    for sub in schema.get("$defs", {}).values():
        compact_schema(sub, omit_nulls=omit_nulls)
    for key in ("anyOf", "allOf", "oneOf"):
        for sub in schema.get(key, []):
            compact_schema(sub, omit_nulls=omit_nulls)
    if isinstance(schema.get("items"), dict):
        compact_schema(schema["items"], omit_nulls=omit_nulls)


def _compact(schema: dict[str, Any]) -> None:
    compact_schema(schema, omit_nulls=True)


class Output(BaseModel):
    """Base of the tools' results: compact JSON schemas (they are sent on every tools/list)."""

    model_config = ConfigDict(json_schema_extra=_compact)


class CurrentTime(Output):
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


class EventTypeInfo(Output):
    id: str
    title: str
    slug: str
    duration_minutes: int
    duration_options: list[int] | None = None
    description: str | None = None
    location: str | None = None
    active: bool
    is_default: bool = False
    # Only team event types (with hosts) carry these two.
    assignment: str | None = None
    host_ids: list[str] | None = None


class EventTypeList(Output):
    event_types: list[EventTypeInfo]
    default_event_type_id: str | None = None


class SlotInfo(Output):
    start: str = Field(description="UTC; pass this value as start_time.")
    end: str
    local_start: str
    local_end: str
    weekday: str
    date: str = Field(description="Local date.")
    seats_remaining: int | None = None
    host_ids: list[str] | None = None


class AvailabilityResult(Output):
    event_type_id: str
    time_zone: str = Field(description="Zone of local_* times and of the dates.")
    start_date: str
    end_date: str
    duration_minutes: int | None = None
    slots: list[SlotInfo]
    warnings: list[str] = Field(default_factory=list)


class Reason(Output):
    code: str
    message: str
    host_id: str | None = None


class Explanation(Output):
    event_type_id: str
    start_time: str
    available: bool
    host_ids: list[str] | None = None
    reasons: list[Reason]
    alternatives: list[SlotInfo]


class BookingHostInfo(Output):
    id: str
    name: str
    email: str | None = None


class BookingInfo(Output):
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
    hosts: list[BookingHostInfo] = Field(
        default_factory=list,
        description="The assigned (or first) host first.",
    )
    notes: str | None = None
    location: str | None = None
    previous_start: str | None = None
    rescheduled_at: str | None = None
    cancelled_at: str | None = None
    cancel_reason: str | None = None


# A booking with the invitee's own links (they need no API key): for the person who booked, no
# one else. Only in the results an agent passes on (create, get, reschedule): schema tokens count.
class BookingWithLinks(BookingInfo):
    manage_url: str | None = None
    cancel_url: str | None = None
    reschedule_url: str | None = None


class HostInfo(Output):
    id: str
    name: str
    email: str | None = None
    time_zone: str
    external_id: str | None = None
    active: bool
    is_default: bool


class HostList(Output):
    hosts: list[HostInfo]
    has_more: bool
    next_cursor: str | None = None


class BookingList(Output):
    bookings: list[BookingInfo]
    has_more: bool
    next_cursor: str | None = Field(default=None, description="Pass as cursor for the next page.")
