"""`astrocal holds …` and `astrocal bookings create --hold` against the live server (clock pinned
at Monday 2026-04-13 08:00 UTC; the account's default schedule is Mon–Fri 09:00–17:00
Europe/Berlin)."""

from __future__ import annotations

import httpx

from tests.support.cli import Run, ok_json

BERLIN = ("--tz", "Europe/Berlin")


def test_hold_then_book_it_and_release_another(run: Run, api: httpx.Client) -> None:
    evt = ok_json(run("event-types", "create", "--title", "Call", "--slug", "call",
                      "--duration", "30", "--json"))["id"]  # fmt: skip
    held = ok_json(run("holds", "create", "--event-type", evt, "--start", "2026-04-14 09:00",
                       *BERLIN, "--ttl", "900", "--metadata", "source=cli", "--json"))  # fmt: skip
    assert (held["status"], held["start"]) == ("active", "2026-04-14T07:00:00Z")
    assert held["expires_at"] == "2026-04-13T08:15:00Z" and held["metadata"] == {"source": "cli"}
    assert held == api.get(f"/v1/holds/{held['id']}").json()
    shown = run("holds", "get", held["id"], *BERLIN)
    assert shown.exit_code == 0 and "2026-04-13 10:15 CEST" in shown.stdout  # expiry, local

    # Held: nobody else books it (409, exit 5), and a second hold of it is refused too.
    taken = run("bookings", "create", "--event-type", evt, "--start", "2026-04-14T07:00:00Z",
                "--name", "Al", "--email", "al@example.com")  # fmt: skip
    assert taken.exit_code == 5 and "slot_unavailable" in taken.stderr
    again = run("holds", "create", "--event-type", evt, "--start", "2026-04-14T07:00:00Z")
    assert again.exit_code == 5

    booked = ok_json(run("bookings", "create", "--hold", held["id"], "--name", "Jo Smith",
                         "--email", "jo@example.com", *BERLIN, "--json"))  # fmt: skip
    assert (booked["start"], booked["event_type_id"]) == (held["start"], evt)
    assert booked["invitee"]["time_zone"] == "Europe/Berlin"
    converted = api.get(f"/v1/holds/{held['id']}").json()
    assert (converted["status"], converted["booking_id"]) == ("converted", booked["id"])
    consumed = run("holds", "release", held["id"])
    assert consumed.exit_code == 5 and "hold_consumed" in consumed.stderr

    other = ok_json(run("holds", "create", "--event-type", evt, "--start", "2026-04-14 10:00",
                        *BERLIN, "--json"))  # fmt: skip
    listed = ok_json(run("holds", "list", "--status", "active", "--json"))
    assert listed == api.get("/v1/holds", params={"status": "active"}).json()
    assert [h["id"] for h in listed["data"]] == [other["id"]]
    table = run("holds", "list", *BERLIN)
    assert other["id"] in table.stdout and "2026-04-14 10:00 CEST" in table.stdout
    released = ok_json(run("holds", "release", other["id"], "--json"))
    assert released["status"] == "released"
    assert ok_json(run("holds", "release", other["id"], "--json"))["status"] == "released"


def test_bookings_create_needs_a_start_or_a_hold(run: Run) -> None:
    neither = run("bookings", "create", "--name", "Jo", "--email", "jo@example.com")
    assert neither.exit_code == 2 and "--hold" in neither.stderr
    assert run("holds", "get", "hold_nope").exit_code == 4
    assert run("holds", "create", "--event-type", "evt_x", "--start", "tomorrow").exit_code == 2
