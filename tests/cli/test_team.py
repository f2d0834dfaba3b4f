"""Team event types in the CLI: `--host`/`--assignment`/`--schedule none` on event types, `--host`
on availability and booking, `--reassign` on reschedule. What each flag sends is checked on the
request itself (the fields of openapi.yaml), and the team columns on the API's answer shapes."""

from __future__ import annotations

import asyncio
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from astrocal_cli.command_context import Cli
from astrocal_cli.commands.availability import _explain, slots_table
from astrocal_cli.display_fields import EVENT_TYPE
from astrocal_cli.output import Output
from astrocal_server.storage.db import Database
from rich.console import Console

from tests.support.cli import Run, RunningServer, ok_json
from tests.support.clocks import NOW
from tests.support.sent_requests import SentRequests, record_requests
from tests.support.team_rows import insert_hosts

BERLIN = ("--tz", "Europe/Berlin")


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> SentRequests:
    return record_requests(monkeypatch)


@pytest.fixture
def hosts(server: RunningServer, account: dict[str, Any]) -> list[str]:
    async def insert() -> list[str]:
        db = Database(server.database_url)
        try:
            return await insert_hosts(db, account["account"]["id"], ["Ana", "Ben"], now=NOW)
        finally:
            await db.dispose()

    return asyncio.run(insert())


@pytest.fixture
def team(run: Run, hosts: list[str]) -> str:
    created = ok_json(
        run("event-types", "create", "--title", "Demo", "--slug", "demo", "--duration", "30",
            "--host", hosts[0], "--host", hosts[1], "--assignment", "round_robin", "--json")
    )  # fmt: skip
    return str(created["id"])


def test_event_type_hosts_assignment_and_schedule_flags(
    run: Run, sent: SentRequests, hosts: list[str]
) -> None:
    a, b = hosts
    created = ok_json(
        run("event-types", "create", "--title", "Demo", "--slug", "demo", "--duration", "30",
            "--host", a, "--host", f"{b}, weight=2,priority=5", "--assignment", "round_robin",
            "--json")
    )  # fmt: skip
    body = sent.last_body("POST", "/v1/event_types")
    assert body["hosts"] == [{"host_id": a}, {"host_id": b, "weight": 2, "priority": 5}]
    assert body["assignment"] == "round_robin" and "schedule_id" not in body
    path = f"/v1/event_types/{created['id']}"

    # --schedule none is the API's null (each host works its own default schedule).
    assert run("event-types", "update", created["id"], "--schedule", "none").exit_code == 0
    assert sent.last_body("PATCH", path) == {"schedule_id": None}
    # --host replaces the list; --host none empties it (back to the account's default host).
    assert run("event-types", "update", created["id"], "--host", b, "--assignment", "collective")
    assert sent.last_body("PATCH", path) == {"hosts": [{"host_id": b}], "assignment": "collective"}
    back = run("event-types", "update", created["id"], "--host", "none", "--assignment", "single")
    assert back.exit_code == 0, back.output
    assert sent.last_body("PATCH", path) == {"hosts": [], "assignment": "single"}

    for bad in ("ana", f"{a},weight", f"{a},share=2", f"{a},weight=-1"):
        refused = run("event-types", "update", created["id"], "--host", bad)
        assert refused.exit_code == 2 and "host_…" in refused.stderr, bad
    help_text = run("event-types", "create", "--help").stdout
    assert "--host" in help_text and "weight=N" in help_text and "round_robin" in help_text


