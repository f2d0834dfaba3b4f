"""The email outbox payload, read into typed values (pure; no I/O).

The payload contract (written by the bookings code in the booking's transaction)::

    {"notice": "created"|"rescheduled"|"cancelled"|"updated"|"reminder", "booking": {<API Booking>},
     "sequence": <ics_sequence after the change>,
     "event_type": {"id", "title", "description", "location"},
     "host": {"name", "email" (may be null), "time_zone"},
     "hosts": [{"id", "name", "email" (may be null), "time_zone"}, …]}

The booking's ``answers`` (``[{key, label, type, value}]``) are read as (label, text) pairs; a
booking without them (or a row written before questions existed) has none.

``hosts`` lists every host of the booking, the first one first; rows written before bookings had
several hosts carry only ``host``, read as the one host.

The booking's ``manage_url``, ``cancel_url`` and ``reschedule_url`` (the invitee's links) are read
into :class:`InviteeLinks` once the payload was revealed (``invitee.links.reveal``: stored rows hold
a placeholder instead of the token). A URL that is not a plain absolute http(s) address (a
placeholder left in it, a control character or a space) is left out rather than mailed.

``updated`` is the invite again with what changed since it was sent: the booking's video room
link (``location.join_url``), which arrived after the confirmation.

A ``reminder`` notice is built by ``reminders/send.py`` at send time, never stored.

The location's ``join_url`` (or ``url``), when it is a plain http(s) address, is kept as
:attr:`Location.link` (a location with only a link shows the link).

A payload that does not fit raises :class:`MalformedNotice`: retrying cannot fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from astrocal_server.bookings.answers import answer_lines
from astrocal_server.locations import location_text

__all__ = [
    "InviteeLinks",
    "Location",
    "MalformedNotice",
    "Notice",
    "NoticeKind",
    "Person",
    "optional_text",
    "optional_time",
    "parse_notice",
    "payload_link",
    "payload_object",
    "payload_text",
    "payload_time",
    "usable_zone",
]

NoticeKind = Literal["created", "rescheduled", "cancelled", "updated", "reminder"]
_KINDS: frozenset[str] = frozenset({"created", "rescheduled", "cancelled", "updated", "reminder"})


class MalformedNotice(ValueError):
    """The payload is not an email notice this code understands."""


@dataclass(frozen=True)
class Person:
    name: str
    email: str | None
    time_zone: str | None


@dataclass(frozen=True)
class Location:
    type: str
    value: str
    link: str | None = None  # where to join (``join_url`` or ``url``)


@dataclass(frozen=True)
class InviteeLinks:
    """The invitee's own links to the booking (each None when the payload has no usable one)."""

    manage: str | None
    cancel: str | None
    reschedule: str | None


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    sequence: int
    booking_id: str
    start: datetime
    end: datetime
    invitee: Person
    guests: tuple[str, ...]
    notes: str | None
    location: Location | None
    cancel_reason: str | None
    reschedule_reason: str | None
    previous_start: datetime | None
    previous_end: datetime | None
    event_title: str
    event_description: str | None
    hosts: tuple[Person, ...]  # at least one; the assigned (or first) host first
    links: InviteeLinks = InviteeLinks(None, None, None)
    # (question label, answer as text) for each answer the booking stored, in question order.
    answers: tuple[tuple[str, str], ...] = ()

    @property
    def host(self) -> Person:
        """The assigned (or first) host: the one the invitee's email names as its sender."""
        return self.hosts[0]


def payload_object(value: Any, where: str) -> dict[str, Any]:
    """``value`` as a JSON object; :class:`MalformedNotice` naming ``where`` otherwise."""
    if not isinstance(value, dict):
        raise MalformedNotice(f"{where} must be an object")
    return cast(dict[str, Any], value)


