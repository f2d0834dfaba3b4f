"""The reminder email (pure): text and HTML without an invitation, the time in each recipient's
zone, the location's join link (``join_url``, else ``url``), the invitee's links in their copy only."""

from __future__ import annotations

import re

from tests.support.emails import MakePayload, composed, mime_tree

LINKS = {
    "manage_url": "https://book.example/manage/tok",
    "cancel_url": "https://book.example/manage/tok/cancel",
    "reschedule_url": "https://book.example/manage/tok/reschedule",
}


def test_a_reminder_is_text_and_html_with_the_join_link(make_payload: MakePayload) -> None:
    payload = make_payload(
        "reminder",
        location={"type": "video", "value": "Video call", "join_url": "https://meet.example/j/1"},
        **LINKS,
    )
    copies = composed(payload)
    assert set(copies) == {"invitee", "host"}
    for message in copies.values():
        assert mime_tree(message) == ["multipart/alternative", "  text/plain", "  text/html"]
        assert str(message["Subject"]).startswith("Reminder: Intro call")
        text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        assert re.search(r"Where:\s+Video call\n", text)
        assert re.search(r"Join:\s+https://meet.example/j/1\n", text)

    invitee = copies["invitee"].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    host = copies["host"].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "15:00" in invitee  # 14:00 UTC in London (BST)
    assert "16:00" in host  # in Berlin (CEST)
    assert all(url in invitee for url in LINKS.values())
    assert not any(url in copies["host"].as_string() for url in LINKS.values())


def test_a_location_with_only_a_url_shows_it(make_payload: MakePayload) -> None:
    copies = composed(
        make_payload("reminder", location={"type": "video", "url": "https://v.example/x"})
    )
    text = copies["invitee"].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert re.search(r"Where:\s+https://v.example/x\n", text)
    assert "Join:" not in text  # the same address once
