"""`astrocal waitlist …` and `event-types --waitlist-hold-minutes` against the live server (needs the
waitlist server; clock pinned at Monday 2026-04-13 08:00 UTC, default schedule Mon–Fri 09:00–17:00
Europe/Berlin)."""

from __future__ import annotations

import httpx

from tests.support.cli import Run, ok_json

BERLIN = ("--tz", "Europe/Berlin")


def test_waitlist_join_list_get_promotion_and_leave(run: Run, api: httpx.Client) -> None:
    evt = ok_json(run("event-types", "create", "--title", "Call", "--slug", "wait-call",
                      "--duration", "30", "--waitlist-hold-minutes", "45", "--json"))  # fmt: skip
    assert evt["waitlist_hold_minutes"] == 45
    changed = ok_json(run("event-types", "update", evt["id"], "--waitlist-hold-minutes", "60",
                          "--json"))  # fmt: skip
    assert changed["waitlist_hold_minutes"] == 60
    booked = ok_json(run("bookings", "create", "--event-type", evt["id"], "--start",
                         "2026-04-14 09:00", *BERLIN, "--name", "Jo", "--email", "jo@example.com",
                         "--json"))  # fmt: skip

    joined = ok_json(run("waitlist", "join", "--event-type", evt["id"], "--start",
                         "2026-04-14 09:00", *BERLIN, "--name", "Sam", "--email",
                         "sam@example.com", "--json"))  # fmt: skip
    assert (joined["status"], joined["position"]) == ("waiting", 1)
    assert joined["invitee"]["time_zone"] == "Europe/Berlin"
    assert joined == api.get(f"/v1/waitlist/{joined['id']}").json()
    listed = ok_json(run("waitlist", "list", "--email", "sam@example.com", "--json"))
    assert listed == api.get("/v1/waitlist", params={"invitee_email": "sam@example.com"}).json()
    table = run("waitlist", "list", *BERLIN)
    assert joined["id"] in table.stdout and "2026-04-14 09:00 CEST" in table.stdout

    open_start = run("waitlist", "join", "--event-type", evt["id"], "--start", "2026-04-14 10:00",
                     *BERLIN, "--name", "Al", "--email", "al@example.com")  # fmt: skip
    assert open_start.exit_code == 5 and "slot_available" in open_start.stderr
    both = run("waitlist", "join", "--event-type", evt["id"], "--start", "2026-04-14 10:00",
               "--date", "2026-04-14", "--name", "Al", "--email", "al@example.com")  # fmt: skip
    assert both.exit_code == 2

    run("bookings", "cancel", booked["id"], "--yes")
    promoted = ok_json(run("waitlist", "get", joined["id"], "--json"))
    assert promoted["status"] == "promoted" and promoted["hold_id"]
    assert promoted["hold_expires_at"] == "2026-04-13T09:00:00Z"  # 60 minutes
    shown = run("waitlist", "get", joined["id"], *BERLIN)
    assert promoted["hold_id"] in shown.stdout and "2026-04-13 11:00 CEST" in shown.stdout
    left = ok_json(run("waitlist", "leave", joined["id"], "--json"))
    assert left["status"] == "cancelled"
    assert api.get(f"/v1/holds/{promoted['hold_id']}").json()["status"] == "released"
    assert run("waitlist", "get", "wl_nope").exit_code == 4
