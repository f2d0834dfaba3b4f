"""Event type ``questions`` (openapi.yaml ``Question``): stored and shown as sent (``required``
defaulted), replaced by an update, and every malformed definition a 400 naming
``questions.<n>.<field>`` with a message that says what to change."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.bookings import MakeEventType

H = dict[str, str]

COMPANY = {"key": "company", "label": "What is your company?", "type": "short_text"}
SIZE = {
    "key": "team_size",
    "label": "Team size",
    "type": "single_select",
    "options": ["1-10", "11-50", "50+"],
    "required": True,
    "help_text": "Roughly.",
}


async def test_questions_are_stored_and_shown(make_event_type: MakeEventType) -> None:
    evt = await make_event_type(questions=[COMPANY, SIZE])
    assert evt["questions"] == [{**COMPANY, "required": False}, SIZE]


async def test_an_event_type_without_questions_shows_an_empty_list(
    make_event_type: MakeEventType,
) -> None:
    assert (await make_event_type())["questions"] == []


async def test_update_replaces_the_questions(
    client: httpx.AsyncClient, auth_headers: H, make_event_type: MakeEventType
) -> None:
    evt = await make_event_type(questions=[COMPANY])
    r = await client.patch(
        f"/v1/event_types/{evt['id']}", headers=auth_headers, json={"questions": [SIZE]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["questions"] == [SIZE]
    r = await client.get(f"/v1/event_types/{evt['id']}", headers=auth_headers)
    assert r.json()["questions"] == [SIZE]
    r = await client.patch(
        f"/v1/event_types/{evt['id']}", headers=auth_headers, json={"title": "Renamed"}
    )
    assert r.json()["questions"] == [SIZE]  # not sent: kept


def _q(**fields: Any) -> dict[str, Any]:
    return {**COMPANY, **fields}


@pytest.mark.parametrize(
    ("questions", "param", "code", "words"),
    [
        ([_q(), _q(label="Again")], "questions.1.key", "parameter_invalid", "own key"),
        ([_q(type="single_select")], "questions.0.options", "parameter_missing", "needs options"),
        ([_q(type="multi_select", options=[])], "questions.0.options", "parameter_invalid", ""),
        ([_q(options=["a", "b"])], "questions.0.options", "parameter_invalid", "leave options out"),
        (
            [_q(type="single_select", options=["Yes", "yes "])],
            "questions.0.options",
            "parameter_invalid",
            "listed twice",
        ),
        ([_q(key="Company")], "questions.0.key", "parameter_invalid", ""),
        ([_q(key="company__name")], "questions.0.key", "parameter_invalid", ""),
        ([_q(key="1st")], "questions.0.key", "parameter_invalid", ""),
        ([_q(key="k" * 41)], "questions.0.key", "parameter_invalid", ""),
        ([_q(type="color")], "questions.0.type", "parameter_invalid", ""),
        ([_q(label="")], "questions.0.label", "parameter_invalid", ""),
        ([_q(label="x" * 201)], "questions.0.label", "parameter_invalid", ""),
        ([_q(help_text="x" * 501)], "questions.0.help_text", "parameter_invalid", ""),
        ([_q(required="yes")], "questions.0.required", "parameter_invalid", ""),
        ([_q(colour="red")], "questions.0.colour", "parameter_unknown", ""),
        ([{"key": "company", "type": "short_text"}], "questions.0.label", "parameter_missing", ""),
        (
            [_q(key=f"q{n}") for n in range(31)],
            "questions",
            "parameter_invalid",
            "",
        ),
    ],
)
async def test_malformed_questions_are_400s_naming_the_field(
    client: httpx.AsyncClient,
    auth_headers: H,
    make_event_type: MakeEventType,
    questions: list[dict[str, Any]],
    param: str,
    code: str,
    words: str,
) -> None:
    for method, path, body in [
        (
            "POST",
            "/v1/event_types",
            {"title": "Q", "slug": "q", "duration_minutes": 30, "questions": questions},
        ),
        ("PATCH", f"/v1/event_types/{(await make_event_type())['id']}", {"questions": questions}),
    ]:
        r = await client.request(method, path, headers=auth_headers, json=body)
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert (error["param"], error["code"]) == (param, code), error
        assert words in error["message"]
