"""The waitlist through the MCP tools (needs the waitlist server): join for a taken start, follow
it with check_waitlist, get promoted with a hold when the booking is cancelled, book the hold.
Clock pinned at Monday 2026-04-13 10:00 Berlin; the account works Mon–Fri 09:00–17:00 Berlin."""

from __future__ import annotations

from tests.support.agent import Mcp, say

TUESDAY_2PM = "2026-04-14T14:00[Europe/Berlin]"


async def test_join_check_get_promoted_and_book_the_hold(mcp: Mcp) -> None:
    sam = {"invitee_name": "Sam Lee", "invitee_email": "sam@example.com"}
    async with mcp() as client:
        booked, _ = await say(client, "create_booking", start_time=TUESDAY_2PM,
                              invitee_name="Jo Smith", invitee_email="jo@example.com")  # fmt: skip
        entry, text = await say(client, "join_waitlist", start_time=TUESDAY_2PM, **sam)
        assert (entry["status"], entry["position"]) == ("waiting", 1)
        assert entry["waiting_for"] == "Tue 2026-04-14 14:00 Europe/Berlin (UTC+02:00) = 12:00 UTC"
        assert entry["id"] in text and "position 1" in text
        # The same call again (an agent's retry) is the same entry, not a second one.
        again, _ = await say(client, "join_waitlist", start_time=TUESDAY_2PM, **sam)
        assert again["id"] == entry["id"]
        listed, _ = await say(client, "check_waitlist", invitee_email="sam@example.com")
        assert [e["id"] for e in listed["entries"]] == [entry["id"]]

        await say(client, "cancel_booking", booking_id=booked["id"])
        checked, text = await say(client, "check_waitlist", entry_id=entry["id"])
        (promoted,) = checked["entries"]
        assert promoted["status"] == "promoted" and promoted["hold_id"]
        # The event type's waitlist_hold_minutes (default 30) from now, in Sam's zone.
        assert promoted["hold_expires"] == (
            "Mon 2026-04-13 10:30 Europe/Berlin (UTC+02:00) = 08:30 UTC"
        )
        assert promoted["hold_id"] in text

        rebooked, _ = await say(client, "create_booking", hold_id=promoted["hold_id"], **sam)
        assert (
            rebooked["start"] == booked["start"] and rebooked["invitee_email"] == "sam@example.com"
        )
        final, _ = await say(client, "check_waitlist", entry_id=entry["id"])
        assert (final["entries"][0]["status"], final["entries"][0]["booking_id"]) == (
            "booked",
            rebooked["id"],
        )


async def test_join_waitlist_refusals_say_what_to_do(mcp: Mcp) -> None:
    sam = {"invitee_name": "Sam Lee", "invitee_email": "sam@example.com"}
    async with mcp() as client:
        open_start = await client.call_tool("join_waitlist", {"start_time": TUESDAY_2PM, **sam})
        text = open_start.content[0].text
        assert open_start.is_error and "slot_available" in text and "hold_slot" in text
        both = await client.call_tool(
            "join_waitlist", {"start_time": TUESDAY_2PM, "date": "2026-04-14", **sam}
        )
        assert both.is_error and "exactly one of start_time" in both.content[0].text
        unknown = await client.call_tool("check_waitlist", {"entry_id": "wl_nope"})
        assert unknown.is_error and "resource_missing" in unknown.content[0].text
