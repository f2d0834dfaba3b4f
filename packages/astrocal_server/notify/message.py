"""The booking emails as MIME messages, one for the invitee and one for each host (pure; no I/O).

The tree is the one Gmail, Outlook and Apple Mail recognise as an invitation::

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain
    │   ├── text/html
    │   └── text/calendar; method=REQUEST|CANCEL   (the same METHOD as inside the ICS)
    └── application/ics; name=invite.ics            (attachment, for clients that ignore the above)

A reminder (``Notice.kind == "reminder"``) is the ``multipart/alternative`` part alone: it
changes nothing in anyone's calendar, so it carries no invitation.

Everything a person typed (names, notes, titles, reasons, answers) is escaped in HTML and flattened to one
line in headers, so it can neither inject markup nor start a new header.

The invitee's copy carries their links (:attr:`Notice.links`): reschedule, cancel and view for a
confirmation or a move, view alone for a cancellation; so does the invitee's invite (its
DESCRIPTION). Host copies and their invite never do: the links act as the invitee.

A display name in From, To or Reply-To is written by :func:`mailbox_header` as RFC 2047
encoded words (unless it is plain words), already folded, so whatever it holds (commas, quotes,
angle brackets, ``@``, 500 characters) each of those headers parses back as exactly one address.
Python's own folding cannot be trusted here: it drops the quotes around a long display name when it
breaks it across lines, and ``"Jo, reply to eve@attacker.example …" <jo@…>`` became two addresses.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Literal
from urllib.parse import quote

from astrocal_server.notify.ics import Invite, build_invite
from astrocal_server.notify.notice import Notice, Person
from astrocal_server.notify.text import joined_names, multi_line, one_line
from astrocal_server.notify.when import long_span, short_start

__all__ = [
    "BadAddress",
    "Content",
    "Role",
    "compose",
    "content_for",
    "host_copy_role",
    "invitee_links",
    "mailbox",
    "mailbox_header",
    "parse_sender",
    "plain_message",
    "with_invite",
]

Role = Literal["invitee", "host"]


class BadAddress(ValueError):
    """An address that cannot be put in a header (malformed, or carrying a line break)."""


@dataclass(frozen=True)
class Content:
    """What one email says, before it is rendered as text and HTML."""

    subject: str
    heading: str
    intro: str
    rows: list[tuple[str, str]]
    notes: str | None
    contact_name: str
    contact_email: str | None
    extra: list[str] = field(default_factory=list)
    # The invitee's links, (label, URL), shown under "Need to make a change?" or alone.
    links: list[tuple[str, str]] = field(default_factory=list)
    # (question label, answer) pairs, cleaned: the label on one line, the answer's lines kept.
    answers: list[tuple[str, str]] = field(default_factory=list)


def _address(email: str, name: str | None = None) -> Address:
    local, at, domain = email.rpartition("@")
    if not (local and at and domain) or any(ch.isspace() or ch == "\0" for ch in email):
        raise BadAddress(f"{email!r} is not a usable email address")
    try:
        return Address(display_name=one_line(name or ""), addr_spec=email)
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise BadAddress(f"{email!r} is not a usable email address: {exc}") from None


# A display name made of these needs no quoting, so folding it at a space cannot change its meaning.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
# Header lines stay within RFC 5322's 78 characters even after the longest name we write,
# "Reply-To: " (10): an encoded word of 12 + 4 * 12 = 60 characters carries 36 octets of UTF-8.
_WORD_OCTETS = 36
_LINE = 78


def _encoded_words(name: str) -> list[str]:
    """``name`` as base64 encoded words, never splitting a UTF-8 sequence between two words."""
    chunks: list[bytes] = [b""]
    for ch in name:
        octets = ch.encode("utf-8")
        if len(chunks[-1]) + len(octets) > _WORD_OCTETS:
            chunks.append(b"")
        chunks[-1] += octets
    return [f"=?utf-8?b?{base64.b64encode(c).decode('ascii')}?=" for c in chunks if c]


def mailbox_header(header: str, address: Address) -> str:
    """The value of ``header`` (From, To, Reply-To) naming one mailbox, folded, ASCII only.

    Set it with ``EmailMessage.set_raw``: lines of at most 78 characters are emitted as written
    by every policy, so the quoting cannot be undone by refolding. An address too long to share
    its line with anything (over 74 characters) goes without its display name.
    """
    spec = f"<{address.addr_spec}>"
    name = address.display_name
    if not name or len(spec) + 1 > _LINE - 2:
        return address.addr_spec
    if _PLAIN_NAME.fullmatch(name) and len(header) + 2 + len(name) + 1 + len(spec) <= _LINE:
        return f"{name} {spec}"
    return "\n ".join([*_encoded_words(name), spec])


def parse_sender(sender: str) -> Address:
    """The configured From (``"Astrocal <no-reply@example.com>"`` or a bare address)."""
    display, email = parseaddr(sender)
    if not email or "@" not in email:
        raise BadAddress(f"email_from {sender!r} has no address")
    return _address(email, display or "Astrocal")


def _zone_for(notice: Notice, role: Role, host: Person) -> str:
    me = notice.invitee if role == "invitee" else host
    other = host if role == "invitee" else notice.invitee
    return me.time_zone or other.time_zone or "UTC"


def _named(person: Person) -> str:
    return one_line(person.name) + (f" <{person.email}>" if person.email else "")


def content_for(notice: Notice, role: Role, host: Person | None = None) -> Content:
    """Subject and body parts for ``role``; times in that person's zone, zone named.

    ``host`` is the host a host copy is for (default: the first host); the invitee's copy names
    every host of the booking.
    """
    me = host or notice.host
    zone = _zone_for(notice, role, me)
    title = one_line(notice.event_title)
    host_names = joined_names([h.name for h in notice.hosts])
    invitee = one_line(notice.invitee.name)
    other = host_names if role == "invitee" else invitee
    when = long_span(notice.start, notice.end, zone)
    short = short_start(notice.start, zone)

    rows: list[tuple[str, str]] = [("What", title), ("When", when)]
    if notice.location is not None:
        rows.append(("Where", one_line(notice.location.value)))
        if notice.location.link and notice.location.link != notice.location.value:
            rows.append(("Join", notice.location.link))
    if role == "invitee":
        label = "Host" if len(notice.hosts) == 1 else "Hosts"
        rows.append((label, ", ".join(_named(h) for h in notice.hosts)))
    else:
        rows.append(("Invitee", f"{invitee} <{notice.invitee.email}>"))
    if notice.guests:
        rows.append(("Guests", ", ".join(notice.guests)))

    extra: list[str] = []
    if notice.kind == "created":
        subject = (
            f"Confirmed: {title} with {host_names} – {short}"
            if role == "invitee"
            else f"New booking: {title} with {invitee} – {short}"
        )
        heading = "Your booking is confirmed" if role == "invitee" else "You have a new booking"
        intro = (
            f"{title} with {host_names} is booked for {when}."
            if role == "invitee"
            else f"{invitee} booked {title} with you for {when}."
        )
    elif notice.kind == "updated":
        subject = f"Updated: {title} with {other} – {short}"
        heading = "Your booking was updated" if role == "invitee" else "A booking was updated"
        intro = f"{title} with {other} on {when} has new details."
        if notice.location is not None and notice.location.link is not None:
            intro = f"{title} with {other} on {when} now has its meeting link."
    elif notice.kind == "rescheduled":
        subject = f"Rescheduled: {title} with {other} – now {short}"
        heading = "Your booking has moved" if role == "invitee" else "A booking has moved"
        before = (
            long_span(notice.previous_start, notice.previous_end, zone)
            if notice.previous_start and notice.previous_end
            else None
        )
        intro = f"{title} with {other} has been rescheduled to {when}."
        if before:
            rows.insert(2, ("Was", before))
        if notice.reschedule_reason:
            extra.append(f"Reason: {one_line(notice.reschedule_reason)}")
    elif notice.kind == "reminder":
        subject = f"Reminder: {title} with {other} – {short}"
        heading = "Your booking is coming up" if role == "invitee" else "A booking is coming up"
        intro = f"{title} with {other} is on {when}."
    else:
        subject = f"Cancelled: {title} with {other} – {short}"
        heading = "Your booking is cancelled" if role == "invitee" else "A booking was cancelled"
        intro = f"{title} with {other} on {when} has been cancelled."
        if notice.cancel_reason:
            extra.append(f"Reason: {one_line(notice.cancel_reason)}")

    contact_email = _reply_host(notice).email if role == "invitee" else notice.invitee.email
    return Content(
        subject=subject,
        heading=heading,
        intro=intro,
        rows=rows,
        notes=multi_line(notice.notes) if notice.notes else None,
        contact_name=other,
        contact_email=contact_email,
        extra=extra,
        links=invitee_links(notice) if role == "invitee" else [],
        # The host reads what the invitee answered; the invitee knows it already.
        answers=[(one_line(q), multi_line(a)) for q, a in notice.answers] if role == "host" else [],
    )


def invitee_links(notice: Notice) -> list[tuple[str, str]]:
    """The invitee's links to offer with ``notice``, each ``(label, URL)``: a cancelled booking
    can still be viewed, a live one also moved or cancelled."""
    links = notice.links
    offered = [("View the booking", links.manage)]
    if notice.kind != "cancelled":
        offered = [("Reschedule", links.reschedule), ("Cancel", links.cancel), *offered]
    return [(label, url) for label, url in offered if url is not None]


def _reply_host(notice: Notice) -> Person:
    """The host the invitee's replies go to: the first host with an address (else the first)."""
    return next((h for h in notice.hosts if h.email), notice.host)


