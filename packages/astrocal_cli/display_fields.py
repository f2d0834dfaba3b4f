"""What a person sees of each API object: table columns and detail fields (pure, no I/O).

Each object's display is a sequence of :class:`Field`; a field reads a dotted path from the API's
JSON (the object shapes of ``openapi.yaml``) and formats it. Contract: times are shown in the
user's zone; ids are never shortened, so they can be copied; a missing value shows as empty.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any, Literal

from astrocal_cli.user_times import format_instant

__all__ = [
    "ACCOUNT",
    "API_KEY",
    "BOOKING",
    "BOOKING_ROW",
    "CALENDAR_CONNECTION",
    "CALENDAR_CONNECTION_ROW",
    "DELIVERY",
    "DELIVERY_ROW",
    "EVENT_TYPE",
    "EVENT_TYPE_ROW",
    "HOLD",
    "HOLD_ROW",
    "HOST",
    "HOST_ROW",
    "INVITEE_BOOKING",
    "SCHEDULE",
    "SCHEDULE_ROW",
    "USAGE",
    "WAITLIST_ENTRY",
    "WAITLIST_ENTRY_ROW",
    "WEBHOOK",
    "WEBHOOK_ROW",
    "Field",
    "cell",
    "lookup",
]

Kind = Literal[
    "id",
    "text",
    "time",
    "bool",
    "json",
    "list",
    "names",
    "hours",
    "overrides",
    "calendars",
    "hosts",
    "questions",
    "reminders",
    "answers",
]


@dataclass(frozen=True)
class Field:
    label: str
    path: str
    kind: Kind = "text"


def lookup(obj: Mapping[str, Any], path: str) -> Any:
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _hours(value: Any) -> str:
    if not isinstance(value, list):
        return ""
    by_day: dict[str, list[str]] = {}
    for item in value:
        if isinstance(item, Mapping):
            by_day.setdefault(str(item.get("day", "?"))[:3], []).append(
                f"{item.get('start')}–{item.get('end')}"
            )
    return "\n".join(f"{day} {', '.join(spans)}" for day, spans in by_day.items())


def _listed(line: Callable[[Mapping[str, Any]], str], sep: str = "\n") -> Callable[[Any], str]:
    """A formatter of a list of objects: ``line`` of each, joined by ``sep`` (empty for a value
    that is no list; items that are no objects are left out)."""

    def format_list(value: Any) -> str:
        if not isinstance(value, list):
            return ""
        return sep.join(line(item) for item in value if isinstance(item, Mapping))

    return format_list


def _override(item: Mapping[str, Any]) -> str:
    spans = [f"{i.get('start')}–{i.get('end')}" for i in item.get("intervals") or []]
    return f"{item.get('date')} {', '.join(spans) if spans else 'unavailable'}"


def _calendar(cal: Mapping[str, Any]) -> str:
    flags = [f for f in ("primary", "read_only") if cal.get(f)]
    suffix = f" ({', '.join(flags)})" if flags else ""
    return f"{cal.get('name')}: {cal.get('id')}{suffix}"


def _host(h: Mapping[str, Any]) -> str:
    """An event type's host with its round-robin weight and priority."""
    return f"{h.get('host_id')} (weight {h.get('weight', 1)}, priority {h.get('priority', 0)})"


def _question(q: Mapping[str, Any]) -> str:
    """An event type's question: key (type[, required]): label [options]."""
    flags = ", required" if q.get("required") else ""
    options = f" [{' | '.join(map(str, q['options']))}]" if q.get("options") else ""
    return f"{q.get('key')} ({q.get('type')}{flags}): {q.get('label')}{options}"


def _reminder(r: Mapping[str, Any]) -> str:
    """An event type's reminder: 60 min before: email, webhook to invitee, hosts."""
    return (
        f"{r.get('before_minutes')} min before: {', '.join(map(str, r.get('channels') or []))} "
        f"to {', '.join(map(str, r.get('to') or []))}"
    )


def _answer(a: Mapping[str, Any]) -> str:
    """A booking's answer: the question's label, then the answer."""
    from astrocal_mcp.render import answer_text  # as the MCP tools say it; loaded when shown

    return f"{a.get('label')}: {answer_text(a.get('value'))}"


_FORMATTERS: dict[str, Callable[[Any], str]] = {
    # A list of objects (a booking's hosts) by their ``name``s.
    "names": _listed(lambda item: str(item.get("name")), sep=", "),
    "hours": _hours,
    "overrides": _listed(_override),
    "calendars": _listed(_calendar),
    "hosts": _listed(_host),
    "questions": _listed(_question),
    "reminders": _listed(_reminder),
    "answers": _listed(_answer),
}


