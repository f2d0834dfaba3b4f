"""Injection sweep: hostile text in every field a person types (invitee name, notes, reschedule and
cancel reasons, metadata) goes through the API, the outbox relay, a real SMTP server (aiosmtpd)
and a real CalDAV server (Radicale), and breaks nothing:

- email: no header is added or split (exactly one address in To and Reply-To, no Bcc, every
  header line ends where it should), the HTML part escapes markup;
- iCalendar (the invite attached to the email and the event PUT to the calendar): content lines
  fold at 75 octets without splitting a UTF-8 sequence, ``icalendar`` parses each back into one
  VEVENT with exactly the attendees we meant, and ``, ; \\`` and line breaks are escaped;
- CalDAV: the resource we PUT is ``<calendar>/<booking id>.ics`` and its UID the booking's;
- logs: every record of the server's loggers is one line (control characters escaped);
- NUL is refused with a 400 naming the field, never a 500.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from email.message import EmailMessage
from typing import Any
from xml.etree import ElementTree

import httpx
import icalendar
import pytest
from astrocal_server.config import Settings
from astrocal_server.outbox.relay import OutboxRelay
from fastapi import FastAPI

from tests.support.app import server_settings
from tests.support.bookings import Book, create_event_type
from tests.support.caldav import Radicale
from tests.support.calendars import radicale_event_type
from tests.support.emails import smtp_fields
from tests.support.smtp import Sink

H = dict[str, str]
INVITEE = "jo@invitee.example"
START = "2026-04-15T08:00:00Z"  # the slot both tests book: Wednesday of the pinned clock's week
OWNER = "owner@example.com"  # the account's email (make_account in tests/support/app.py)

HOSTILE = {
    "crlf-headers": "Jo\r\nBcc: victim@evil.example\r\nX-Injected: yes\r\n\r\nbody",
    "ics-properties": 'Jo;ROLE=CHAIR:mailto:x\r\nATTENDEE:mailto:evil@evil.example\\,;"q"',
    "html": '<script>alert("x")</script><img src=x onerror=alert(1)>&amp;',
    "address-specials": 'Jo Smith, please reply to jo@attacker.example "x" <eve@attacker.example>',
    "non-bmp": "Zoë 😀 𝔍𝔬 日本語 " * 12,
    "bidi-and-separators": "\u202eevil\u202c\u2028line\u2029para\u0085next\x1b[31m",
    "log-forging": "x\r\n2026-04-15 08:00:00 INFO astrocal.server: forged line\nmore",
}
HEADERS_WE_WRITE = {
    "subject",
    "from",
    "to",
    "cc",
    "reply-to",
    "date",
    "message-id",
    "auto-submitted",
    "mime-version",
    "content-type",
}
VEVENT_PROPERTIES = {
    "UID",
    "DTSTAMP",
    "DTSTART",
    "DTEND",
    "SUMMARY",
    "SEQUENCE",
    "STATUS",
    "TRANSP",
    "DESCRIPTION",
    "LOCATION",
    "ORGANIZER",
    "ATTENDEE",
}


@pytest.fixture
def settings(db_url: str, smtp_sink: Sink) -> Settings:
    return server_settings(
        db_url,
        **smtp_fields(smtp_sink),
        allow_private_calendar_servers=True,  # Radicale runs on loopback
    )


def fit(text: str, limit: int) -> str:
    return (text * (limit // max(len(text), 1) + 1))[:limit]


async def drain(relay: OutboxRelay) -> None:
    while await relay.run_once():
        pass


def check_ics(raw: bytes, *, attendees: set[str]) -> icalendar.Event:
    """Strict line checks, then ``icalendar`` parsing back into exactly one event."""
    assert raw.endswith(b"\r\n") and b"\r\n\r\n" not in raw
    for line in raw.split(b"\r\n")[:-1]:
        assert len(line) <= 75, line  # RFC 5545 3.1: fold at 75 octets
        line.decode("utf-8")  # a fold never splits a UTF-8 sequence
        assert b"\r" not in line and b"\n" not in line and b"\0" not in line
    calendar = icalendar.Calendar.from_ical(raw.decode("utf-8"))
    events = calendar.walk("VEVENT")
    assert len(events) == 1 and len(calendar.subcomponents) == 1
    (event,) = events
    assert set(event.keys()) <= VEVENT_PROPERTIES, set(event.keys()) - VEVENT_PROPERTIES
    listed = event.get("ATTENDEE", [])
    listed = listed if isinstance(listed, list) else [listed]
    assert {str(a).lower() for a in listed} == {f"mailto:{a}" for a in attendees}
    return event


def check_email(message: EmailMessage, raw: bytes) -> None:
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert {k.lower() for k in message} <= HEADERS_WE_WRITE, message.keys()
    for line in head.split(b"\r\n"):
        assert len(line) <= 998 and b"\r" not in line and b"\n" not in line
    for header in ("To", "Reply-To", "From"):
        (value,) = message.get_all(header)
        assert len(value.addresses) == 1, f"{header}: {value.addresses}"
    assert {message["To"].addresses[0].addr_spec, message["Reply-To"].addresses[0].addr_spec} == {
        INVITEE,
        OWNER,
    }
    assert len(message.get_all("Subject")) == 1
    html = next(p for p in message.walk() if p.get_content_type() == "text/html").get_content()
    assert "<script" not in html and "<img" not in html
    attachment = next(p for p in message.walk() if p.get_content_type() == "application/ics")
    event = check_ics(attachment.get_payload(decode=True), attendees={INVITEE, OWNER})
    inline = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert inline.get_content().encode("utf-8") == attachment.get_payload(decode=True)
    assert str(event["ORGANIZER"]).lower() == "mailto:no-reply@astrocal.test"


def caldav_resources(radicale: Radicale, path: str) -> list[str]:
    response = httpx.request(
        "PROPFIND",
        radicale.url.rstrip("/") + path,
        headers={"Depth": "1"},
        content='<?xml version="1.0"?><propfind xmlns="DAV:"><prop><getetag/></prop></propfind>',
        auth=radicale.auth(),
    )
    assert response.status_code == 207, response.text
    hrefs = [h.text or "" for h in ElementTree.fromstring(response.content).iter("{DAV:}href")]
    return [h for h in hrefs if h.rstrip("/") != path.rstrip("/")]


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
async def test_hostile_text_breaks_no_header_ics_log_or_resource_name(
    app: FastAPI,
    client: httpx.AsyncClient,
    live_headers: H,
    smtp_sink: Sink,
    radicale_server: Radicale,
    caplog: pytest.LogCaptureFixture,
    book: Book,
    value: str,
) -> None:
    caplog.set_level(logging.DEBUG, logger="astrocal")
    relay = OutboxRelay(app.state.astrocal)
    event_type, path = await radicale_event_type(
        client, live_headers, radicale_server, conflicts=True, description=fit(value, 1000)
    )

    created = await book(
        event_type["id"],
        START,
        headers=live_headers,
        invitee={"name": fit(value, 200), "email": INVITEE},
        notes=fit(value, 5000),
        metadata={"source": fit(value, 500)},
    )
    assert created.status_code == 201, created.text
    booking = created.json()
    assert booking["invitee"]["name"] == fit(value, 200)  # stored and returned as given
    await drain(relay)

    # The event PUT to the calendar: named after the booking, its UID the booking's.
    (href,) = caldav_resources(radicale_server, path)
    assert href == f"{path}{booking['id']}.ics"
    assert re.fullmatch(r"/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/bk_[A-Za-z0-9]+\.ics", href)
    stored = radicale_server.get(path, f"{booking['id']}.ics")
    event = check_ics(stored.content, attendees=set())
    assert str(event["UID"]) == f"{booking['id']}@astrocal"

    moved = await client.post(
        f"/v1/bookings/{booking['id']}/reschedule",
        headers=live_headers,
        json={"start": "2026-04-16T12:00:00Z", "reason": fit(value, 500)},
    )
    assert moved.status_code == 200, moved.text
    await drain(relay)
    (href_after,) = caldav_resources(radicale_server, path)
    assert href_after == href
    cancelled = await client.post(
        f"/v1/bookings/{booking['id']}/cancel",
        headers=live_headers,
        json={"reason": fit(value, 500)},
    )
    assert cancelled.status_code == 200, cancelled.text
    await drain(relay)
    assert caldav_resources(radicale_server, path) == []

    envelopes = smtp_sink.envelopes
    assert len(envelopes) == 6  # created, rescheduled, cancelled × invitee and host
    for _, recipients, raw in envelopes:
        assert {r.lower() for r in recipients} <= {INVITEE, OWNER}
        check_email(email.message_from_bytes(raw, policy=email.policy.default), raw)  # type: ignore[arg-type]

    for record in caplog.records:
        if record.name.startswith("astrocal"):
            message = record.getMessage()
            assert not re.search(r"[\r\n\0\u2028\u2029]", message), message


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("invitee.name", {"invitee": {"name": "Jo\0Smith", "email": INVITEE}}),
        ("notes", {"notes": "hi\0there"}),
        ("metadata.source", {"metadata": {"source": "a\0b"}}),
    ],
)
async def test_nul_is_a_400_naming_the_field(
    client: httpx.AsyncClient, live_headers: H, book: Book, field: str, body: dict[str, Any]
) -> None:
    event_type = await create_event_type(
        client, live_headers, title="Intro call", slug="intro", duration_minutes=30
    )
    fields = {"invitee": {"name": "Jo", "email": INVITEE}, **body}
    response = await book(event_type["id"], START, headers=live_headers, **fields)
    assert response.status_code == 400, response.text
    assert field.split(".")[0] in (response.json()["error"].get("param") or "")


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
async def test_a_logged_value_stays_in_its_own_line(
    app: FastAPI, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    """Whatever a server logger is handed (a path, an address, a provider's error text), its
    record is one line: control characters are escaped, so no line can be forged."""
    caplog.set_level(logging.INFO, logger="astrocal")
    logging.getLogger("astrocal.server").warning("request for %s failed: %r", value, value)
    (record,) = [r for r in caplog.records if r.name == "astrocal.server"]
    message = record.getMessage()
    assert "\n" not in message and "\r" not in message and "\u2028" not in message
    assert message.startswith("request for ")
    assert len(caplog.text.strip().splitlines()) == 1
