"""`astrocal account update`, the event type's invitee options and `astrocal invitee …` (which needs
no API key) against the live server (clock pinned at Monday 2026-04-13 08:00 UTC; the account's
default schedule is Mon–Fri 09:00–17:00 Europe/Berlin)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.support.cli import Run
from tests.support.invitee import token_of

BERLIN = ("--tz", "Europe/Berlin")
NO_KEY = {"ASTROCAL_API_KEY": None}


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _book(run: Run, event_type: str, start: str) -> dict[str, Any]:
    booked = run("bookings", "create", "--event-type", event_type, "--start", start, *BERLIN,
                 "--name", "Jo Smith", "--email", "jo@example.com", "--json")  # fmt: skip
    return dict(_json(booked))


def test_event_type_options_and_the_links_shown_on_a_booking(run: Run, api: httpx.Client) -> None:
    created = _json(
        run("event-types", "create", "--title", "Call", "--slug", "inv-call", "--duration", "30",
            "--no-invitee-cancel", "--invitee-notice", "120", "--json")
    )  # fmt: skip
    assert created["invitee_can_cancel"] is False and created["invitee_can_reschedule"] is True
    assert created["invitee_change_notice_minutes"] == 120
    updated = _json(
        run("event-types", "update", created["id"], "--invitee-cancel", "--no-invitee-reschedule",
            "--json")
    )  # fmt: skip
    assert (updated["invitee_can_cancel"], updated["invitee_can_reschedule"]) == (True, False)
    shown = run("event-types", "get", created["id"])
    assert "Invitee may cancel" in shown.stdout

    booking = _book(run, created["id"], "2026-04-14 09:00")
    human = run("bookings", "get", booking["id"])
    assert human.exit_code == 0, human.output
    assert booking["manage_url"] in human.stdout.replace("\n", "")


def test_account_template_set_and_cleared(run: Run, api: httpx.Client) -> None:
    template = "https://app.example.com/m/{token}/{action}"
    account = _json(run("account", "update", "--invitee-url-template", template, "--json"))
    assert account["invitee_url_template"] == template
    assert "Invitee URL template" in run("account", "show").stdout
    bad = run("account", "update", "--invitee-url-template", "https://app.example.com/x")
    assert bad.exit_code == 6 and "{token}" in bad.stderr
    cleared = _json(run("account", "update", "--invitee-url-template", "none", "--json"))
    assert "invitee_url_template" not in cleared
    assert run("account", "update").exit_code == 2


def test_invitee_commands_work_with_the_link_and_no_key(run: Run, api: httpx.Client) -> None:
    event_type = _json(
        run("event-types", "create", "--title", "Chat", "--slug", "inv-chat", "--duration", "30",
            "--json")
    )["id"]  # fmt: skip
    booking = _book(run, event_type, "2026-04-14 09:00")
    link = booking["manage_url"]

    seen = _json(run("invitee", "show", link, "--json", env=NO_KEY))
    assert seen == api.get(f"/v1/invitee/bookings/{token_of(booking)}").json()
    assert "May reschedule" in run("invitee", "show", token_of(booking), env=NO_KEY).stdout

    slots = _json(run("invitee", "slots", booking["reschedule_url"], "--date", "2026-04-14",
                      *BERLIN, "--json", env=NO_KEY))  # fmt: skip
    assert slots["data"][0]["start"] == "2026-04-14T07:00:00Z"  # its own time is open to it
    moved = _json(run("invitee", "reschedule", link, "--start", "2026-04-14 10:00", *BERLIN,
                      "--json", env=NO_KEY))  # fmt: skip
    assert moved["start"] == "2026-04-14T08:00:00Z" and moved["rescheduled_by"] == "invitee"
    cancelled = _json(
        run("invitee", "cancel", link, "--reason", "sorry", "--yes", "--json", env=NO_KEY)
    )
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_by"] == "invitee"

    assert run("invitee", "show", "https://example.com/nothing-here", env=NO_KEY).exit_code == 2
    unknown = run("invitee", "show", "x" * 43, env=NO_KEY)
    assert unknown.exit_code == 4 and "invitee_link_not_found" in unknown.stderr
