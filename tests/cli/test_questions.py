"""Booking questions in the CLI: ``--question`` (compact form or JSON, ``none`` on update) and
``--data @file`` on event types, ``--answer key=value`` on ``bookings create`` typed by the event
type's questions, and both shown in the detail output; a wrong answer is the API's 400."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from astrocal_cli.request_fields import InputError, parse_answers, parse_questions

from tests.support.cli import Run

QUESTIONS = [
    {"key": "company", "label": "Company: legal name", "type": "short_text", "required": True},
    {"key": "seats", "label": "Seats", "type": "number"},
    {"key": "terms", "label": "Terms", "type": "checkbox"},
    {"key": "topics", "label": "Topics", "type": "multi_select", "options": ["API", "MCP"]},
]


def test_parse_questions() -> None:
    assert parse_questions(
        [
            "company:short_text:Company: legal name:required",
            "size:single_select:Team size:required:1-10|11-50",
            "notes:long_text:Anything else?",
            '{"key": "go_live", "label": "Go-live", "type": "date"}',
        ]
    ) == [
        {"key": "company", "type": "short_text", "label": "Company: legal name", "required": True},
        {
            "key": "size",
            "type": "single_select",
            "options": ["1-10", "11-50"],
            "required": True,
            "label": "Team size",
        },
        {"key": "notes", "type": "long_text", "label": "Anything else?"},
        {"key": "go_live", "label": "Go-live", "type": "date"},
    ]
    assert parse_questions(["none"]) == []
    for bad in ("company", "company:short_text", "{not json", "[1]"):
        with pytest.raises(InputError, match="question"):
            parse_questions([bad])


def test_parse_answers_types_values_by_question() -> None:
    answers = parse_answers(
        ["company=Acme=Corp", "seats=12", "terms=yes", "topics=API", "topics=MCP", "other=12"],
        QUESTIONS,
    )
    assert answers == {
        "company": "Acme=Corp",
        "seats": 12,
        "terms": True,
        "topics": ["API", "MCP"],
        "other": "12",  # not a question: sent as given, the API names it
    }
    assert parse_answers(["seats=1.5", "terms=maybe"], QUESTIONS) == {
        "seats": 1.5,
        "terms": "maybe",
    }
    with pytest.raises(InputError, match="key=value"):
        parse_answers(["company"], QUESTIONS)


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_questions_and_answers_round_trip(run: Run, api: httpx.Client, tmp_path: Path) -> None:
    body = tmp_path / "event-type.json"
    body.write_text(json.dumps({"questions": QUESTIONS}), encoding="utf-8")
    created = _json(
        run("event-types", "create", "--title", "Call", "--slug", "q-call", "--duration", "30",
            "--data", f"@{body}", "--json")
    )  # fmt: skip
    assert [q["key"] for q in created["questions"]] == ["company", "seats", "terms", "topics"]
    shown = run("event-types", "get", created["id"])
    assert shown.exit_code == 0, shown.output
    assert "company (short_text, required): Company: legal name" in shown.stdout
    assert "topics (multi_select): Topics [API | MCP]" in shown.stdout

    booked = _json(
        run("bookings", "create", "--event-type", created["id"], "--start",
            "2026-04-14T07:00:00Z", "--name", "Jo", "--email", "jo@acme.com",
            "--answer", "company=Acme", "--answer", "seats=12", "--answer", "terms=yes",
            "--answer", "topics=MCP", "--json")
    )  # fmt: skip
    assert {a["key"]: a["value"] for a in booked["answers"]} == {
        "company": "Acme",
        "seats": 12,
        "terms": True,
        "topics": ["MCP"],
    }
    detail = run("bookings", "get", booked["id"])
    assert "Company: legal name: Acme" in detail.stdout and "Topics: MCP" in detail.stdout
    assert "Terms: yes" in detail.stdout

    refused = run("bookings", "create", "--event-type", created["id"], "--start",
                  "2026-04-14T08:00:00Z", "--name", "Jo", "--email", "jo@acme.com",
                  "--answer", "seats=12")  # fmt: skip
    assert refused.exit_code != 0
    assert "answers.company" in refused.output and "Company: legal name" in refused.output

    updated = _json(
        run("event-types", "update", created["id"], "--question",
            "size:single_select:Team size:1-10|11-50", "--json")
    )  # fmt: skip
    assert updated["questions"] == [
        {"key": "size", "label": "Team size", "type": "single_select", "required": False,
         "options": ["1-10", "11-50"]}
    ]  # fmt: skip
    cleared = _json(run("event-types", "update", created["id"], "--question", "none", "--json"))
    assert cleared["questions"] == []
    assert api.get(f"/v1/bookings/{booked['id']}").json()["answers"] == booked["answers"]