def test_event_type_detail_names_hosts_and_assignment() -> None:
    out = io.StringIO()
    output = Output(json_mode=False, tz=ZoneInfo("UTC"))
    output._out = Console(file=out, width=120, force_terminal=False)
    team = {"id": "evt_1", "assignment": "round_robin", "schedule_id": None,
            "hosts": [{"host_id": "host_a", "priority": 0, "weight": 1},
                      {"host_id": "host_b", "priority": 5, "weight": 2}]}  # fmt: skip
    output.detail(team, EVENT_TYPE, title="Event type")
    text = out.getvalue()
    assert "round_robin" in text
    assert "host_a (weight 1, priority 0)" in text and "host_b (weight 2, priority 5)" in text
    assert "Hosts" in text
    out.seek(0), out.truncate()
    # No hosts: the account's default host hosts it, and there is no list to show.
    output.detail({"id": "evt_2", "assignment": "single", "hosts": []}, EVENT_TYPE, title="E")
    assert "single" in out.getvalue() and "Hosts" not in out.getvalue()


def test_availability_host_flag_is_sent_on_list_and_explain(
    run: Run, sent: SentRequests, team: str, hosts: list[str]
) -> None:
    listed = run("availability", team, "--date", "2026-04-14", "--host", hosts[1], *BERLIN)
    assert listed.exit_code == 0, listed.output
    assert sent.last_query("GET", "/v1/availability")["host_id"] == hosts[1]
    whole = run("availability", team, "--date", "2026-04-14", *BERLIN)
    assert whole.exit_code == 0 and "host_id" not in sent.last_query("GET", "/v1/availability")
    explained = run("availability", team, "--explain", "2026-04-14 09:00", "--host", hosts[0])
    assert explained.exit_code == 0, explained.output
    assert sent.last_query("GET", "/v1/availability/check")["host_id"] == hosts[0]


def _cli_output() -> tuple[Cli, io.StringIO]:
    cli, out = Cli(tz_name="Europe/Berlin"), io.StringIO()
    cli.out._out = Console(file=out, width=200, force_terminal=False)
    return cli, out


def test_team_slots_and_checks_name_their_hosts() -> None:
    cli, out = _cli_output()
    slot = {"start": "2026-04-14T07:00:00Z", "end": "2026-04-14T07:30:00Z"}
    slots_table(cli, {"event_type_id": "evt_1", "start_date": "2026-04-14",
                       "data": [{**slot, "host_ids": ["host_a", "host_b"]}]})  # fmt: skip
    assert "Free hosts" in out.getvalue() and "host_a, host_b" in out.getvalue()
    cli, out = _cli_output()
    slots_table(cli, {"event_type_id": "evt_1", "start_date": "2026-04-14", "data": [slot]})
    assert "Free hosts" not in out.getvalue()  # one-host event types: no host column

    cli, out = _cli_output()
    _explain(cli, {"available": True, "host_ids": ["host_b"], "reasons": []})
    assert "Free hosts: host_b" in out.getvalue()
    cli, out = _cli_output()
    reason = {"code": "booked", "message": "Taken.", "host_id": "host_a"}
    _explain(cli, {"available": False, "host_ids": [], "reasons": [reason]})
    assert "• host_a: booked: Taken." in out.getvalue()


def test_booking_host_and_reschedule_reassign(
    run: Run, sent: SentRequests, team: str, hosts: list[str]
) -> None:
    booked = ok_json(
        run("bookings", "create", "--event-type", team, "--start", "2026-04-14 09:00", *BERLIN,
            "--name", "Jo", "--email", "jo@example.com", "--host", hosts[1], "--json")
    )  # fmt: skip
    assert sent.last_body("POST", "/v1/bookings")["host_id"] == hosts[1]
    path = f"/v1/bookings/{booked['id']}/reschedule"
    moved = run("bookings", "reschedule", booked["id"], "--start", "2026-04-14T08:00:00Z",
                "--reassign")  # fmt: skip
    assert moved.exit_code == 0, moved.output
    assert sent.last_body("POST", path) == {"start": "2026-04-14T08:00:00Z", "reassign": True}
    kept = run("bookings", "reschedule", booked["id"], "--start", "2026-04-14T09:00:00Z")
    assert kept.exit_code == 0, kept.output
    assert sent.last_body("POST", path) == {"start": "2026-04-14T09:00:00Z"}
    assert "--reassign" in run("bookings", "reschedule", "--help").stdout
