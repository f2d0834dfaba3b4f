"""Every tool through an in-memory ``mcp.Client`` against the reference server (pinned clock).

The account is in Europe/Berlin with Mon–Fri 09:00–17:00 working hours; "now" is Monday
2026-04-13 10:00 Berlin, so "next Tuesday" is 2026-04-14 and its first slot is 07:00Z.
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import MCPError

from tests.support.agent import Mcp

TUESDAY = "2026-04-14"
ON_TUESDAY = {"start_date": TUESDAY, "end_date": TUESDAY}
JO = {"invitee_name": "Jo Smith", "invitee_email": "jo@example.com"}
FIRST_TUESDAY_SLOT = "2026-04-14T07:00:00Z"
# Jo's booking request in the booking tests (``create_booking``'s arguments but the start).
JO_PRICING = {
    "invitee_name": "Jo Smith",
    "invitee_email": "jo@example.com",
    "time_zone": "Europe/London",
    "notes": "Pricing questions",
}


# A booking as the API returns it, but its hosts (the rendering tests add them).
API_BOOKING = {
    "id": "bk_1",
    "status": "confirmed",
    "event_type_id": "evt_1",
    "start": "2026-04-14T07:00:00Z",
    "end": "2026-04-14T07:30:00Z",
    "invitee": {"name": "Jo Smith", "email": "jo@example.com"},
}


def text_of(result: Any) -> str:
    return "\n".join(block.text for block in result.content if getattr(block, "type", "") == "text")


async def call(client: Any, name: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(name, arguments)
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    return dict(result.structured_content)


async def call_error(client: Any, name: str, **arguments: Any) -> str:
    result = await client.call_tool(name, arguments)
    assert result.is_error, f"{name} should have failed: {result.structured_content}"
    return text_of(result)


async def test_current_time_uses_the_injected_clock(mcp: Mcp) -> None:
    async with mcp() as client:
        berlin = await call(client, "get_current_time", time_zone="Europe/Berlin")
        assert berlin == {
            "time_zone": "Europe/Berlin",
            "now": "2026-04-13T10:00:00+02:00",
            "now_utc": "2026-04-13T08:00:00Z",
            "date": "2026-04-13",
            "time": "10:00",
            "weekday": "Monday",
            "utc_offset": "+02:00",
            "is_dst": True,
            "abbreviation": "CEST",
            "tomorrow": "2026-04-14 (Tuesday)",
        }
        utc = await call(client, "get_current_time")
        assert (utc["time_zone"], utc["is_dst"], utc["utc_offset"]) == ("UTC", False, "+00:00")
        tokyo = await client.call_tool("get_current_time", {"time_zone": "Asia/Tokyo"})
        assert "Monday 2026-04-13, 17:00 in Asia/Tokyo" in text_of(tokyo)
        error = await call_error(client, "get_current_time", time_zone="CEST")
        assert "abbreviation, not a time zone" in error and "Europe/Berlin" in error


async def test_list_event_types_marks_the_default(mcp: Mcp, event_type_id: str) -> None:
    async with mcp() as client:
        result = await call(client, "list_event_types")
    assert result["default_event_type_id"] == event_type_id
    [only] = result["event_types"]
    assert only["id"] == event_type_id and only["is_default"] is True
    assert (only["title"], only["duration_minutes"], only["active"]) == ("Intro call", 30, True)


async def test_check_availability_in_utc_and_the_asked_zone(mcp: Mcp) -> None:
    async with mcp() as client:
        result = await call(client, "check_availability", **ON_TUESDAY, time_zone="Europe/Berlin")
        assert (result["time_zone"], result["time_zone_source"]) == (
            "Europe/Berlin",
            "time_zone argument",
        )
        assert (result["slot_count"], result["duration_minutes"]) == (16, 30)
        (day,) = result["days"]
        assert day == {
            "date": TUESDAY,
            "weekday": "Tuesday",
            "utc_offset": "+02:00",
            "starts": [f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30)],
        }
        assert "e.g. 2026-04-14T09:00+02:00" in result["start_time_format"]
        # The same slots read from New York: the dates are New York's, local times -04:00.
        ny = await call(client, "check_availability", **ON_TUESDAY, time_zone="America/New_York")
        assert (ny["days"][0]["utc_offset"], ny["days"][0]["starts"][0]) == ("-04:00", "03:00")
        # Without a zone, slots are shown in the schedule's zone, and the result says so.
        default = await call(client, "check_availability", **ON_TUESDAY)
        assert (default["time_zone"], default["time_zone_source"]) == (
            "Europe/Berlin",
            "event type's schedule",
        )
        # The official server's name for the zone is an alias.
        alias = await call(client, "check_availability", **ON_TUESDAY, timezone="Asia/Tokyo")
        assert alias["time_zone"] == "Asia/Tokyo"


async def test_check_availability_errors(mcp: Mcp) -> None:
    async with mcp() as client:
        bad_zone = await call_error(client, "check_availability", **ON_TUESDAY, time_zone="PST")
        assert "abbreviation" in bad_zone and "America/Los_Angeles" in bad_zone
        bad_date = await call_error(
            client, "check_availability", start_date="next tuesday", end_date=TUESDAY
        )
        assert "YYYY-MM-DD" in bad_date
        swapped = await call_error(
            client, "check_availability", start_date=TUESDAY, end_date="2026-04-13"
        )
        assert "before start_date" in swapped
        unknown = await call_error(
            client, "check_availability", event_type_id="evt_doesnotexist", **ON_TUESDAY
        )
        assert "code: resource_missing" in unknown and "request_id: req_" in unknown
    async with mcp(default_event_type_id=None) as client:
        missing = await call_error(client, "check_availability", **ON_TUESDAY)
        assert "event_type_id is required" in missing and "list_event_types" in missing


async def test_explain_availability_says_why_and_offers_alternatives(mcp: Mcp) -> None:
    async with mcp() as client:
        saturday = await call(
            client,
            "explain_availability",
            start_time="2026-04-18T10:00:00+02:00",
            time_zone="Europe/Berlin",
        )
        assert saturday["available"] is False
        assert "outside_working_hours" in [r["code"] for r in saturday["reasons"]]
        assert (
            saturday["local_time"] == "Sat 2026-04-18 10:00 Europe/Berlin (UTC+02:00) = 08:00 UTC"
        )
        assert (
            saturday["working_hours"]
            == "Mon–Fri 09:00–17:00; not on Sat, Sun (Europe/Berlin, UTC+02:00)"
        )
        # The nearest open slots on both sides: Friday's last ones and Monday's first ones.
        assert [s["local"] for s in saturday["before"]] == [
            "2026-04-17T15:30+02:00",
            "2026-04-17T16:00+02:00",
            "2026-04-17T16:30+02:00",
        ]
        assert saturday["after"][0]["local"] == "2026-04-20T09:00+02:00"
        # A zone given with the time is the zone of the answer.
        bracketed = await call(
            client, "explain_availability", start_time="2026-04-18T10:00[Europe/Berlin]"
        )
        assert bracketed["before"] == saturday["before"]
        assert bracketed["time_zone_source"] == "start time as written"
        # Asked from Tokyo: the hours are said in Tokyo time.
        tokyo = await call(
            client,
            "explain_availability",
            start_time="2026-04-18T10:00[Europe/Berlin]",
            time_zone="Asia/Tokyo",
        )
        assert (
            tokyo["working_hours"] == "Mon–Fri 16:00–24:00; not on Sat, Sun (Asia/Tokyo, UTC+09:00)"
        )
        assert tokyo["local_time"] == "Sat 2026-04-18 17:00 Asia/Tokyo (UTC+09:00) = 08:00 UTC"
        free = await call(
            client, "explain_availability", start_time="2026-04-14T09:00[Europe/Berlin]"
        )
        assert (free["available"], free["start_time"], free["reasons"]) == (
            True,
            FIRST_TUESDAY_SLOT,
            [],
        )
        naive = await call_error(client, "explain_availability", start_time="2026-04-14T09:00")
        assert "no UTC offset" in naive and "never assumed to be UTC" in naive


async def test_booking_lifecycle(mcp: Mcp, event_type_id: str) -> None:
    async with mcp() as client:
        created = await call(
            client, "create_booking", start_time="2026-04-14T09:00:00+02:00", **JO_PRICING
        )
        booking_id = created["id"]
        assert created["status"] == "confirmed"
        assert (created["start"], created["end"]) == (FIRST_TUESDAY_SLOT, "2026-04-14T07:30:00Z")
        # In the invitee's zone (London), with its offset, next to UTC.
        assert (
            created["when"]
            == "Tue 2026-04-14 08:00–08:30 Europe/London (UTC+01:00) = 07:00–07:30 UTC"
        )
        assert (created["time_zone"], created["time_zone_source"]) == (
            "Europe/London",
            "time_zone argument",
        )
        assert created["event_type_id"] == event_type_id
        assert created["notes"] == "Pricing questions"
        # The invitee's own links, for the agent to hand to the person (no API key needed).
        links = {k: created[k] for k in ("manage_url", "cancel_url", "reschedule_url")}
        assert "/manage/" in links["manage_url"]
        assert links["cancel_url"] == links["manage_url"] + "/cancel"
        assert links["reschedule_url"] == links["manage_url"] + "/reschedule"

        # An agent retrying the same call gets the same booking, not a second one.
        again = await call(client, "create_booking", start_time=FIRST_TUESDAY_SLOT, **JO_PRICING)
        assert again["id"] == booking_id
        # A retry that reworded the notes has another key; it still finds the booking it made.
        reworded = await client.call_tool(
            "create_booking",
            {
                "start_time": FIRST_TUESDAY_SLOT,
                "invitee_name": "Jo Smith",
                "invitee_email": "JO@example.com",
                "notes": "Pricing and onboarding questions",
            },
        )
        assert reworded.structured_content["id"] == booking_id
        assert "Already booked by an earlier call" in text_of(reworded)

        fetched = await call(client, "get_booking", booking_id=booking_id)
        assert fetched["id"] == booking_id and fetched["invitee_email"] == "jo@example.com"
        assert {k: fetched[k] for k in links} == links

        listed = await call(client, "list_bookings", status="confirmed")
        assert [b["id"] for b in listed["bookings"]] == [booking_id]
        assert listed["has_more"] is False

        slots = await call(client, "check_availability", **ON_TUESDAY)
        assert "09:00" not in slots["days"][0]["starts"]

        moved = await call(
            client,
            "reschedule_booking",
            booking_id=booking_id,
            new_start_time="2026-04-14T11:00:00+02:00",
            reason="Clash",
        )
        assert moved["id"] == booking_id
        assert {k: moved[k] for k in links} == links
        assert moved["start"] == "2026-04-14T09:00:00Z"
        assert moved["previously"] == "Tue 2026-04-14 08:00 Europe/London (UTC+01:00) = 07:00 UTC"
        # Retrying the same reschedule is harmless.
        same = await client.call_tool(
            "reschedule_booking",
            {"booking_id": booking_id, "new_start_time": "2026-04-14T09:00:00Z"},
        )
        assert same.structured_content["start"] == "2026-04-14T09:00:00Z"
        assert "already at that time" in text_of(same)

        cancelled = await call(
            client, "cancel_booking", booking_id=booking_id, reason="No longer needed"
        )
        assert (
            cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "No longer needed"
        )
        twice = await client.call_tool("cancel_booking", {"booking_id": booking_id})
        assert twice.structured_content["cancelled_at"] == cancelled["cancelled_at"]
        assert "already cancelled; nothing changed" in text_of(twice)

        cancelled_list = await call(client, "list_bookings", status="cancelled", limit=5)
        assert [b["id"] for b in cancelled_list["bookings"]] == [booking_id]
        error = await call_error(
            client,
            "reschedule_booking",
            booking_id=booking_id,
            new_start_time="2026-04-14T12:00:00+02:00",
        )
        assert "booking_cancelled" in error and "create_booking" in error
        assert "/v1/" not in error and "details." not in error

        # After a cancellation the same request books again (a fresh booking, not the replay).
        rebooked = await call(client, "create_booking", start_time=FIRST_TUESDAY_SLOT, **JO_PRICING)
        assert rebooked["id"] != booking_id and rebooked["status"] == "confirmed"


async def test_bookings_name_their_hosts_and_list_by_host(mcp: Mcp) -> None:
    async with mcp() as client:
        created = await client.call_tool(
            "create_booking", {"start_time": FIRST_TUESDAY_SLOT, **JO_PRICING}
        )
        assert not created.is_error, text_of(created)
        (host,) = created.structured_content["hosts"]
        assert host["id"].startswith("host_") and host["name"]
        assert f"host: {host['name']} <{host['email']}> ({host['id']})" in text_of(created)
        booking_id = created.structured_content["id"]

        fetched = await call(client, "get_booking", booking_id=booking_id)
        assert fetched["hosts"] == [host]
        listed = await client.call_tool("list_bookings", {"host_id": host["id"]})
        assert [b["id"] for b in listed.structured_content["bookings"]] == [booking_id]
        assert f"with {host['name']}" in text_of(listed)
        nobody = await call(client, "list_bookings", host_id="host_nobody")
        assert nobody["bookings"] == []
        malformed = await call_error(client, "list_bookings", host_id="evt_notahost")
        assert "host_id" in malformed


async def test_booking_errors(mcp: Mcp) -> None:
    async with mcp() as client:
        first = await call(client, "create_booking", start_time=FIRST_TUESDAY_SLOT, **JO)
        # No invitee zone: a refused move lists its alternatives in UTC.
        weekend = await call_error(
            client,
            "reschedule_booking",
            booking_id=first["id"],
            new_start_time="2026-04-18T10:00:00+02:00",
        )
        assert "outside_working_hours" in weekend or "working hours" in weekend
        assert "(start_time 2026-04-17T" in weekend
        taken = await call_error(
            client,
            "create_booking",
            start_time=FIRST_TUESDAY_SLOT,
            invitee_name="Sam Lee",
            invitee_email="sam@example.com",
            time_zone="Europe/Berlin",
        )
        assert "code: slot_unavailable" in taken and "request_id: req_" in taken
        assert "call create_booking again with one of these" in taken.lower()
        assert "start_time 2026-04-14T07:30:00Z" in taken
        assert "Tue 2026-04-14 09:30+02:00" in taken  # alternatives in the invitee's zone
        assert "/v1/" not in taken and "details." not in taken
        structured = await client.call_tool(
            "create_booking",
            {
                "start_time": FIRST_TUESDAY_SLOT,
                "invitee_name": "Sam Lee",
                "invitee_email": "sam@example.com",
            },
        )
        assert structured.is_error and structured.structured_content is not None
        assert structured.structured_content["code"] == "slot_unavailable"
        assert structured.structured_content["alternatives"][0]["start"] == "2026-04-14T07:30:00Z"

        naive = await call_error(
            client,
            "create_booking",
            start_time="2026-04-14 11:00",
            invitee_name="Sam Lee",
            invitee_email="sam@example.com",
        )
        assert "no UTC offset" in naive and "+02:00" in naive
        zone = await call_error(
            client,
            "create_booking",
            start_time="2026-04-14T11:00:00+02:00",
            invitee_name="Sam Lee",
            invitee_email="sam@example.com",
            invitee_timezone="Berlin",
        )
        assert "time_zone" in zone and "Europe/Berlin" in zone
        missing = await call_error(client, "get_booking", booking_id="bk_nope")
        assert "resource_missing" in missing
        missing_cancel = await call_error(client, "cancel_booking", booking_id="bk_nope")
        assert "resource_missing" in missing_cancel
        schema = await client.call_tool("list_bookings", {"limit": 0})
        assert schema.is_error  # the input schema bounds limit to 1–100


async def test_a_bad_key_is_a_tool_error_not_a_crash(mcp: Mcp) -> None:
    async with mcp(key="sk_test_notarealkey") as client:
        error = await call_error(client, "list_event_types")
        assert "invalid_api_key" in error and "ASTROCAL_API_KEY" in error
        # The server is still up and answers the next call.
        assert not (await client.call_tool("get_current_time", {})).is_error


async def test_resources_and_prompt(mcp: Mcp, event_type_id: str) -> None:
    import json

    async with mcp() as client:
        booking = await call(client, "create_booking", start_time=FIRST_TUESDAY_SLOT, **JO)
        listed = await client.list_resources()
        assert "astrocal://event-types" in [str(r.uri) for r in listed.resources]
        templates = await client.list_resource_templates()
        assert "astrocal://bookings/{booking_id}" in [
            t.uri_template for t in templates.resource_templates
        ]
        types = await client.read_resource("astrocal://event-types")
        assert json.loads(types.contents[0].text)["event_types"][0]["id"] == event_type_id
        one = await client.read_resource(f"astrocal://bookings/{booking['id']}")
        assert json.loads(one.contents[0].text)["id"] == booking["id"]
        with pytest.raises(MCPError) as missing:
            await client.read_resource("astrocal://bookings/bk_nope")
        assert "resource_missing" in str(missing.value)

        prompts = await client.list_prompts()
        assert [p.name for p in prompts.prompts] == ["schedule_meeting"]
        prompt = await client.get_prompt(
            "schedule_meeting",
            {"invitee_name": "Jo", "invitee_email": "jo@example.com", "time_zone": "Europe/Berlin"},
        )
        text = prompt.messages[0].content.text
        assert (
            "get_current_time" in text and "check_availability" in text and "Europe/Berlin" in text
        )


async def test_prompt_arguments_are_described_and_a_missing_one_is_invalid_params(mcp: Mcp) -> None:
    from mcp.types import INVALID_PARAMS

    async with mcp() as client:
        (prompt,) = (await client.list_prompts()).prompts
        assert prompt.title == "Schedule a meeting"
        arguments = {a.name: a for a in prompt.arguments or []}
        assert {n for n, a in arguments.items() if a.required} == {"invitee_name", "invitee_email"}
        assert all(a.description for a in arguments.values()), arguments
        with pytest.raises(MCPError) as missing:
            await client.get_prompt("schedule_meeting", {"invitee_name": "Jo"})
        assert missing.value.code == INVALID_PARAMS
        assert "invitee_email (Their email address" in missing.value.message
        assert "invitee_name" not in missing.value.message


async def test_slots_across_a_dst_change_carry_each_days_offset(mcp: Mcp, clock: Any) -> None:
    from datetime import UTC, datetime

    clock.set(datetime(2026, 10, 19, 8, 0, tzinfo=UTC))  # Berlin leaves DST on Sunday 2026-10-25
    async with mcp() as client:
        now = await call(client, "get_current_time", time_zone="Europe/Berlin")
        assert (now["is_dst"], now["tomorrow"]) == (True, "2026-10-20 (Tuesday)")
        result = await call(
            client,
            "check_availability",
            start_date="2026-10-23",
            end_date="2026-10-26",
            time_zone="Europe/Berlin",
        )
        text = text_of(await client.call_tool("check_availability", {
            "start_date": "2026-10-23", "end_date": "2026-10-26", "time_zone": "Europe/Berlin"}))  # fmt: skip
    by_day = {d["date"]: d for d in result["days"]}
    assert set(by_day) == {"2026-10-23", "2026-10-26"}  # no weekend slots
    friday, monday = by_day["2026-10-23"], by_day["2026-10-26"]
    assert (friday["utc_offset"], friday["starts"][0]) == ("+02:00", "09:00")
    assert (monday["utc_offset"], monday["starts"][0], monday["weekday"]) == (
        "+01:00",
        "09:00",
        "Monday",
    )
    # Each day's line states its own offset, so every start can be written as a start_time.
    assert "Fri 2026-10-23 (UTC+02:00): 09:00 09:30" in text
    assert "Mon 2026-10-26 (UTC+01:00): 09:00 09:30" in text


def test_a_booking_with_several_hosts_names_each_of_them() -> None:
    from zoneinfo import ZoneInfo

    from astrocal_mcp.models import BookingList
    from astrocal_mcp.outputs import booking_info
    from astrocal_mcp.render import render_booking, render_bookings
    from astrocal_mcp.timeutil import ShownZone

    hosts = [
        {"id": "host_a", "name": "Ann Lee", "email": "ann@example.com"},
        {"id": "host_b", "name": "Bo Chen", "email": None},
    ]
    info = booking_info(
        {**API_BOOKING, "hosts": hosts},
        ShownZone(ZoneInfo("UTC"), "UTC", "default, no zone known"),
    )
    assert [(h.id, h.email) for h in info.hosts] == [
        ("host_a", "ann@example.com"),
        ("host_b", None),
    ]
    assert "hosts: Ann Lee <ann@example.com> (host_a), Bo Chen (host_b)" in render_booking(info)
    listed = render_bookings(BookingList(bookings=[info], has_more=False))
    assert listed.endswith("evt_1, with Ann Lee, Bo Chen")


async def test_list_hosts_finds_a_host_by_external_id(mcp: Mcp, api_key: str, http: Any) -> None:
    async with http() as api:
        made = await api.post(
            "/v1/hosts",
            headers={"Authorization": f"Bearer {api_key}"},
            json={"name": "Dr. Ana Ruiz", "external_id": "user-42", "time_zone": "Europe/Madrid"},
        )
    assert made.status_code == 201, made.text
    async with mcp() as client:
        every = await call(client, "list_hosts")
        found = await client.call_tool("list_hosts", {"external_id": "user-42"})
        none = await call(client, "list_hosts", external_id="nobody")
    assert [h["is_default"] for h in every["hosts"]].count(True) == 1 and len(every["hosts"]) == 2
    assert found.structured_content["hosts"] == [
        {
            "id": made.json()["id"],
            "name": "Dr. Ana Ruiz",
            "time_zone": "Europe/Madrid",
            "external_id": "user-42",
            "active": True,
            "is_default": False,
        }
    ]
    assert f"{made.json()['id']}: Dr. Ana Ruiz, Europe/Madrid (external_id user-42)" in text_of(
        found
    )
    assert none["hosts"] == [] and none["has_more"] is False


def test_a_video_booking_shows_its_join_link_or_that_it_has_none_yet() -> None:
    from zoneinfo import ZoneInfo

    from astrocal_mcp.outputs import booking_info
    from astrocal_mcp.render import render_booking
    from astrocal_mcp.timeutil import ShownZone

    booking = {
        **API_BOOKING,
        "hosts": [{"id": "host_a", "name": "Ann Lee", "email": "ann@example.com"}],
    }
    shown = ShownZone(ZoneInfo("UTC"), "UTC", "default, no zone known")
    link = "https://meet.google.com/abc-defg-hij"
    made = {**booking, "location": {"type": "google_meet", "join_url": link}}
    assert f"location: google_meet: {link}" in render_booking(booking_info(made, shown))
    waiting = {**booking, "location": {"type": "microsoft_teams"}}
    text = render_booking(booking_info(waiting, shown))
    assert "location: microsoft_teams (no join link yet)" in text