def optional_text(data: dict[str, Any], key: str, where: str) -> str | None:
    """``data[key]`` as a string, ``None`` when absent or empty."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise MalformedNotice(f"{where}.{key} must be a string")
    return value


def payload_text(data: dict[str, Any], key: str, where: str) -> str:
    """``data[key]``, a string that must be there."""
    text = optional_text(data, key, where)
    if text is None:
        raise MalformedNotice(f"{where}.{key} is missing")
    return text


def _utc(text: str, key: str, where: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedNotice(f"{where}.{key} is not an RFC 3339 time: {text!r}") from None
    if value.tzinfo is None:
        raise MalformedNotice(f"{where}.{key} has no UTC offset: {text!r}")
    return value.astimezone(UTC)


def optional_time(data: dict[str, Any], key: str, where: str) -> datetime | None:
    """``data[key]``, an RFC 3339 time with an offset, in UTC; ``None`` when absent."""
    text = optional_text(data, key, where)
    return None if text is None else _utc(text, key, where)


def payload_time(data: dict[str, Any], key: str, where: str) -> datetime:
    """``data[key]``, an RFC 3339 time with an offset that must be there, in UTC."""
    return _utc(payload_text(data, key, where), key, where)


def usable_zone(name: str | None) -> str | None:
    """A usable IANA zone name, or ``None`` (an unknown zone falls back rather than failing)."""
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def payload_link(data: dict[str, Any], key: str) -> str | None:
    """``data[key]`` when it is a whole http(s) URL (no unfilled ``{…}`` placeholder), else
    ``None``: a link an email can show."""
    value = data.get(key)
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        return None
    if "{" in value or "}" in value or any(ch.isspace() or not ch.isprintable() for ch in value):
        return None
    return value


def _location(value: Any, where: str) -> Location | None:
    if value is None:
        return None
    data = payload_object(value, where)
    # Where: the fixed value, else the room service's name; the link (a room's join link, or a
    # plain URL) is shown beside it.
    text = location_text({k: v for k, v in data.items() if k != "join_url"})
    link = payload_link(data, "join_url") or payload_link(data, "url")
    if text is None and link is None:
        return None
    return Location(
        type=optional_text(data, "type", where) or "custom",
        value=text or link or "",
        link=link,
    )


def parse_notice(payload: dict[str, Any]) -> Notice:
    """Read an email outbox payload; :class:`MalformedNotice` says what does not fit."""
    data = payload_object(payload, "payload")
    kind = data.get("notice")
    if kind not in _KINDS:
        raise MalformedNotice(f"payload.notice must be one of {sorted(_KINDS)}, not {kind!r}")
    sequence = data.get("sequence")
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 0:
        raise MalformedNotice("payload.sequence must be a non-negative integer")

    booking = payload_object(data.get("booking"), "booking")
    invitee = payload_object(booking.get("invitee"), "booking.invitee")
    event_type = payload_object(data.get("event_type"), "event_type")
    hosts = _hosts(data)

    start = payload_time(booking, "start", "booking")
    end = payload_time(booking, "end", "booking")
    if end <= start:
        raise MalformedNotice("booking.end must be after booking.start")
    guests_raw = booking.get("guests") or []
    if not isinstance(guests_raw, list) or not all(isinstance(g, str) for g in guests_raw):
        raise MalformedNotice("booking.guests must be a list of email addresses")

    booking_id = payload_text(booking, "id", "booking")
    invitee_name = payload_text(invitee, "name", "booking.invitee")
    invitee_email = payload_text(invitee, "email", "booking.invitee")
    title = payload_text(event_type, "title", "event_type")
    return Notice(
        kind=cast(NoticeKind, kind),
        sequence=sequence,
        booking_id=booking_id,
        start=start,
        end=end,
        invitee=Person(
            name=invitee_name,
            email=invitee_email,
            time_zone=usable_zone(optional_text(invitee, "time_zone", "booking.invitee")),
        ),
        guests=tuple(guests_raw),
        notes=optional_text(booking, "notes", "booking"),
        location=_location(booking.get("location"), "booking.location")
        or _location(event_type.get("location"), "event_type.location"),
        cancel_reason=optional_text(booking, "cancel_reason", "booking"),
        reschedule_reason=optional_text(booking, "reschedule_reason", "booking"),
        previous_start=optional_time(booking, "previous_start", "booking"),
        previous_end=optional_time(booking, "previous_end", "booking"),
        event_title=title,
        event_description=optional_text(event_type, "description", "event_type"),
        hosts=hosts,
        links=InviteeLinks(
            manage=payload_link(booking, "manage_url"),
            cancel=payload_link(booking, "cancel_url"),
            reschedule=payload_link(booking, "reschedule_url"),
        ),
        answers=tuple(answer_lines(booking.get("answers"))),
    )


def _person(value: Any, where: str) -> Person:
    data = payload_object(value, where)
    return Person(
        name=payload_text(data, "name", where),
        email=optional_text(data, "email", where),
        time_zone=usable_zone(optional_text(data, "time_zone", where)),
    )


def _hosts(data: dict[str, Any]) -> tuple[Person, ...]:
    listed = data.get("hosts")
    if listed is None:
        return (_person(data.get("host"), "host"),)
    if not isinstance(listed, list) or not listed:
        raise MalformedNotice("payload.hosts must be a non-empty list")
    return tuple(_person(h, f"hosts[{n}]") for n, h in enumerate(listed))
