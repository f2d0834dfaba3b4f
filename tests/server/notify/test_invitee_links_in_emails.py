"""The invitee's links in the booking emails: the text and HTML parts and the invite's DESCRIPTION
carry them (escaped, folded, never a new line or property); only the invitee's copy has them; a
stored row holds a placeholder that the email handler reveals at send time."""

from __future__ import annotations

import html
from typing import Any

import httpx
import pytest
from astrocal_server.outbox.relay import OutboxRelay
from astrocal_server.storage.models import OutboxMessage
from fastapi import FastAPI
from icalendar import Calendar
from sqlalchemy import select

from tests.support.emails import (
    INVITEE,
    OWNER,
    MakePayload,
    berlin_event_type,
    book_jo,
    composed,
    only_part,
)
from tests.support.smtp import Sink

H = dict[str, str]
TOKEN = "tok_" + "A" * 39
BASE = "https://book.example/manage/" + TOKEN
LINKS = {"manage_url": BASE, "cancel_url": BASE + "/cancel", "reschedule_url": BASE + "/reschedule"}


def _description(message: Any) -> str:
    calendar = Calendar.from_ical(only_part(message, "text/calendar").get_content())
    (event,) = calendar.walk("VEVENT")
    return str(event["DESCRIPTION"])


def _bodies(message: Any) -> tuple[str, str]:
    return (
        only_part(message, "text/plain").get_content(),
        only_part(message, "text/html").get_content(),
    )


@pytest.mark.parametrize("notice", ["created", "rescheduled"])
def test_confirmation_and_move_carry_all_three_links(
    make_payload: MakePayload, notice: str
) -> None:
    messages = composed(make_payload(notice, **LINKS))
    text, page = _bodies(messages["invitee"])
    assert f"Reschedule: {BASE}/reschedule" in text
    assert f"Cancel: {BASE}/cancel" in text
    assert f"View the booking: {BASE}\n" in text
    for label, url in (("Reschedule", f"{BASE}/reschedule"), ("Cancel", f"{BASE}/cancel")):
        assert f'<a href="{url}">{label}</a>' in page
    # The invite's DESCRIPTION (folded at 75 octets in the file) reads back whole.
    description = _description(messages["invitee"])
    assert f"Reschedule: {BASE}/reschedule\nCancel: {BASE}/cancel\n" in description
    raw = only_part(messages["invitee"], "text/calendar").get_content()
    assert all(len(line.encode()) <= 75 for line in raw.splitlines())
    # The hosts' copy and invite never carry the invitee's credential.
    host_text, host_page = _bodies(messages["host"])
    assert TOKEN not in host_text + host_page + _description(messages["host"])


def test_cancellation_offers_only_a_view_link(make_payload: MakePayload) -> None:
    messages = composed(make_payload("cancelled", **LINKS))
    text, page = _bodies(messages["invitee"])
    assert f"View the booking: {BASE}" in text and f'<a href="{BASE}">View the booking</a>' in page
    assert "/cancel" not in text + page and "/reschedule" not in text + page
    assert f"View the booking: {BASE}" in _description(messages["invitee"])


def test_links_are_escaped_in_html(make_payload: MakePayload) -> None:
    odd = 'https://app.example/m?t=x&a="><script>alert(1)</script>'
    messages = composed(make_payload(manage_url=odd))
    _text, page = _bodies(messages["invitee"])
    assert "<script>" not in page
    assert f'<a href="{html.escape(odd)}">View the booking</a>' in page


@pytest.mark.parametrize(
    "url",
    [
        BASE + "\r\nBcc: eve@attacker.example",
        BASE + "\nDESCRIPTION:forged",
        "https://book.example/manage/{invitee_token}",  # never revealed: no mail with a placeholder
        "javascript:alert(1)",
    ],
)
def test_a_link_that_is_not_a_plain_url_is_left_out(make_payload: MakePayload, url: str) -> None:
    messages = composed(make_payload(manage_url=url, cancel_url=url, reschedule_url=url))
    invitee = messages["invitee"]
    text, page = _bodies(invitee)
    assert "View the booking" not in text + page and "Reschedule:" not in text
    assert invitee["Bcc"] is None
    raw = only_part(invitee, "text/calendar").get_content()
    assert "forged" not in raw and "attacker" not in raw


async def test_sent_emails_carry_the_real_links_and_the_row_does_not(
    app: FastAPI, client: httpx.AsyncClient, live_headers: H, smtp_sink: Sink
) -> None:
    evt = await berlin_event_type(client, live_headers)
    booking = await book_jo(client, live_headers, evt["id"])
    token = booking["manage_url"].rsplit("/", 1)[1]
    state = app.state.astrocal
    async with state.db.read() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    assert rows and all(token not in str(row.payload) for row in rows)

    relay = OutboxRelay(state)
    while await relay.run_once():
        pass
    (sent,) = smtp_sink.to(INVITEE)
    text, page = _bodies(sent)
    assert f"Cancel: {booking['cancel_url']}" in text
    assert f'<a href="{booking["reschedule_url"]}">Reschedule</a>' in page
    assert f"View the booking: {booking['manage_url']}" in _description(sent)
    for host_copy in smtp_sink.to(OWNER):
        assert token not in host_copy.as_string()