def host_copy_role(position: int) -> str:
    """The copy of the host at ``position`` in the booking's hosts: ``host`` for the first (as
    before bookings had several hosts), ``host.<position>`` for the others. Stable for a row, since
    its payload never changes; it keys ``email_copies`` and the Message-ID."""
    return "host" if position == 0 else f"host.{position}"


def _contact_text(content: Content) -> str:
    if content.contact_email:
        return (
            f"To reach {content.contact_name}, reply to this email or write to "
            f"{content.contact_email}."
        )
    return f"To reach {content.contact_name}, use the contact details you booked with."


def _links_heading(content: Content) -> str:
    if len(content.links) == 1:
        return "Your booking, online:"
    return "Need to make a change? No account or password needed:"


def render_text(content: Content) -> str:
    lines = [content.heading, "", content.intro, ""]
    width = max(len(label) for label, _ in content.rows)
    lines += [f"{label + ':':<{width + 1}} {value}" for label, value in content.rows]
    for paragraph in content.extra:
        lines += ["", paragraph]
    if content.notes:
        lines += ["", "Notes:", content.notes]
    if content.answers:
        lines += ["", "Answers:"]
        for label, answer in content.answers:
            lines += [f"{label}:", *(f"  {line}" for line in answer.split("\n"))]
    if content.links:
        lines += ["", _links_heading(content)]
        lines += [f"{label}: {url}" for label, url in content.links]
    lines += ["", _contact_text(content), ""]
    return "\n".join(lines)


