"""Reminders in the CLI: ``--reminder MINUTES:CHANNELS:RECIPIENTS`` (or JSON, ``none`` on update)
on ``event-types create|update``, shown by ``event-types get``; a bad one is the API's 400."""

from __future__ import annotations

import json
from typing import Any

import pytest
from astrocal_cli.request_fields import InputError, parse_reminders

from tests.support.cli import Run


def test_parse_reminders() -> None:
    assert parse_reminders(
        [
            "60:email,webhook:invitee,hosts",
            " 1440 : email : invitee ",
            '{"before_minutes": 30, "channels": ["webhook"], "to": ["hosts"]}',
        ]
    ) == [
        {"before_minutes": 60, "channels": ["email", "webhook"], "to": ["invitee", "hosts"]},
        {"before_minutes": 1440, "channels": ["email"], "to": ["invitee"]},
        {"before_minutes": 30, "channels": ["webhook"], "to": ["hosts"]},
    ]
    assert parse_reminders(["none"]) == []
    for bad in ("60", "60:email", "an hour:email:invitee", "60:email:invitee:x", "{x", "[1]"):
        with pytest.raises(InputError, match="reminder"):
            parse_reminders([bad])


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_reminders_round_trip(run: Run) -> None:
    created = _json(
        run("event-types", "create", "--title", "Call", "--slug", "r-call", "--duration", "30",
            "--reminder", "60:email,webhook:invitee,hosts", "--reminder", "1440:email:invitee",
            "--json")
    )  # fmt: skip
    assert created["reminders"] == [
        {"before_minutes": 60, "channels": ["email", "webhook"], "to": ["invitee", "hosts"]},
        {"before_minutes": 1440, "channels": ["email"], "to": ["invitee"]},
    ]
    shown = run("event-types", "get", created["id"])
    assert shown.exit_code == 0, shown.output
    assert "60 min before: email, webhook to invitee, hosts" in shown.stdout
    assert "1440 min before: email to invitee" in shown.stdout

    refused = run("event-types", "update", created["id"], "--reminder", "60:email:invitee",
                  "--reminder", "60:webhook:hosts")  # fmt: skip
    assert refused.exit_code != 0 and "reminders.1.before_minutes" in refused.output

    updated = _json(
        run("event-types", "update", created["id"], "--reminder", "15:webhook:hosts", "--json")
    )
    assert updated["reminders"] == [
        {"before_minutes": 15, "channels": ["webhook"], "to": ["hosts"]}
    ]
    cleared = _json(run("event-types", "update", created["id"], "--reminder", "none", "--json"))
    assert cleared["reminders"] == []
