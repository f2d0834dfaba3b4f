"""What the tools return: small pydantic models (→ ``outputSchema`` and ``structuredContent``).

They are shaped for a model reading them: every time is given in UTC (``…Z``, what the API
takes back) and, where a zone is known, as local time with its weekday, so the model never
converts or computes a weekday itself. Field descriptions are kept few: they cost tokens on every
``tools/list``. The schemas sent (:func:`inline_defs`) name every key and the shape of nested
objects and lists but not scalar types, so a result always validates against its schema.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AvailabilityResult",
    "BookingHostInfo",
    "BookingInfo",
    "BookingList",
    "CurrentTime",
    "DaySlots",
    "EventTypeInfo",
    "EventTypeList",
    "Explanation",
    "HoldInfo",
    "HostInfo",
    "HostList",
    "Output",
    "QuestionInfo",
    "Reason",
    "SlotInfo",
    "WaitlistInfo",
    "WaitlistList",
    "compact_schema",
    "inline_defs",
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
    if schema.get("additionalProperties") is True:  # what JSON Schema assumes anyway
        del schema["additionalProperties"]
    for sub in schema.get("properties", {}).values():
        compact_schema(sub, omit_nulls=omit_nulls)
    for sub in schema.get("$defs", {}).values():
        compact_schema(sub, omit_nulls=omit_nulls)
    for key in ("anyOf", "allOf", "oneOf"):
        for sub in schema.get(key, []):
            compact_schema(sub, omit_nulls=omit_nulls)
    if isinstance(schema.get("items"), dict):
        compact_schema(schema["items"], omit_nulls=omit_nulls)


_SCALARS = ("string", "integer", "number", "boolean")


def inline_defs(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with each ``$defs`` entry used once written where it is used (fewer tokens than
    a definition and a ``$ref``); shared ones stay definitions, unused ones go. Scalar types and
    types implied by ``properties`` / ``items`` are left out below the root."""
    defs = schema.get("$defs", {})
    text = json.dumps(schema)
    uses = {name: text.count(f'"#/$defs/{name}"') for name in defs}
    once = {name for name, n in uses.items() if n == 1}

    def expand(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.removeprefix("#/$defs/") in once:
                return expand(defs[ref.removeprefix("#/$defs/")])
            return {k: expand(v) for k, v in node.items()}
        if isinstance(node, list):
            return [expand(v) for v in node]
        return node

    def lean(node: Any, root: bool = False) -> Any:
        # Below the root, "properties" already says it is an object and "items" an array. A
        # result names its keys, not their scalar types (text, numbers, flags): the key is what a
        # model reads it for, and the text content shows every value.
        if isinstance(node, dict):
            if set(node) == {"type"} and node["type"] in _SCALARS:
                return {}
            implied = {"properties": "object", "items": "array"}
            out = {
                k: lean(v)
                for k, v in node.items()
                if root or not (k == "type" and any(implied[x] == v for x in implied if x in node))
            }
            if out.get("additionalProperties") == {}:  # a map of scalars: any object will do
                del out["additionalProperties"]
            return out
        if isinstance(node, list):
            return [lean(v) for v in node]
        return node

    out: dict[str, Any] = lean(expand({k: v for k, v in schema.items() if k != "$defs"}), True)
    kept = {name: lean(expand(d)) for name, d in defs.items() if uses[name] > 1}
    if kept:
        out["$defs"] = kept
    return out


def _compact(schema: dict[str, Any]) -> None:
    compact_schema(schema, omit_nulls=True)
    # A result carries every field it has; which ones are always there, or what a field would
    # default to, is not worth the tokens on every tools/list.
    schema.pop("required", None)
    for sub in schema.get("properties", {}).values():
        sub.pop("default", None)


class Output(BaseModel):
    """Base of the tools' results: compact JSON schemas (they are sent on every tools/list)."""

    model_config = ConfigDict(json_schema_extra=_compact)


class CurrentTime(Output):
    time_zone: str
    now: str
    now_utc: str
    date: str
    time: str
    weekday: str
    utc_offset: str
    is_dst: bool
    abbreviation: str
    tomorrow: str


class QuestionInfo(Output):
    key: str
    label: str
    type: str
    required: bool = False
    options: list[str] | None = None
    help_text: str | None = None


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
    questions: list[QuestionInfo] | None = Field(
        default=None, description="Ask these; answers go to create_booking by key."
    )


class EventTypeList(Output):
    event_types: list[EventTypeInfo]
    default_event_type_id: str | None = None


class SlotInfo(Output):
    start: str
    local: str
    weekday: str
    seats_remaining: int | None = None
    host_ids: list[str] | None = None


class DaySlots(Output):
    date: str
    weekday: str
    utc_offset: str
    starts: list[str]
    free_hosts: dict[str, list[str]] | None = None
    seats_remaining: dict[str, int] | None = None


class AvailabilityResult(Output):
    event_type_id: str
    time_zone: str
    time_zone_source: str
    start_date: str
    end_date: str
    duration_minutes: int | None = None
    slot_count: int
    start_time_format: str
    days: list[DaySlots]
    none_because: str | None = None
    warnings: list[str] = Field(default_factory=list)


class Reason(Output):
    code: str
    message: str
    host_id: str | None = None


class Explanation(Output):
    event_type_id: str
    start_time: str
    local_time: str
    time_zone: str
    time_zone_source: str
    available: bool
    host_ids: list[str] | None = None
    reasons: list[Reason]
    working_hours: str | None = None
    before: list[SlotInfo] = Field(default_factory=list)
    after: list[SlotInfo] = Field(default_factory=list)


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
    when: str
    time_zone: str
    time_zone_source: str
    invitee_name: str
    invitee_email: str
    invitee_time_zone: str | None = None
    hosts: list[BookingHostInfo] = Field(default_factory=list)
    notes: str | None = None
    location: str | None = None
    answers: dict[str, Any] | None = None  # by question label
    previously: str | None = None
    cancelled_at: str | None = None
    cancel_reason: str | None = None
    # The invitee's own links (no API key), on the results an agent hands on to the person.
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
    next_cursor: str | None = None


class HoldInfo(Output):
    id: str
    status: str
    event_type_id: str
    start: str
    when: str
    expires: str
    host_ids: list[str] | None = None
    booking_id: str | None = None


class WaitlistInfo(Output):
    id: str
    status: str
    event_type_id: str
    waiting_for: str
    invitee_email: str
    position: int | None = None
    hold_id: str | None = None
    hold_expires: str | None = None
    booking_id: str | None = None
    confirm_url: str | None = None


class WaitlistList(Output):
    entries: list[WaitlistInfo]
    has_more: bool = False
    next_cursor: str | None = None