def _lines_html(text: str) -> str:
    """``text`` escaped, its line breaks as ``<br>``."""
    return "<br>".join(html.escape(line) for line in text.split("\n"))


def render_html(content: Content) -> str:
    e = html.escape
    rows = "\n".join(
        f'<tr><th align="left" style="padding-right:12px">{e(label)}</th><td>{e(value)}</td></tr>'
        for label, value in content.rows
    )
    extra = "\n".join(f"<p>{e(p)}</p>" for p in content.extra)
    notes = ""
    if content.notes:
        notes = f"<p><strong>Notes:</strong><br>{_lines_html(content.notes)}</p>"
    answers = ""
    if content.answers:
        answers = (
            "<h2>Answers</h2>\n<table>\n"
            + "\n".join(
                f'<tr><th align="left" valign="top" style="padding-right:12px">{e(label)}</th>'
                f"<td>{_lines_html(answer)}</td></tr>"
                for label, answer in content.answers
            )
            + "\n</table>"
        )
        notes += "</p>"
    links = ""
    if content.links:
        items = "".join(
            f'<li><a href="{e(url)}">{e(label)}</a></li>' for label, url in content.links
        )
        links = f"<p>{e(_links_heading(content))}</p>\n<ul>{items}</ul>"
    if content.contact_email:
        href = "mailto:" + quote(content.contact_email, safe="@+.")
        contact = (
            f"<p>To reach {e(content.contact_name)}, reply to this email or write to "
            f'<a href="{e(href)}">{e(content.contact_email)}</a>.</p>'
        )
    else:
        contact = f"<p>{e(_contact_text(content))}</p>"
    return (
        "<!DOCTYPE html>\n"
        '<html><head><meta charset="utf-8"><title>' + e(content.subject) + "</title></head><body>\n"
        f"<h1>{e(content.heading)}</h1>\n<p>{e(content.intro)}</p>\n"
        f"<table>\n{rows}\n</table>\n{extra}\n{notes}\n{answers}\n{links}\n{contact}\n</body></html>\n"
    )