def cell(value: Any, kind: Kind, tz: tzinfo) -> str:
    if value is None:
        return ""
    if kind == "time":
        return format_instant(str(value), tz)
    if kind == "bool":
        return "yes" if value else "no"
    if kind in _FORMATTERS:
        return _FORMATTERS[kind](value)
    if kind == "list" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Mapping | list):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return str(value)


def _fields(*items: tuple[str, str] | tuple[str, str, Kind]) -> Sequence[Field]:
    return tuple(Field(*item) for item in items)


# Every object the API stores ends its detail with these (openapi.yaml: livemode, created_at,
# updated_at).
_STAMPS = _fields(
    ("Live mode", "livemode", "bool"),
    ("Created", "created_at", "time"),
    ("Updated", "updated_at", "time"),
)


def _detail(
    row: Sequence[Field], *items: tuple[str, str] | tuple[str, str, Kind]
) -> Sequence[Field]:
    """A table row's fields, then ``items``, then the stamps: what ``get`` shows of an object."""
    return (*row, *_fields(*items), *_STAMPS)


ACCOUNT = _fields(
    ("Id", "id", "id"),
    ("Name", "name"),
    ("Email", "email"),
    ("Time zone", "time_zone"),
    ("Plan", "plan"),
    ("Invitee URL template", "invitee_url_template"),
    ("Created", "created_at", "time"),
)

API_KEY = _fields(
    ("Id", "id", "id"),
    ("Name", "name"),
    ("Mode", "mode"),
    ("Prefix", "prefix"),
    ("Created", "created_at", "time"),
    ("Last used", "last_used_at", "time"),
    ("Revoked", "revoked_at", "time"),
)

USAGE = _fields(
    ("Plan", "plan"),
    ("Period start", "period_start", "time"),
    ("Period end", "period_end", "time"),
    ("Bookings used", "bookings_used"),
    ("Bookings limit", "bookings_limit"),
    ("Requests per minute", "requests_per_minute"),
)

HOST_ROW = _fields(
    ("Id", "id", "id"),
    ("Name", "name"),
    ("Email", "email"),
    ("Time zone", "time_zone"),
    ("External id", "external_id"),
    ("Active", "active", "bool"),
    ("Default", "is_default", "bool"),
)
HOST = _detail(
    HOST_ROW,
    ("Default schedule", "default_schedule_id", "id"),
    ("Conflict calendars", "conflict_calendars", "json"),
    ("Destination calendar", "destination_calendar", "json"),
    ("Metadata", "metadata", "json"),
)

SCHEDULE_ROW = _fields(
    ("Id", "id", "id"),
    ("Name", "name"),
    ("Time zone", "time_zone"),
    ("Default", "is_default", "bool"),
    ("Weekly hours", "weekly_hours", "hours"),
)
SCHEDULE = _detail(
    SCHEDULE_ROW,
    ("Host", "host_id", "id"),
    ("Date overrides", "date_overrides", "overrides"),
)

EVENT_TYPE_ROW = _fields(
    ("Id", "id", "id"),
    ("Title", "title"),
    ("Slug", "slug"),
    ("Minutes", "duration_minutes"),
    ("Schedule", "schedule_id", "id"),
    ("Assignment", "assignment"),
    ("Active", "active", "bool"),
)
EVENT_TYPE = _detail(
    EVENT_TYPE_ROW,
    ("Hosts", "hosts", "hosts"),
    ("Description", "description"),
    ("Duration options", "duration_options", "list"),
    ("Slot interval", "slot_interval_minutes"),
    ("Buffer before", "buffer_before_minutes"),
    ("Buffer after", "buffer_after_minutes"),
    ("Minimum notice", "minimum_notice_minutes"),
    ("Booking window (days)", "booking_window_days"),
    ("Max per day", "max_bookings_per_day"),
    ("Seats per slot", "seats_per_slot"),
    ("Waitlist hold (minutes)", "waitlist_hold_minutes"),
    ("Location", "location", "json"),
    ("Conflict calendars", "conflict_calendars", "json"),
    ("Destination calendar", "destination_calendar", "json"),
    ("On calendar error", "on_calendar_error"),
    ("Questions", "questions", "questions"),
    ("Reminders", "reminders", "reminders"),
    ("Invitee may cancel", "invitee_can_cancel", "bool"),
    ("Invitee may reschedule", "invitee_can_reschedule", "bool"),
    ("Invitee change notice", "invitee_change_notice_minutes"),
    ("Metadata", "metadata", "json"),
)

