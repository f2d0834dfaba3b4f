"""The iTIP invite (RFC 5546) for a booking notice, built with ``icalendar`` (pure; no I/O).

- ``created``, ``rescheduled`` and ``updated`` (a video link arrived) → ``METHOD:REQUEST``;
  ``cancelled`` → ``METHOD:CANCEL`` with ``STATUS:CANCELLED``. ``SEQUENCE`` is the booking's ``ics_sequence`` from the payload, so a
  reschedule or a cancel supersedes what the client already holds.
- One ``UID`` per booking, the same in every message about it, so clients update the one event.
- ``ORGANIZER`` is the address the email comes From (clients only offer accept/decline when they
  match), named after the booking's first host; every host with an address, the invitee and the
  guests are ``ATTENDEE``s, each asked to reply (``RSVP=TRUE``, ``PARTSTAT=NEEDS-ACTION``).
- ``DESCRIPTION`` ends with the invitee's links when the invite is the invitee's own (``links``);
  hosts get the same invite without them.
- Times are UTC (no VTIMEZONE needed). Built with ``Calendar()``, not ``Calendar.new()``, which
  would add a calendar-level UID that some clients trip over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from icalendar import Calendar, Event, vCalAddress
from icalendar.enums import STATUS, TRANSP

from astrocal_server.notify.notice import Notice
from astrocal_server.notify.text import answers_block, joined_names, multi_line, one_line

__all__ = ["PRODID", "Invite", "build_invite", "invite_uid"]

PRODID = "-//Astrocal//Astrocal Scheduling//EN"

Method = Literal["REQUEST", "CANCEL"]


@dataclass(frozen=True)
class Invite:
    method: Method
    uid: str
    text: str  # the iCalendar object, CRLF line endings


def invite_uid(booking_id: str) -> str:
    """The event UID of a booking; never changes for the booking's lifetime."""
    return f"{booking_id}@astrocal"


def _address(email: str, name: str | None, **params: str | bool) -> vCalAddress:
    cn = one_line(name) if name else None
    return vCalAddress.new(email, cn=cn or None, **params)  # type: ignore[arg-type]


def _attendee(email: str, name: str | None) -> vCalAddress:
    return _address(
        email,
        name,
        cutype="INDIVIDUAL",
        role="REQ-PARTICIPANT",
        partstat="NEEDS-ACTION",
        rsvp=True,
    )


def _description(notice: Notice, links: Sequence[tuple[str, str]]) -> str:
    parts: list[str] = []
    if notice.kind == "cancelled":
        parts.append("This meeting has been cancelled.")
        if notice.cancel_reason:
            parts.append(f"Reason: {multi_line(notice.cancel_reason)}")
    if notice.event_description:
        parts.append(multi_line(notice.event_description))
    if notice.notes:
        parts.append(f"Notes from {one_line(notice.invitee.name)}:\n{multi_line(notice.notes)}")
    if notice.answers:
        parts.append(answers_block(notice.answers))
    for host in notice.hosts:
        if host.email:
            parts.append(f"Contact {one_line(host.name)}: {host.email}")
    if links:
        parts.append("\n".join(f"{label}: {url}" for label, url in links))
    parts.append(f"Booking reference: {notice.booking_id}")
    return "\n\n".join(parts)


def build_invite(
    notice: Notice,
    *,
    organizer_email: str,
    stamp: datetime,
    links: Sequence[tuple[str, str]] = (),
) -> Invite:
    """The invite for ``notice``; ``stamp`` (DTSTAMP) is when the change was made; ``links``
    (label, URL) end its DESCRIPTION."""
    method: Method = "CANCEL" if notice.kind == "cancelled" else "REQUEST"
    uid = invite_uid(notice.booking_id)

    attendees = [_attendee(notice.invitee.email or "", notice.invitee.name)]
    seen = {(notice.invitee.email or "").lower()}
    for guest in notice.guests:
        if guest.lower() not in seen:
            seen.add(guest.lower())
            attendees.append(_attendee(guest, None))
    for host in notice.hosts:
        if host.email and host.email.lower() not in seen:
            # Each host is an attendee too, so their mail client offers to add the event.
            seen.add(host.email.lower())
            attendees.append(_attendee(host.email, host.name))

    title = one_line(notice.event_title)
    event = Event.new(
        uid=uid,
        sequence=notice.sequence,
        stamp=stamp,
        start=notice.start,
        end=notice.end,
        summary=f"{title} with {joined_names([h.name for h in notice.hosts] + [notice.invitee.name])}",
        description=_description(notice, links),
        # A room's join link, where there is one: calendar apps make LOCATION clickable.
        location=one_line(notice.location.link or notice.location.value)
        if notice.location
        else None,
        organizer=_address(organizer_email, notice.host.name),
        attendees=attendees,
        status=STATUS.CANCELLED if method == "CANCEL" else STATUS.CONFIRMED,
        transparency=TRANSP.OPAQUE,
    )
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(event)
    return Invite(method=method, uid=uid, text=calendar.to_ical().decode("utf-8"))
