"""The MIME messages: tree, subjects and bodies per notice and role, escaping, header injection."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from astrocal_server.notify.message import BadAddress, compose
from astrocal_server.notify.notice import parse_notice

from tests.support.emails import (
    CHANGED_AT,
    INVITE_MIME_TREE,
    MOVED,
    SENDER,
    MakePayload,
    composed,
    mime_tree,
)

_compose = composed


def _part(message: EmailMessage, content_type: str) -> EmailMessage:
    parts = [p for p in message.walk() if p.get_content_type() == content_type]
    assert len(parts) == 1, content_type
    return parts[0]  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("notice", "method"),
    [("created", "REQUEST"), ("rescheduled", "REQUEST"), ("cancelled", "CANCEL")],
)
def test_mime_tree_is_what_clients_expect(
    make_payload: MakePayload, notice: str, method: str
) -> None:
    for message in _compose(make_payload(notice, sequence=1)).values():
        assert mime_tree(message) == INVITE_MIME_TREE
        calendar_part = _part(message, "text/calendar")
        assert calendar_part.get_param("method") == method
        assert f"METHOD:{method}" in calendar_part.get_content()
        attachment = _part(message, "application/ics")
        assert attachment.get_filename() == "invite.ics"
        assert attachment.get_content_disposition() == "attachment"
        assert attachment.get_content().decode() == calendar_part.get_content().replace(
            "\n", "\r\n"
        ).replace("\r\r\n", "\r\n")


def test_headers_and_recipients(make_payload: MakePayload) -> None:
    messages = _compose(make_payload(guests=["sam@guest.example"]))
    assert set(messages) == {"invitee", "host"}
    invitee, host = messages["invitee"], messages["host"]
    assert str(invitee["From"]) == SENDER and str(host["From"]) == SENDER
    assert str(invitee["To"]) == "Jo Smith <jo@invitee.example>"
    assert str(invitee["Cc"]) == "sam@guest.example"
    assert str(invitee["Reply-To"]) == "Ann Host <ann@host.example>"  # replies reach the host
    assert str(host["To"]) == "Ann Host <ann@host.example>"
    assert str(host["Reply-To"]) == "Jo Smith <jo@invitee.example>"
    assert invitee["Message-ID"] == "<ob_abc.invitee@astrocal.test>"
    assert host["Message-ID"] == "<ob_abc.host@astrocal.test>"
    assert invitee["Date"] == "Mon, 13 Apr 2026 08:00:00 +0000"


def test_each_host_with_an_address_gets_a_copy_in_their_own_zone(make_payload: MakePayload) -> None:
    payload = make_payload("cancelled")
    payload["hosts"] = [
        {"id": "host_a", "name": "Ann Host", "email": None, "time_zone": "Europe/Berlin"},
        {"id": "host_b", "name": "Bo Chen", "email": "bo@host.example", "time_zone": "Asia/Tokyo"},
        {"id": "host_c", "name": "Cy Park", "email": "cy@host.example", "time_zone": None},
    ]
    messages = _compose(payload)
    # Roles follow the host's position, so a retry of the row finds the same copies.
    assert set(messages) == {"invitee", "host.1", "host.2"}
    bo, cy = messages["host.1"], messages["host.2"]
    assert str(bo["To"]) == "Bo Chen <bo@host.example>"
    assert bo["Message-ID"] == "<ob_abc.host.1@astrocal.test>"
    assert bo["Subject"] == "Cancelled: Intro call with Jo Smith – Wed 15 Apr 2026, 23:00 JST"
    # No zone of her own: Cy reads the invitee's.
    assert cy["Subject"] == "Cancelled: Intro call with Jo Smith – Wed 15 Apr 2026, 15:00 BST"
    invitee = messages["invitee"]
    assert invitee["Subject"].startswith("Cancelled: Intro call with Ann Host, Bo Chen and Cy Park")
    assert str(invitee["Reply-To"]) == "Bo Chen <bo@host.example>"  # the first host with an address
    text = _part(invitee, "text/plain").get_content()
    assert "\nHosts: Ann Host, Bo Chen <bo@host.example>, Cy Park <cy@host.example>\n" in text


def test_no_host_email_means_only_the_invitee_is_written_to(make_payload: MakePayload) -> None:
    messages = _compose(make_payload(host_email=None))
    assert set(messages) == {"invitee"}
    assert messages["invitee"]["Reply-To"] is None
    text = _part(messages["invitee"], "text/plain").get_content()
    assert "To reach Ann Host, use the contact details you booked with." in text


def test_created_says_what_when_where_and_how_to_reach_the_host(make_payload: MakePayload) -> None:
    messages = _compose(make_payload())
    invitee, host = messages["invitee"], messages["host"]
    # 14:00Z on 15 April is 15:00 in London (BST) and 16:00 in Berlin (CEST).
    assert invitee["Subject"] == "Confirmed: Intro call with Ann Host – Wed 15 Apr 2026, 15:00 BST"
    assert host["Subject"] == "New booking: Intro call with Jo Smith – Wed 15 Apr 2026, 16:00 CEST"
    text = _part(invitee, "text/plain").get_content()
    assert "Your booking is confirmed" in text
    assert "Wednesday 15 April 2026, 15:00–15:30 (Europe/London, BST)" in text
    assert "https://meet.example/abc" in text
    assert "To reach Ann Host, reply to this email or write to ann@host.example." in text
    assert "Looking forward to it." in text
    html = _part(invitee, "text/html").get_content()
    assert "Wednesday 15 April 2026, 15:00–15:30 (Europe/London, BST)" in html
    assert '<a href="mailto:ann@host.example">ann@host.example</a>' in html
    host_text = _part(host, "text/plain").get_content()
    assert "Jo Smith booked Intro call with you" in host_text
    assert "Wednesday 15 April 2026, 16:00–16:30 (Europe/Berlin, CEST)" in host_text
    assert "write to jo@invitee.example" in host_text


def test_invitee_without_zone_sees_the_hosts_zone(make_payload: MakePayload) -> None:
    payload = make_payload(invitee={"name": "Jo", "email": "jo@invitee.example"})
    text = _part(_compose(payload)["invitee"], "text/plain").get_content()
    assert "(Europe/Berlin, CEST)" in text


def test_rescheduled_says_from_and_to(make_payload: MakePayload) -> None:
    payload = make_payload(
        "rescheduled",
        sequence=1,
        **MOVED,
        reschedule_reason="Clash with a dentist appointment",
    )
    invitee = _compose(payload)["invitee"]
    assert invitee["Subject"] == (
        "Rescheduled: Intro call with Ann Host – now Thu 16 Apr 2026, 10:00 BST"
    )
    text = _part(invitee, "text/plain").get_content()
    assert "rescheduled to Thursday 16 April 2026, 10:00–10:30 (Europe/London, BST)" in text
    assert "Was:" in text and "Wednesday 15 April 2026, 15:00–15:30" in text
    assert "Reason: Clash with a dentist appointment" in text


def test_cancelled_says_so_with_reason(make_payload: MakePayload) -> None:
    payload = make_payload("cancelled", sequence=1, cancel_reason="Host is ill")
    messages = _compose(payload)
    assert messages["invitee"]["Subject"] == (
        "Cancelled: Intro call with Ann Host – Wed 15 Apr 2026, 15:00 BST"
    )
    assert messages["host"]["Subject"].startswith("Cancelled: Intro call with Jo Smith")
    text = _part(messages["invitee"], "text/plain").get_content()
    assert "has been cancelled" in text and "Reason: Host is ill" in text


def test_zone_without_abbreviation_is_named_by_offset(make_payload: MakePayload) -> None:
    payload = make_payload(
        invitee={"name": "Jo", "email": "jo@invitee.example", "time_zone": "Asia/Dubai"}
    )
    text = _part(_compose(payload)["invitee"], "text/plain").get_content()
    assert "18:00–18:30 (Asia/Dubai, UTC+04:00)" in text


HOSTILE_NAME = '<script>alert("x")</script>\r\nBcc: victim@evil.example\r\nX-Injected: yes'


def test_html_is_escaped_and_header_injection_does_nothing(make_payload: MakePayload) -> None:
    payload = make_payload(
        invitee={"name": HOSTILE_NAME, "email": "jo@invitee.example", "time_zone": "UTC"},
        notes='<img src=x onerror="alert(1)">\nsecond line',
    )
    payload["event_type"]["title"] = "Demo\r\nSubject: spoofed <b>bold</b>"
    for message in _compose(payload).values():
        raw = message.as_bytes()
        # No header was smuggled in: exactly one Subject, no Bcc, no X-Injected anywhere.
        assert message.get_all("Subject") is not None and len(message.get_all("Subject")) == 1
        assert message["Bcc"] is None and message["X-Injected"] is None
        header_block = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n")[0]
        for line in header_block.splitlines():
            assert not line.lower().startswith((b"bcc:", b"x-injected:"))
        html = _part(message, "text/html").get_content()
        assert "<script>" not in html and "<img" not in html and "<b>bold" not in html
        assert "&lt;b&gt;bold" in html and "&lt;img src=x" in html
        assert "second line" in html
    host_html = _part(_compose(payload)["host"], "text/html").get_content()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in host_html
    invitee = _compose(payload)["invitee"]
    to = invitee["To"].addresses
    assert len(to) == 1 and to[0].addr_spec == "jo@invitee.example"
    assert "victim@evil.example" not in {a.addr_spec for a in to}


@pytest.mark.parametrize(
    "address", ["jo@invitee.example\r\nBcc: x@evil.example", "not-an-address", "jo@@x"]
)
def test_unusable_addresses_are_refused(make_payload: MakePayload, address: str) -> None:
    payload = make_payload(invitee={"name": "Jo", "email": address})
    with pytest.raises(BadAddress):
        compose(parse_notice(payload), sender=SENDER, stamp=CHANGED_AT, message_key="ob_1")
