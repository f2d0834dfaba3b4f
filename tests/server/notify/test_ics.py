"""The iTIP invite, parsed back with icalendar: every rule the issue lists, per notice kind."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from astrocal_server.notify.ics import build_invite
from astrocal_server.notify.notice import MalformedNotice, parse_notice
from icalendar import Calendar, Event

from tests.support.emails import CHANGED_AT, MakePayload

ORGANIZER = "no-reply@astrocal.test"


def _parse(text: str) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(text)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1
    return calendar, events[0]


def _invite(payload: dict[str, Any]) -> tuple[Calendar, Event, str]:
    invite = build_invite(parse_notice(payload), organizer_email=ORGANIZER, stamp=CHANGED_AT)
    calendar, event = _parse(invite.text)
    assert str(calendar["METHOD"]) == invite.method
    return calendar, event, invite.text


def _params(prop: Any) -> dict[str, str]:
    return {k.upper(): str(v) for k, v in prop.params.items()}


@pytest.mark.parametrize(
    ("notice", "method", "status"),
    [
        ("created", "REQUEST", "CONFIRMED"),
        ("rescheduled", "REQUEST", "CONFIRMED"),
        ("cancelled", "CANCEL", "CANCELLED"),
    ],
)
def test_invite_satisfies_the_itip_rules(
    make_payload: MakePayload, notice: str, method: str, status: str
) -> None:
    sequence = {"created": 0, "rescheduled": 1, "cancelled": 2}[notice]
    calendar, event, text = _invite(
        make_payload(notice, sequence=sequence, guests=["sam@guest.example"])
    )

    assert str(calendar["METHOD"]) == method
    assert str(calendar["VERSION"]) == "2.0"
    assert "PRODID" in calendar
    assert "UID" not in calendar  # no stray calendar-level UID (Calendar.new() would add one)
    assert text.count("UID:") == 1

    assert str(event["UID"]) == "bk_0123456789abcdefghij@astrocal"
    assert int(event["SEQUENCE"]) == sequence
    assert str(event["STATUS"]) == status
    assert event.decoded("DTSTAMP") == CHANGED_AT
    assert event.decoded("DTSTART") == dt.datetime(2026, 4, 15, 14, 0, tzinfo=dt.UTC)
    assert event.decoded("DTEND") == dt.datetime(2026, 4, 15, 14, 30, tzinfo=dt.UTC)
    assert "DTSTART:20260415T140000Z" in text and "DTEND:20260415T143000Z" in text  # UTC form

    assert str(event["SUMMARY"]) == "Intro call with Ann Host and Jo Smith"
    description = str(event["DESCRIPTION"])
    assert "A first 30-minute chat." in description
    assert "Looking forward to it." in description
    assert str(event["LOCATION"]) == "https://meet.example/abc"

    organizer = event["ORGANIZER"]
    assert str(organizer).lower() == f"mailto:{ORGANIZER}"
    assert _params(organizer)["CN"] == "Ann Host"

    attendees = event["ATTENDEE"]
    assert isinstance(attendees, list)
    by_address = {str(a).lower(): _params(a) for a in attendees}
    assert set(by_address) == {
        "mailto:jo@invitee.example",
        "mailto:sam@guest.example",
        "mailto:ann@host.example",
    }
    for params in by_address.values():
        assert params["RSVP"] == "TRUE"
        assert params["PARTSTAT"] == "NEEDS-ACTION"
        assert params["ROLE"] == "REQ-PARTICIPANT"
    assert by_address["mailto:jo@invitee.example"]["CN"] == "Jo Smith"


def test_one_uid_per_booking_and_sequence_rises(make_payload: MakePayload) -> None:
    uids, sequences = [], []
    for notice, seq in (("created", 0), ("rescheduled", 1), ("rescheduled", 2), ("cancelled", 3)):
        _, event, _ = _invite(make_payload(notice, sequence=seq))
        uids.append(str(event["UID"]))
        sequences.append(int(event["SEQUENCE"]))
    assert len(set(uids)) == 1
    assert sequences == sorted(sequences) and len(set(sequences)) == 4
    _, other, _ = _invite(make_payload(booking_id="bk_other"))
    assert str(other["UID"]) != uids[0]


def test_cancel_carries_the_reason(make_payload: MakePayload) -> None:
    _, event, _ = _invite(make_payload("cancelled", sequence=1, cancel_reason="Host is ill"))
    assert "cancelled" in str(event["DESCRIPTION"]).lower()
    assert "Host is ill" in str(event["DESCRIPTION"])


def test_no_host_email_means_no_host_attendee(make_payload: MakePayload) -> None:
    _, event, _ = _invite(make_payload(host_email=None))
    attendees = event["ATTENDEE"]
    addresses = [
        str(a).lower() for a in (attendees if isinstance(attendees, list) else [attendees])
    ]
    assert addresses == ["mailto:jo@invitee.example"]
    assert str(event["ORGANIZER"]).lower() == f"mailto:{ORGANIZER}"


def test_hostile_names_cannot_break_the_ics(make_payload: MakePayload) -> None:
    payload = make_payload(
        invitee={
            "name": 'Jo "X"\r\nATTENDEE:mailto:evil@example.com\r\nBEGIN:VALARM',
            "email": "jo@invitee.example",
        },
        notes="line one\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil",
    )
    calendar, event, text = _invite(payload)
    assert len(list(calendar.walk("VEVENT"))) == 1
    assert not list(calendar.walk("VALARM"))
    assert str(event["UID"]) == "bk_0123456789abcdefghij@astrocal"
    attendees = event["ATTENDEE"]
    addresses = {
        str(a).lower() for a in (attendees if isinstance(attendees, list) else [attendees])
    }
    assert "mailto:evil@example.com" not in addresses
    assert "line one\nEND:VEVENT" in str(event["DESCRIPTION"])  # kept as text, escaped in the ICS
    for line in text.split("\r\n"):
        assert not line.startswith(("BEGIN:VALARM", "UID:evil", "ATTENDEE:mailto:evil"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"notice": "moved"}, "payload.notice"),
        ({"sequence": -1}, "payload.sequence"),
        ({"sequence": "1"}, "payload.sequence"),
        ({"host": None}, "host must be an object"),
    ],
)
def test_malformed_payloads_say_what_is_wrong(
    make_payload: MakePayload, change: dict[str, Any], message: str
) -> None:
    payload = make_payload()
    payload.update(change)
    with pytest.raises(MalformedNotice, match=message):
        parse_notice(payload)


def test_malformed_booking_times(make_payload: MakePayload) -> None:
    with pytest.raises(MalformedNotice, match=r"booking\.start is not an RFC 3339 time"):
        parse_notice(make_payload(start="tomorrow"))
    with pytest.raises(MalformedNotice, match=r"booking\.end must be after booking\.start"):
        parse_notice(make_payload(end="2026-04-15T13:00:00Z"))
