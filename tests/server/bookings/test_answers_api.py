"""``answers`` on ``POST /v1/bookings``: checked against the event type's questions (each problem a
400 on ``answers.<key>`` naming the question), stored with the labels asked, returned on the
booking and in its webhook payload, kept by a reschedule and by later edits of the questions."""

from __future__ import annotations

import json
import math
from datetime import timedelta
from typing import Any

import httpx
import pytest
from astrocal_server.storage.models import OutboxMessage
from fastapi import FastAPI
from sqlalchemy import select

from tests.support.bookings import TUESDAY_9, Book, MakeEventType, booking_body, iso

H = dict[str, str]

QUESTIONS: list[dict[str, Any]] = [
    {"key": "company", "label": "What is your company?", "type": "short_text", "required": True},
    {"key": "about", "label": "What should we cover?", "type": "long_text"},
    {"key": "work_email", "label": "Work email", "type": "email"},
    {"key": "phone", "label": "Phone", "type": "phone"},
    {"key": "seats", "label": "How many seats?", "type": "number"},
    {"key": "plan", "label": "Plan", "type": "single_select", "options": ["Free", "Pro"]},
    {"key": "topics", "label": "Topics", "type": "multi_select", "options": ["API", "MCP", "CLI"]},
    {"key": "terms", "label": "I accept the terms", "type": "checkbox", "required": True},
    {"key": "go_live", "label": "Go-live date", "type": "date"},
]
GOOD: dict[str, Any] = {
    "company": "Acme",
    "about": "Line one\nLine two",
    "work_email": "jo@acme.com",
    "phone": "+49 30 1234567",
    "seats": 12,
    "plan": "Pro",
    "topics": ["MCP", "API"],
    "terms": True,
    "go_live": "2026-05-01",
}


@pytest.fixture
async def asking(make_event_type: MakeEventType) -> dict[str, Any]:
    return await make_event_type(questions=QUESTIONS)


def _stored(answers: dict[str, Any]) -> list[dict[str, Any]]:
    by_key = {q["key"]: q for q in QUESTIONS}
    return [
        {"key": k, "label": by_key[k]["label"], "type": by_key[k]["type"], "value": v}
        for k, v in sorted(answers.items(), key=lambda kv: list(by_key).index(kv[0]))
    ]


async def test_answers_are_stored_returned_and_sent_in_webhooks(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H, book: Book, asking: dict[str, Any]
) -> None:
    r = await book(asking["id"], TUESDAY_9, answers=GOOD)
    assert r.status_code == 201, r.text
    booking = r.json()
    assert booking["answers"] == _stored(GOOD)
    got = await client.get(f"/v1/bookings/{booking['id']}", headers=auth_headers)
    assert got.json()["answers"] == _stored(GOOD)
    async with app.state.astrocal.db.read() as session:
        rows = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.booking_id == booking["id"])
            )
        ).all()
    webhook = next(row for row in rows if row.kind == "webhook")
    assert webhook.payload["data"]["answers"] == _stored(GOOD)


async def test_optional_blank_answers_are_left_out(book: Book, asking: dict[str, Any]) -> None:
    r = await book(
        asking["id"],
        TUESDAY_9,
        answers={"company": " Acme ", "terms": True, "about": "  ", "topics": []},
    )
    assert r.status_code == 201, r.text
    assert r.json()["answers"] == _stored({"company": "Acme", "terms": True})


async def test_no_questions_no_answers(book: Book, make_event_type: MakeEventType) -> None:
    r = await book((await make_event_type())["id"], TUESDAY_9)
    assert r.status_code == 201, r.text
    assert "answers" not in r.json()  # omitted when there are none


