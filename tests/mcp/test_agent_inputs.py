"""What an agent gets wrong, answered so it can fix the call: one zone name with the official
aliases, unknown arguments with a "did you mean", one line per bad argument, abbreviations
refused with the zones they may mean, empty results that say why, and errors free of HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.agent import Mcp

TUESDAY = "2026-04-14"


async def result_of(client: Any, tool: str, **arguments: Any) -> tuple[bool, str, Any]:
    result = await client.call_tool(tool, arguments)
    text = "\n".join(b.text for b in result.content if getattr(b, "type", "") == "text")
    return bool(result.is_error), text, result.structured_content


async def test_unknown_arguments_are_refused_with_a_did_you_mean(mcp: Mcp) -> None:
    async with mcp() as client:
        failed, text, _ = await result_of(
            client, "check_availability", start_date=TUESDAY, end_date=TUESDAY, tz="Europe/Berlin"
        )
        assert failed and "has no argument 'tz'" in text
        failed, text, _ = await result_of(
            client, "check_availability", start_date=TUESDAY, end_date=TUESDAY,
            time_zones="Europe/Berlin",
        )  # fmt: skip
        assert failed and "did you mean time_zone" in text
        failed, text, _ = await result_of(client, "cancel_booking", booking="bk_1")
        assert failed and "did you mean" in text and "booking_id" in text


async def test_the_official_names_are_aliases_that_must_agree(mcp: Mcp) -> None:
    async with mcp() as client:
        failed, text, out = await result_of(
            client, "explain_availability", start_time="2026-04-14T09:00:00Z",
            timezone="Asia/Tokyo",
        )  # fmt: skip
        assert not failed and out["time_zone"] == "Asia/Tokyo"
        failed, text, _ = await result_of(
            client, "explain_availability", start_time="2026-04-14T09:00:00Z",
            timezone="Asia/Tokyo", time_zone="Europe/Berlin",
        )  # fmt: skip
        assert failed and "same argument with different values" in text


async def test_bad_values_are_one_line_per_argument(mcp: Mcp) -> None:
    async with mcp() as client:
        failed, text, _ = await result_of(client, "list_bookings", limit="many", status="done")
    assert failed
    lines = text.splitlines()
    assert any(line.startswith("list_bookings: ") for line in lines)
    assert "limit " in text and "status " in text and "'many'" in text
    assert "pydantic" not in text and "https://" not in text


@pytest.mark.parametrize(
    ("zone", "meant"),
    [("EST", "America/New_York"), ("CET", "Europe/Berlin"), ("PST", "America/Los_Angeles"),
     ("IST", "Asia/Kolkata"), ("MST", "America/Denver"), ("XYZ", "Europe/Berlin")],
)  # fmt: skip
async def test_abbreviations_are_refused_with_the_zones_they_may_mean(
    mcp: Mcp, zone: str, meant: str
) -> None:
    async with mcp() as client:
        failed, text, _ = await result_of(client, "get_current_time", time_zone=zone)
    assert failed and "not a time zone" in text and meant in text


async def test_an_offset_input_is_shown_as_an_offset_not_a_zone(mcp: Mcp) -> None:
    async with mcp() as client:
        failed, text, out = await result_of(
            client, "create_booking", start_time="2026-04-14T09:00:00+02:00",
            invitee_name="Jo", invitee_email="jo@example.com",
        )  # fmt: skip
    assert not failed, text
    assert (out["time_zone"], out["time_zone_source"]) == ("UTC+02:00", "start time as written")
    assert "invitee_time_zone" not in out  # an offset is not recorded as the invitee's zone
    assert out["when"] == "Tue 2026-04-14 09:00–09:30 UTC+02:00 = 07:00–07:30 UTC"


async def test_empty_availability_says_why(mcp: Mcp) -> None:
    async with mcp() as client:
        cases = {
            ("2026-04-01", "2026-04-02"): "in the past (today is 2026-04-13",
            ("2026-09-01", "2026-09-02"): "beyond the booking window of 60 days",
            ("2026-04-18", "2026-04-19"): "outside",
        }
        for (first, last), why in cases.items():
            failed, text, out = await result_of(
                client, "check_availability", start_date=first, end_date=last
            )
            assert not failed and out["slot_count"] == 0
            assert why in out["none_because"] and why in text, (first, text)


async def test_list_bookings_finds_by_invitee_and_local_days(mcp: Mcp) -> None:
    async with mcp() as client:
        for start, email in (("2026-04-14T09:00[Europe/Berlin]", "jo@example.com"),
                             ("2026-04-16T09:00[Europe/Berlin]", "jo@example.com"),
                             ("2026-04-16T10:00[Europe/Berlin]", "sam@example.com")):  # fmt: skip
            failed, text, _ = await result_of(
                client, "create_booking", start_time=start, invitee_name="X", invitee_email=email
            )
            assert not failed, text
        # "Jo's call on Thursday", in one call: the day is read in Berlin.
        failed, text, out = await result_of(
            client, "list_bookings", invitee_email="jo@example.com", start_date="2026-04-16",
            end_date="2026-04-16", time_zone="Europe/Berlin",
        )  # fmt: skip
    assert not failed, text
    (only,) = out["bookings"]
    assert only["when"] == "Thu 2026-04-16 09:00–09:30 Europe/Berlin (UTC+02:00) = 07:00–07:30 UTC"
    assert "Thu 2026-04-16 09:00–09:30 Europe/Berlin" in text


# Tool calls that fail, and what their message must not contain: HTTP paths or error details.
ERRORS = [
    ("get_booking", {"booking_id": "bk_nope"}),
    ("cancel_booking", {"booking_id": "bk_nope"}),
    ("check_availability", {"start_date": TUESDAY, "end_date": TUESDAY, "event_type_id": "evt_x"}),
    ("explain_availability", {"start_time": "2026-04-14T09:00:00Z", "event_type_id": "evt_x"}),
    ("list_bookings", {"host_id": "evt_notahost"}),
]


@pytest.mark.parametrize(("tool", "arguments"), ERRORS)
async def test_errors_speak_to_agents_not_to_http_clients(
    mcp: Mcp, tool: str, arguments: dict[str, Any]
) -> None:
    async with mcp() as client:
        failed, text, _ = await result_of(client, tool, **arguments)
    assert failed
    for http in ("/v1/", "GET ", "POST ", "details."):
        assert http not in text, text


async def test_a_taken_slot_is_an_error_with_structured_alternatives(mcp: Mcp) -> None:
    async with mcp() as client:
        args = {"start_time": "2026-04-14T09:00[Europe/Berlin]", "invitee_name": "Jo",
                "invitee_email": "jo@example.com"}  # fmt: skip
        assert not (await result_of(client, "create_booking", **args))[0]
        failed, text, out = await result_of(
            client, "create_booking", **{**args, "invitee_email": "sam@example.com"}
        )
    assert failed and "create_booking" in text
    assert out["code"] == "slot_unavailable" and out["reasons"]
    assert out["alternatives"][0]["local"].endswith("+02:00")
    for http in ("/v1/", "details."):
        assert http not in text