BOOKING_ROW = _fields(
    ("Id", "id", "id"),
    ("Status", "status"),
    ("Start", "start", "time"),
    ("End", "end", "time"),
    ("Invitee", "invitee.name"),
    ("Email", "invitee.email"),
    ("Hosts", "hosts", "names"),
    ("Event type", "event_type_id", "id"),
)
BOOKING = _detail(
    BOOKING_ROW,
    ("Invitee zone", "invitee.time_zone"),
    ("Guests", "guests", "list"),
    ("Notes", "notes"),
    ("Location", "location", "json"),
    ("Answers", "answers", "answers"),
    ("Metadata", "metadata", "json"),
    ("Rescheduled", "rescheduled_at", "time"),
    ("Rescheduled by", "rescheduled_by"),
    ("Previous start", "previous_start", "time"),
    ("Reschedule reason", "reschedule_reason"),
    ("Cancelled", "cancelled_at", "time"),
    ("Cancelled by", "cancelled_by"),
    ("Cancel reason", "cancel_reason"),
    # The invitee's own links (send them only to the invitee: the token in them is a credential).
    ("Manage link", "manage_url"),
    ("Cancel link", "cancel_url"),
    ("Reschedule link", "reschedule_url"),
)
HOLD_ROW = _fields(
    ("Id", "id", "id"),
    ("Status", "status"),
    ("Start", "start", "time"),
    ("End", "end", "time"),
    ("Expires", "expires_at", "time"),
    ("Hosts", "hosts", "names"),
    ("Event type", "event_type_id", "id"),
)
HOLD = _detail(
    HOLD_ROW,
    ("Booking", "booking_id", "id"),
    ("Waitlist entry", "waitlist_entry_id", "id"),
    ("Metadata", "metadata", "json"),
)

WAITLIST_ENTRY_ROW = _fields(
    ("Id", "id", "id"),
    ("Status", "status"),
    ("Position", "position"),
    ("Start", "start", "time"),
    ("Date", "date"),
    ("Invitee", "invitee.name"),
    ("Email", "invitee.email"),
    ("Event type", "event_type_id", "id"),
)
WAITLIST_ENTRY = _detail(
    WAITLIST_ENTRY_ROW,
    ("Host", "host_id", "id"),
    ("Hold", "hold_id", "id"),
    ("Hold expires", "hold_expires_at", "time"),
    ("Booking", "booking_id", "id"),
    # The invitee's own link (a credential: send it only to the invitee).
    ("Confirm link", "confirm_url"),
    ("Metadata", "metadata", "json"),
)

# A booking as its invitee sees it (``astrocal invitee show``).
INVITEE_BOOKING = _fields(
    ("Id", "id", "id"),
    ("Status", "status"),
    ("Start", "start", "time"),
    ("End", "end", "time"),
    ("What", "event_type.title"),
    ("Hosts", "hosts", "names"),
    ("Invitee", "invitee.name"),
    ("Email", "invitee.email"),
    ("Location", "location", "json"),
    ("May cancel", "can_cancel", "bool"),
    ("Cancel refused", "cancel_refusal.message"),
    ("May reschedule", "can_reschedule", "bool"),
    ("Reschedule refused", "reschedule_refusal.message"),
    ("Changes close", "change_deadline", "time"),
    ("Previous start", "previous_start", "time"),
    ("Rescheduled by", "rescheduled_by"),
    ("Cancelled", "cancelled_at", "time"),
    ("Cancelled by", "cancelled_by"),
    ("Manage link", "manage_url"),
)

WEBHOOK_ROW = _fields(
    ("Id", "id", "id"),
    ("URL", "url"),
    ("Events", "events", "list"),
    ("Enabled", "enabled", "bool"),
)
WEBHOOK = _detail(
    WEBHOOK_ROW,
    ("Description", "description"),
    ("Disabled reason", "disabled_reason"),
    ("Secret", "secret"),
)

DELIVERY_ROW = _fields(
    ("Id", "id", "id"),
    ("Event", "event_type"),
    ("Status", "status"),
    ("Attempts", "attempt_count"),
    ("Next attempt", "next_attempt_at", "time"),
    ("Created", "created_at", "time"),
)
DELIVERY = (
    *DELIVERY_ROW,
    *_fields(("Webhook", "webhook_id", "id"), ("Event id", "event_id", "id")),
)

CALENDAR_CONNECTION_ROW = _fields(
    ("Id", "id", "id"),
    ("Provider", "provider"),
    ("Status", "status"),
    ("Account", "account_email"),
    ("Calendars", "calendars", "calendars"),
)
CALENDAR_CONNECTION = _detail(
    CALENDAR_CONNECTION_ROW,
    ("Host", "host_id", "id"),
    ("Server", "server_url"),
    ("Authorization URL", "authorization_url"),
    ("Last error", "last_error", "json"),
)
