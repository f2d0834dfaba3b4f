"""Event types, schedules, keys, usage and openapi: happy paths, `--json` equal to the API's response,
the main errors with their exit codes, and confirmations."""

from __future__ import annotations

import json

import httpx
import pytest
import yaml

from tests.support.cli import Run, RunProcess, ok_json


def test_event_types_lifecycle(run: Run, api: httpx.Client) -> None:
    created = ok_json(
        run(
            "event-types", "create", "--title", "Demo", "--slug", "demo", "--duration", "45",
            "--duration-option", "45", "--duration-option", "90", "--buffer-after", "10",
            "--location", "video=https://meet.example.com/x", "--metadata", "team=sales",
            "--data", '{"description": "From --data", "seats_per_slot": 2}', "--json",
        )
    )  # fmt: skip
    assert created["id"].startswith("evt_")
    assert created == api.get(f"/v1/event_types/{created['id']}").json()
    assert created["duration_options"] == [45, 90] and created["buffer_after_minutes"] == 10
    assert created["location"] == {"type": "video", "value": "https://meet.example.com/x"}
    assert created["metadata"] == {"team": "sales"} and created["seats_per_slot"] == 2
    assert created["description"] == "From --data"

    listed = ok_json(run("event-types", "list", "--json", "--limit", "100"))
    assert listed == api.get("/v1/event_types", params={"limit": 100}).json()

    table = run("event-types", "list")
    assert table.exit_code == 0 and created["id"] in table.stdout and "Demo" in table.stdout

    shown = run("event-types", "get", created["id"], "--tz", "Europe/Berlin")
    assert shown.exit_code == 0 and "From --data" in shown.stdout and "CEST" in shown.stdout

    updated = ok_json(
        run("event-types", "update", created["id"], "--title", "Renamed", "--inactive", "--json")
    )
    assert updated["title"] == "Renamed" and updated["active"] is False
    inactive = ok_json(run("event-types", "list", "--inactive", "--json"))
    assert [e["id"] for e in inactive["data"]] == [created["id"]]

    refused = run("event-types", "delete", created["id"])
    assert refused.exit_code == 10
    assert api.get(f"/v1/event_types/{created['id']}").status_code == 200
    deleted = run("event-types", "delete", created["id"], "--yes")
    assert deleted.exit_code == 0 and "Deleted" in deleted.stdout
    assert api.get(f"/v1/event_types/{created['id']}").status_code == 404

    missing = run("event-types", "get", created["id"])
    assert missing.exit_code == 4
    assert "404 resource_missing" in missing.stderr or "404" in missing.stderr
    assert "request id: req_" in missing.stderr


def test_event_type_errors(run: Run) -> None:
    invalid = run("event-types", "create", "--title", "X", "--slug", "x", "--duration", "3")
    assert invalid.exit_code == 6
    assert "param: duration_minutes" in invalid.stderr and invalid.stdout == ""
    # In --json mode the error envelope itself goes to stderr, and stdout stays empty for jq.
    as_json = run(
        "event-types", "create", "--title", "X", "--slug", "x", "--duration", "3", "--json"
    )
    assert as_json.exit_code == 6 and as_json.stdout == ""
    envelope = json.loads(as_json.stderr)
    assert envelope["error"]["param"] == "duration_minutes"
    # A Meet room per booking needs a Google destination calendar; the API says so.
    meet = run(
        "event-types", "create", "--title", "X", "--slug", "x", "--duration", "30",
        "--location", "google_meet",
    )  # fmt: skip
    assert meet.exit_code == 6 and "param: location.type" in meet.stderr
    assert "destination_calendar" in meet.stderr
    assert envelope["error"]["request_id"].startswith("req_")
    unknown = run("event-types", "create", "--data", '{"colour": "red"}')
    assert unknown.exit_code == 2 and "colour" in unknown.stderr
    assert run("event-types", "create", "--data", "{oops").exit_code == 2
    dup = run("event-types", "create", "--title", "A", "--slug", "same", "--duration", "30")
    assert dup.exit_code == 0, dup.output
    again = run("event-types", "create", "--title", "B", "--slug", "same", "--duration", "30")
    assert again.exit_code == 5 and "409" in again.stderr
    bad_key = run("event-types", "list", env={"ASTROCAL_API_KEY": "sk_test_" + "y" * 43})
    assert bad_key.exit_code == 3 and "invalid_api_key" in bad_key.stderr


