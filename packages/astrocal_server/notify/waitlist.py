"""The waitlist promotion email: a slot was held for the invitee; confirm it before the hold
expires (pure; no I/O).

The payload (written by ``waitlist/service.py`` in the promoting transaction)::

    {"notice": "waitlist_promoted", "entry": {<API WaitlistEntry>, revealed},
     "start", "end", "event_type": {"id", "title", "description", "location"},
     "hosts": [{"id", "name", "email", "time_zone"}, …]}

The entry's ``confirm_url`` holds a placeholder until it is revealed (``invitee.links.reveal``);
without a usable one the email names the hold id instead, for an app that books it with
``POST /v1/bookings`` and ``hold_id``. Times are in the invitee's zone (else the first host's,
else UTC), the zone named. One copy only: the invitee's (role ``invitee``); the hosts hear of it
through the ``waitlist.promoted`` webhook, and of the booking when it is confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from astrocal_server.notify.message import Content, mailbox, parse_sender, plain_message
from astrocal_server.notify.notice import (
    MalformedNotice,
    Person,
    payload_link,
    payload_object,
    payload_text,
    payload_time,
    usable_zone,
)
from astrocal_server.notify.text import joined_names, one_line
from astrocal_server.notify.when import long_span, short_start

__all__ = ["NOTICE", "Promotion", "compose_promotion", "parse_promotion"]

NOTICE = "waitlist_promoted"


@dataclass(frozen=True)
class Promotion:
    entry_id: str
    hold_id: str
    start: datetime
    end: datetime
    expires_at: datetime
    invitee: Person
    event_title: str
    hosts: tuple[Person, ...]
    confirm_url: str | None


def parse_promotion(payload: dict[str, Any]) -> Promotion:
    """Read a revealed promotion payload; :class:`MalformedNotice` says what does not fit."""
    entry = payload_object(payload.get("entry"), "entry")
    invitee = payload_object(entry.get("invitee"), "entry.invitee")
    event_type = payload_object(payload.get("event_type"), "event_type")
    hosts = payload.get("hosts") or []
    if not isinstance(hosts, list):
        raise MalformedNotice("hosts must be a list")
    return Promotion(
        entry_id=payload_text(entry, "id", "entry"),
        hold_id=payload_text(entry, "hold_id", "entry"),
        start=payload_time(payload, "start", "payload"),
        end=payload_time(payload, "end", "payload"),
        expires_at=payload_time(entry, "hold_expires_at", "entry"),
        invitee=Person(
            name=payload_text(invitee, "name", "entry.invitee"),
            email=payload_text(invitee, "email", "entry.invitee"),
            time_zone=usable_zone(invitee.get("time_zone")),
        ),
        event_title=payload_text(event_type, "title", "event_type"),
        hosts=tuple(
            Person(
                name=payload_text(payload_object(h, "hosts[]"), "name", "hosts[]"),
                email=h.get("email") if isinstance(h.get("email"), str) else None,
                time_zone=usable_zone(h.get("time_zone")),
            )
            for h in hosts
        ),
        confirm_url=payload_link(entry, "confirm_url"),
    )


def promotion_content(promotion: Promotion) -> Content:
    zone = promotion.invitee.time_zone
    zone = zone or next((h.time_zone for h in promotion.hosts if h.time_zone), None) or "UTC"
    title = one_line(promotion.event_title)
    hosts = joined_names([h.name for h in promotion.hosts]) or "your host"
    when = long_span(promotion.start, promotion.end, zone)
    until = short_start(promotion.expires_at, zone)
    extra = []
    links: list[tuple[str, str]] = []
    if promotion.confirm_url is not None:
        links.append(("Confirm the booking", promotion.confirm_url))
    else:
        extra.append(f"To book it, confirm hold {promotion.hold_id} where you joined the waitlist.")
    reply = next((h for h in promotion.hosts if h.email), None)
    return Content(
        subject=f"A place opened up: {title} – {short_start(promotion.start, zone)}",
        heading="A place opened up for you",
        intro=(
            f"{title} with {hosts} on {when} is held for you until {until}. Confirm it before "
            "then to book it; after that it goes to the next person waiting."
        ),
        rows=[("What", title), ("When", when), ("Held until", until)],
        notes=None,
        contact_name=hosts,
        contact_email=reply.email if reply is not None else None,
        extra=extra,
        links=links,
    )


def compose_promotion(
    promotion: Promotion, *, sender: str, stamp: datetime, message_key: str
) -> list[tuple[str, EmailMessage]]:
    """The one email a promotion owes: the invitee's, its Message-ID stable per outbox row."""
    from_addr = parse_sender(sender)
    domain = from_addr.domain or "astrocal.localhost"
    to = mailbox(promotion.invitee.email or "", promotion.invitee.name)
    reply = next((h for h in promotion.hosts if h.email), None)
    message = plain_message(
        promotion_content(promotion),
        sender=from_addr,
        to=to,
        cc=[],
        reply_to=None if reply is None or reply.email is None else mailbox(reply.email, reply.name),
        message_id=f"<{message_key}.invitee@{domain}>",
        date=stamp,
    )
    return [("invitee", message)]
