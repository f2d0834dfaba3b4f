"""`astrocal calendars …`: CalDAV against a real Radicale server; Google/Microsoft up to the consent URL
(the server only talks to them after the browser comes back, which these tests do not fake)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx

from tests.support.caldav import Radicale
from tests.support.cli import Run, RunProcess, ok_json


def test_caldav_connect_list_disconnect(
    run: Run, run_process: RunProcess, api: httpx.Client, radicale_server: Radicale
) -> None:
    path = radicale_server.make_calendar("Work")
    # The password comes from a hidden prompt when not given; here it is typed on stdin.
    created = run_process(
        "calendars", "connect", "caldav", "--server-url", radicale_server.url,
        "--username", radicale_server.user, "--json",
        input=radicale_server.password + "\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    connection = created.json()
    assert connection["provider"] == "caldav" and connection["status"] == "active"
    assert path in [c["id"] for c in connection["calendars"]]
    assert radicale_server.password not in created.stdout
    assert ok_json(run("calendars", "list", "--json")) == api.get("/v1/calendar_connections").json()
    table = run("calendars", "list")
    assert table.exit_code == 0 and connection["id"] in table.stdout and path in table.stdout
    got = ok_json(run("calendars", "get", connection["id"], "--json"))
    assert got == api.get(f"/v1/calendar_connections/{connection['id']}").json()

    assert run("calendars", "disconnect", connection["id"]).exit_code == 10
    assert run("calendars", "disconnect", connection["id"], "--yes").exit_code == 0
    assert api.get(f"/v1/calendar_connections/{connection['id']}").status_code == 404


def test_caldav_wrong_password_is_an_api_error(run: Run, radicale_server: Radicale) -> None:
    result = run(
        "calendars", "connect", "caldav", "--server-url", radicale_server.url,
        "--username", radicale_server.user, "--password", "wrong",
    )  # fmt: skip
    assert result.exit_code in (6, 5, 3) and "request id: req_" in result.stderr
    assert "wrong" not in result.stderr


def test_oauth_connect_prints_the_consent_url(run: Run, api: httpx.Client) -> None:
    for provider, host in (
        ("google", "accounts.google.com"),
        ("microsoft", "login.microsoftonline.com"),
    ):
        result = run("calendars", "connect", provider, "--redirect-uri", "https://app.example/done")
        assert result.exit_code == 0, result.output
        url = next(line.strip() for line in result.stdout.splitlines() if "https://" + host in line)
        query = parse_qs(urlparse(url).query)
        assert query["redirect_uri"] and query["state"] and query["code_challenge"]
        as_json = ok_json(
            run(
                "calendars",
                "connect",
                provider,
                "--redirect-uri",
                "https://app.example/done",
                "--json",
            )
        )
        assert as_json["status"] == "pending" and as_json["authorization_url"].startswith(
            "https://" + host
        )
        assert as_json == api.get(f"/v1/calendar_connections/{as_json['id']}").json() | {
            "authorization_url": as_json["authorization_url"]
        }
    missing = run("calendars", "connect", "google")
    assert missing.exit_code == 2  # --redirect-uri is required: a usage error from Click
    assert run("calendars", "disconnect", "cal_nope", "--yes").exit_code == 4
