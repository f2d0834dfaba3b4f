"""``astrocal hosts …`` and ``--host`` on schedules and calendar connections: `--json` equal to the
API's response, the external_id filter, conflicts with their exit codes, force deactivation."""

from __future__ import annotations

import httpx

from tests.support.cli import Run, ok_json


def test_hosts_lifecycle(run: Run, api: httpx.Client) -> None:
    created = ok_json(
        run(
            "hosts", "create", "--name", "Dr. Ana Ruiz", "--email", "ana@example.com",
            "--time-zone", "Europe/Madrid", "--external-id", "user-42", "--metadata", "clinic=centro",
            "--json",
        )
    )  # fmt: skip
    assert created["id"].startswith("host_") and created["external_id"] == "user-42"
    assert created == api.get(f"/v1/hosts/{created['id']}").json()
    assert created["metadata"] == {"clinic": "centro"}

    found = ok_json(run("hosts", "list", "--external-id", "user-42", "--json"))
    assert [h["id"] for h in found["data"]] == [created["id"]]
    assert ok_json(run("hosts", "list", "--json")) == api.get("/v1/hosts").json()
    table = run("hosts", "list")
    assert table.exit_code == 0 and "Dr. Ana Ruiz" in table.stdout and created["id"] in table.stdout
    shown = run("hosts", "get", created["id"])
    assert shown.exit_code == 0 and created["default_schedule_id"] in shown.stdout

    taken = run("hosts", "create", "--name", "Twin", "--external-id", "user-42")
    assert taken.exit_code == 5 and "param: external_id" in taken.stderr

    schedule = ok_json(
        run("schedules", "create", "--name", "Evenings", "--host", created["id"], "--json")
    )
    assert schedule["host_id"] == created["id"]
    updated = ok_json(
        run(
            "hosts", "update", created["id"], "--default-schedule", schedule["id"],
            "--inactive", "--json",
        )
    )  # fmt: skip
    assert updated["default_schedule_id"] == schedule["id"] and updated["active"] is False

    refused = run("hosts", "delete", created["id"])
    assert refused.exit_code == 10  # the question was not answered
    deleted = run("hosts", "delete", created["id"], "--yes")
    assert deleted.exit_code == 0 and "Deleted" in deleted.stdout
    assert api.get(f"/v1/hosts/{created['id']}").status_code == 404


def test_default_host_and_force(run: Run, api: httpx.Client) -> None:
    default = next(h for h in api.get("/v1/hosts").json()["data"] if h["is_default"])
    kept = run("hosts", "delete", default["id"], "--yes", "--force")
    assert kept.exit_code == 5 and "default host" in kept.stderr
    assert run("hosts", "get", "host_nope").exit_code == 4
    unknown = run("schedules", "create", "--name", "X", "--host", "host_nope")
    assert unknown.exit_code == 4 and "host_id" in unknown.stderr
    # create takes no default schedule (a new host gets its own): a usage error naming the command
    assert run("hosts", "create", "--name", "X", "--default-schedule", "sch_x").exit_code == 2


def test_oauth_connect_for_a_host(run: Run, api: httpx.Client) -> None:
    host = api.post("/v1/hosts", json={"name": "Tutor"}).json()
    started = ok_json(
        run(
            "calendars", "connect", "google", "--redirect-uri", "https://app.example/done",
            "--host", host["id"], "--json",
        )
    )  # fmt: skip
    assert started["host_id"] == host["id"] and started["status"] == "pending"
    missing = run(
        "calendars", "connect", "microsoft", "--redirect-uri", "https://app.example/done",
        "--host", "host_nope",
    )  # fmt: skip
    assert missing.exit_code == 4 and "host_id" in missing.stderr