def test_schedules_lifecycle(run: Run, api: httpx.Client) -> None:
    created = ok_json(
        run(
            "schedules", "create", "--name", "Office", "--time-zone", "America/New_York",
            "--hours", "mon-thu 09:00-12:00,13:00-17:00", "--hours", "fri 09:00-13:00",
            "--override", "2026-12-24=off", "--override", "2026-12-27=10:00-14:00", "--json",
        )
    )  # fmt: skip
    assert created == api.get(f"/v1/schedules/{created['id']}").json()
    assert created["weekly_hours"][0] == {"day": "monday", "start": "09:00", "end": "12:00"}
    assert created["weekly_hours"][-1] == {"day": "friday", "start": "09:00", "end": "13:00"}
    assert created["date_overrides"] == [
        {"date": "2026-12-24", "intervals": []},
        {"date": "2026-12-27", "intervals": [{"start": "10:00", "end": "14:00"}]},
    ]
    listed = ok_json(run("schedules", "list", "--json"))
    assert listed == api.get("/v1/schedules").json()
    table = run("schedules", "get", created["id"])
    assert table.exit_code == 0
    assert (
        "mon 09:00–12:00, 13:00–17:00" in table.stdout and "2026-12-24 unavailable" in table.stdout
    )
    updated = ok_json(
        run("schedules", "update", created["id"], "--hours", "sat 10:00-11:00", "--json")
    )
    assert updated["weekly_hours"] == [{"day": "saturday", "start": "10:00", "end": "11:00"}]
    overlap = run("schedules", "update", created["id"], "--hours", "mon 09:00-12:00,11:00-13:00")
    assert overlap.exit_code == 6 and "param: weekly_hours" in overlap.stderr
    bad_hours = run("schedules", "create", "--name", "X", "--hours", "someday 9-5")
    assert bad_hours.exit_code == 2 and "weekday" in bad_hours.stderr

    # A schedule an event type uses cannot be deleted: 409, exit 5.
    evt = ok_json(
        run("event-types", "create", "--title", "T", "--slug", "uses-it", "--duration", "30",
            "--schedule", created["id"], "--json")
    )  # fmt: skip
    in_use = run("schedules", "delete", created["id"], "--yes")
    assert in_use.exit_code == 5
    assert run("event-types", "delete", evt["id"], "--yes").exit_code == 0
    assert run("schedules", "delete", created["id"], "--yes").exit_code == 0
    assert api.get(f"/v1/schedules/{created['id']}").status_code == 404


def test_keys_and_usage(run: Run, api: httpx.Client) -> None:
    created = ok_json(run("keys", "create", "--name", "CI", "--mode", "test", "--json"))
    assert created["secret"].startswith("sk_test_") and created["name"] == "CI"
    human = run("keys", "create", "--name", "Other")
    assert human.exit_code == 0 and "shown once" in human.stdout and "sk_test_" in human.stdout
    listed = ok_json(run("keys", "list", "--json"))
    assert listed == api.get("/v1/api_keys").json()
    assert "secret" not in json.dumps(listed)
    revoked = run("keys", "revoke", created["id"], "--yes")
    assert revoked.exit_code == 0, revoked.output
    revoked_key = run("usage", env={"ASTROCAL_API_KEY": created["secret"]})
    assert revoked_key.exit_code == 3 and "api_key_revoked" in revoked_key.stderr
    usage = ok_json(run("usage", "--json"))
    assert usage == api.get("/v1/usage").json()
    assert "Bookings used" in run("usage").stdout


def test_openapi_prints_the_contract(run: Run, run_process: RunProcess, api: httpx.Client) -> None:
    as_yaml = run_process("openapi")
    assert as_yaml.returncode == 0
    assert yaml.safe_load(as_yaml.stdout)["openapi"].startswith("3.1")
    assert as_yaml.stdout.encode() == api.get("/v1/openapi.yaml").content
    assert ok_json(run("openapi", "--json")) == api.get("/v1/openapi.json").json()


def test_confirmation_prompt_on_a_terminal(
    run: Run, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("astrocal_cli.command_context.stdin_is_terminal", lambda: True)
    created = ok_json(run("schedules", "create", "--name", "Temp", "--json"))
    declined = run("schedules", "delete", created["id"], input="n\n")
    assert declined.exit_code == 10 and "Delete schedule" in declined.stderr
    assert api.get(f"/v1/schedules/{created['id']}").status_code == 200
    accepted = run("schedules", "delete", created["id"], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert api.get(f"/v1/schedules/{created['id']}").status_code == 404
