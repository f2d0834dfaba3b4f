"""A booking's answers in its emails: the host's copy lists them (label and answer, HTML-escaped,
line breaks kept), the invitee's does not; the invite's DESCRIPTION carries them escaped; and
markup or CRLF in a label or an answer reaches no header and starts no iCalendar property. End to
end: a booking made with answers through the API arrives at the host's mailbox with them."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import httpx
from astrocal_server.outbox.relay import OutboxRelay
from fastapi import FastAPI
from icalendar import Calendar

from tests.support.emails import OWNER, MakePayload, berlin_event_type, book_jo, composed
from tests.support.smtp import Sink

H = dict[str, str]
HOSTILE = '<script>alert("x")</script>\r\nBcc: victim@evil.example\r\nATTENDEE:mailto:evil@x'
ANSWERS = [
    {"key": "company", "label": "Company", "type": "short_text", "value": "Acme <b>Corp</b>"},
    {"key": "about", "label": "What should we cover?", "type": "long_text", "value": "One\nTwo"},
    {"key": "terms", "label": "Terms accepted", "type": "checkbox", "value": True},
    {"key": "topics", "label": "Topics", "type": "multi_select", "value": ["API", "MCP"]},
]


_messages = composed


def _content(message: EmailMessage, content_type: str) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == content_type)
    return str(part.get_content())


def _event(message: EmailMessage) -> Any:
    (event,) = Calendar.from_ical(_content(message, "text/calendar")).walk("VEVENT")
    return event


def test_the_host_reads_the_answers_and_the_invitee_does_not(make_payload: MakePayload) -> None:
    messages = _messages(make_payload(answers=ANSWERS))
    host, invitee = messages["host"], messages["invitee"]
    text = _content(host, "text/plain")
    assert "Answers:\nCompany:\n  Acme <b>Corp</b>\nWhat should we cover?:\n  One\n  Two\n" in text
    assert "Terms accepted:\n  Yes" in text and "Topics:\n  API, MCP" in text
    html = _content(host, "text/html")
    assert "<td>Acme &lt;b&gt;Corp&lt;/b&gt;</td>" in html
    assert "<td>One<br>Two</td>" in html
    assert "Answers" not in _content(invitee, "text/plain")
    assert "Acme" not in _content(invitee, "text/html")


def test_the_invite_describes_the_answers(make_payload: MakePayload) -> None:
    description = str(_event(_messages(make_payload(answers=ANSWERS))["host"])["DESCRIPTION"])
    assert "Answers:\nCompany: Acme <b>Corp</b>\nWhat should we cover?: One\nTwo\n" in description


def test_hostile_answers_reach_no_header_and_no_property(make_payload: MakePayload) -> None:
    hostile = [
        {"key": "a", "label": HOSTILE, "type": "short_text", "value": HOSTILE},
        {"key": "b", "label": "Plain", "type": "long_text", "value": HOSTILE + "\r\nEND:VEVENT"},
    ]
    for role, message in _messages(make_payload(answers=hostile)).items():
        assert message["Bcc"] is None, role
        raw = message.as_bytes()
        headers = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n")[0]
        assert not any(line.lower().startswith(b"bcc:") for line in headers.splitlines())
        html = _content(message, "text/html")
        assert "<script>" not in html
        calendar = Calendar.from_ical(_content(message, "text/calendar"))
        (event,) = calendar.walk("VEVENT")
        # One organizer-less attendee list: the injected ATTENDEE line stayed inside DESCRIPTION.
        attendees = event.get("ATTENDEE")
        listed = attendees if isinstance(attendees, list) else [attendees]
        assert "mailto:evil@x" not in {str(a) for a in listed}
        ics_lines = _content(message, "text/calendar").splitlines()
        assert not any(line.startswith(("ATTENDEE:mailto:evil", "Bcc:")) for line in ics_lines)
        assert [line for line in ics_lines if line == "END:VEVENT"] == ["END:VEVENT"]
        assert HOSTILE.replace("\r\n", " ") in str(event["DESCRIPTION"])
    host_html = _content(_messages(make_payload(answers=hostile))["host"], "text/html")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Bcc: victim@evil.example" in host_html


async def test_a_booking_with_answers_reaches_the_hosts_mailbox(
    app: FastAPI, client: httpx.AsyncClient, live_headers: H, smtp_sink: Sink
) -> None:
    questions = [
        {"key": "company", "label": "Company", "type": "short_text", "required": True},
        {"key": "about", "label": "What should we cover?", "type": "long_text"},
    ]
    evt = await berlin_event_type(client, live_headers, questions=questions)
    answers = {"company": "Acme <b>Corp</b>", "about": "Pricing\r\nBcc: x@evil.example"}
    await book_jo(client, live_headers, evt["id"], extra={"answers": answers})
    relay = OutboxRelay(app.state.astrocal)
    while await relay.run_once():
        pass
    (host,) = smtp_sink.to(OWNER)
    html = _content(host, "text/html")
    assert "<td>Acme &lt;b&gt;Corp&lt;/b&gt;</td>" in html
    assert "<td>Pricing<br>Bcc: x@evil.example</td>" in html
    assert host["Bcc"] is None
    assert "Company: Acme <b>Corp</b>" in str(_event(host)["DESCRIPTION"])