@pytest.mark.parametrize(
    ("change", "param", "code", "words"),
    [
        ({"company": None}, "answers.company", "parameter_invalid", "a string"),
        ({"company": ""}, "answers.company", "parameter_missing", "'What is your company?'"),
        ({"company": 3}, "answers.company", "parameter_invalid", "text of at most 500"),
        ({"company": "x" * 501}, "answers.company", "parameter_invalid", "at most 500"),
        ({"about": "x" * 5001}, "answers.about", "parameter_invalid", "5000"),
        ({"work_email": "jo@"}, "answers.work_email", "parameter_invalid", "email address"),
        ({"phone": "call me"}, "answers.phone", "parameter_invalid", "phone number"),
        ({"phone": "123"}, "answers.phone", "parameter_invalid", "7–15 digits"),
        ({"seats": "12"}, "answers.seats", "parameter_invalid", "a number"),
        ({"seats": True}, "answers.seats", "parameter_invalid", "a number"),
        ({"plan": "Enterprise"}, "answers.plan", "parameter_invalid", "one of 'Free', 'Pro'"),
        ({"plan": ["Pro"]}, "answers.plan", "parameter_invalid", "one of"),
        ({"topics": "API"}, "answers.topics", "parameter_invalid", "list of distinct options"),
        ({"topics": ["API", "API"]}, "answers.topics", "parameter_invalid", "distinct"),
        ({"topics": ["SDK"]}, "answers.topics", "parameter_invalid", "'API', 'MCP', 'CLI'"),
        ({"terms": "yes"}, "answers.terms", "parameter_invalid", "true or false"),
        ({"terms": False}, "answers.terms", "parameter_invalid", "must be checked"),
        ({"go_live": "01/05/2026"}, "answers.go_live", "parameter_invalid", "YYYY-MM-DD"),
        ({"go_live": "2026-02-30"}, "answers.go_live", "parameter_invalid", "YYYY-MM-DD"),
        ({"colour": "red"}, "answers.colour", "parameter_invalid", "not a question"),
        ({"about": {"x": 1}}, "answers.about", "parameter_invalid", "a string"),
    ],
)
async def test_a_wrong_answer_is_a_400_naming_it(
    book: Book,
    asking: dict[str, Any],
    change: dict[str, Any],
    param: str,
    code: str,
    words: str,
) -> None:
    r = await book(asking["id"], TUESDAY_9, answers={**GOOD, **change})
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert (error["param"], error["code"]) == (param, code), error
    assert words in error["message"], error["message"]


async def test_a_required_answer_left_out(book: Book, asking: dict[str, Any]) -> None:
    r = await book(asking["id"], TUESDAY_9, answers={"terms": True})
    error = r.json()["error"]
    assert (r.status_code, error["code"], error["param"]) == (
        400,
        "parameter_missing",
        "answers.company",
    )
    assert error["message"] == (
        "The question 'What is your company?' (answers.company) is required; send "
        "answers.company as text of at most 500 characters."
    )
    assert "details" not in error


async def test_every_problem_is_listed(book: Book, asking: dict[str, Any]) -> None:
    r = await book(asking["id"], TUESDAY_9, answers={"plan": "Gold", "extra": 1})
    error = r.json()["error"]
    assert error["param"] == "answers.company"
    assert [e["param"] for e in error["details"]["errors"]] == [
        "answers.company",
        "answers.plan",
        "answers.terms",
        "answers.extra",
    ]
    # No question asked, no answer taken.
    assert all(e["message"] for e in error["details"]["errors"])


async def test_answers_to_an_event_type_without_questions_are_refused(
    book: Book, make_event_type: MakeEventType
) -> None:
    r = await book((await make_event_type())["id"], TUESDAY_9, answers={"company": "Acme"})
    error = r.json()["error"]
    assert (r.status_code, error["param"]) == (400, "answers.company")
    assert "asks no questions" in error["message"]


async def test_not_a_finite_number(
    client: httpx.AsyncClient, auth_headers: H, asking: dict[str, Any]
) -> None:
    # json.dumps writes NaN as the bare token Python's parser (and so the server's) accepts.
    body = json.dumps(
        booking_body(
            asking["id"], TUESDAY_9, answers={"company": "Acme", "terms": True, "seats": math.nan}
        )
    )
    r = await client.post(
        "/v1/bookings",
        headers={**auth_headers, "Content-Type": "application/json"},
        content=body.encode(),
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == "answers.seats"


async def test_changed_questions_leave_old_bookings_and_reschedules_alone(
    client: httpx.AsyncClient, auth_headers: H, book: Book, asking: dict[str, Any]
) -> None:
    made = (await book(asking["id"], TUESDAY_9, answers=GOOD)).json()
    renamed = [{**q, "label": q["label"].upper()} for q in QUESTIONS[:1]] + [
        {"key": "budget", "label": "Budget", "type": "number", "required": True}
    ]
    r = await client.patch(
        f"/v1/event_types/{asking['id']}", headers=auth_headers, json={"questions": renamed}
    )
    assert r.status_code == 200, r.text
    got = await client.get(f"/v1/bookings/{made['id']}", headers=auth_headers)
    assert got.json()["answers"] == _stored(GOOD)
    moved = await client.post(
        f"/v1/bookings/{made['id']}/reschedule",
        headers=auth_headers,
        json={"start": iso(TUESDAY_9 + timedelta(hours=2))},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["answers"] == _stored(GOOD)
    updated = await client.patch(
        f"/v1/bookings/{made['id']}", headers=auth_headers, json={"notes": "hi"}
    )
    assert updated.json()["answers"] == _stored(GOOD)
    # New bookings answer the new questions.
    r = await book(asking["id"], TUESDAY_9 + timedelta(hours=3), answers=GOOD)
    assert r.json()["error"]["param"] == "answers.budget"