def with_invite(msg: EmailMessage, invite: Invite | None) -> EmailMessage:
    """``msg`` (from :func:`plain_message`) with ``invite`` as a calendar alternative and an
    ``invite.ics`` attachment; unchanged without one."""
    if invite is None:
        return msg  # a reminder changes nothing in the calendar: no invitation
    msg.add_alternative(invite.text, subtype="calendar", params={"method": invite.method})
    msg.make_mixed()
    msg.add_attachment(
        invite.text.encode("utf-8"), maintype="application", subtype="ics", filename="invite.ics"
    )
    return msg


def plain_message(
    content: Content,
    *,
    sender: Address,
    to: Address,
    cc: list[Address],
    reply_to: Address | None,
    message_id: str,
    date: datetime,
) -> EmailMessage:
    """``content`` as text and HTML alternatives, without an invitation."""
    msg = EmailMessage()
    msg["Subject"] = one_line(content.subject)
    msg.set_raw("From", mailbox_header("From", sender))
    msg.set_raw("To", mailbox_header("To", to))
    if cc:
        msg["Cc"] = cc  # bare addresses: no display name to fold
    if reply_to is not None:
        msg.set_raw("Reply-To", mailbox_header("Reply-To", reply_to))
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(render_text(content))
    msg.add_alternative(render_html(content), subtype="html")
    return msg


def mailbox(email: str, name: str | None = None) -> Address:
    """``email`` (with display ``name``) as a header address; :class:`BadAddress` otherwise."""
    return _address(email, name)


_Addresses = tuple[
    Address, Address, list[Address], list[tuple[str, Person, Address]], Address | None
]


def _addresses(notice: Notice, sender: str) -> _Addresses:
    """The notice's header addresses: sender, invitee, guests (the invitee's own address left
    out), each host with an address (with its copy role), reply-to; :class:`BadAddress` for one
    that cannot be sent to."""
    from_addr = parse_sender(sender)
    invitee = _address(notice.invitee.email or "", notice.invitee.name)
    guests = [_address(g) for g in notice.guests if g.lower() != invitee.addr_spec.lower()]
    hosts = [
        (host_copy_role(n), h, _address(h.email, h.name))
        for n, h in enumerate(notice.hosts)
        if h.email
    ]
    reply_host = _reply_host(notice)
    reply_to = _address(reply_host.email, reply_host.name) if reply_host.email is not None else None
    return from_addr, invitee, guests, hosts, reply_to


def compose(
    notice: Notice, *, sender: str, stamp: datetime, message_key: str
) -> list[tuple[str, EmailMessage]]:
    """The emails one notice owes, each with its copy role: the invitee's (guests in Cc), and one
    for each host that has an address (:func:`host_copy_role`). ``message_key`` makes the
    Message-IDs stable, so a resend after a crash is recognisably the same message. Raises
    :class:`BadAddress` for an address that cannot be sent to.
    """
    # Addresses first: nothing that cannot be a header reaches the ICS either.
    from_addr, invitee, guests, hosts, reply_to = _addresses(notice, sender)
    domain = from_addr.domain or "astrocal.localhost"
    invite: Invite | None = None
    own_invite: Invite | None = None
    if notice.kind != "reminder":  # a reminder is text and HTML only
        invite = build_invite(notice, organizer_email=from_addr.addr_spec, stamp=stamp)
        # The invitee's invite also carries their links; the hosts' one stays without them.
        own_invite = build_invite(
            notice, organizer_email=from_addr.addr_spec, stamp=stamp, links=invitee_links(notice)
        )

    out: list[tuple[str, EmailMessage]] = [
        (
            "invitee",
            with_invite(
                plain_message(
                    content_for(notice, "invitee"),
                    sender=from_addr,
                    to=invitee,
                    cc=guests,
                    reply_to=reply_to,
                    message_id=f"<{message_key}.invitee@{domain}>",
                    date=stamp,
                ),
                own_invite,
            ),
        )
    ]
    for role, person, address in hosts:
        out.append(
            (
                role,
                with_invite(
                    plain_message(
                        content_for(notice, "host", person),
                        sender=from_addr,
                        to=address,
                        cc=[],
                        reply_to=invitee,
                        message_id=f"<{message_key}.{role}@{domain}>",
                        date=stamp,
                    ),
                    invite,
                ),
            )
        )
    return out
