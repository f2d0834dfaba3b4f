"""Booking questions through the MCP tools: ``list_event_types`` shows each event type's questions
(key, label, type, required, options) so an agent knows what to ask; ``create_booking`` takes
``answers`` and returns them by label; a missing or wrong answer is one line per problem, each
naming the question by its label and the argument ``answers.<key>``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support.agent import Mcp

H = dict[str, str]
QUESTIONS = [
    {"key": "company", "label": "Company name", "type": "short_text", "required": True},
    {
        "key": "plan",
        "label": "Which plan?",
        "type": "single_select",
        "options": ["Free", "Pro"],
        "required": True,
        "help_text": "Ask which one they use today.",
    },
    {"key": "seats", "label": "Seats", "type": "number"},
]
JO = {"invitee_name": "Jo Smith", "invitee_email": "jo@example.com"}


def _text(result: Any) -> str:
    return "\n".join(b.text for b in result.content if getattr(b, "type", "") == "text")


@pytest.fixture
async def asking(http: Callable[[], httpx.AsyncClient], api_key: str, event_type_id: str) -> None:
    """The event type of ``event_type_id`` asks ``QUESTIONS``."""
    async with http() as client:
        r = await client.patch(
            f"/v1/event_types/{event_type_id}",
            headers={"Authorization": f"Bearer {api_key}"},
            json={"questions": QUESTIONS},
        )
    assert r.status_code == 200, r.text


async def test_questions_listed_then_answered(mcp: Mcp, asking: None) -> None:
    async with mcp() as client:
        listed = await client.call_tool("list_event_types", {})
        [shown] = listed.structured_content["event_types"]
        assert shown["questions"] == [
            {"key": "company", "label": "Company name", "type": "short_text", "required": True},
            {
                "key": "plan",
                "label": "Which plan?",
                "type": "single_select",
                "required": True,
                "options": ["Free", "Pro"],
                "help_text": "Ask which one they use today.",
            },
            {"key": "seats", "label": "Seats", "type": "number", "required": False},
        ]
        text = _text(listed)
        assert "- company: 'Company name' (required; short text)." in text
        assert "- plan: 'Which plan?' (required; one of: Free | Pro). Hint: Ask which" in text
        assert "- seats: 'Seats' (optional; a number)." in text

        refused = await client.call_tool(
            "create_booking",
            {**JO, "start_time": "2026-04-14T07:00:00Z", "answers": {"plan": "Gold", "x": 1}},
        )
        assert refused.is_error
        lines = _text(refused).splitlines()
        assert lines[0].endswith("The answers do not fit the event type's questions:")
        assert lines[1].startswith("- The question 'Company name' (answers.company) is required")
        assert lines[2].startswith("- The answer to 'Which plan?' (answers.plan) must be one of")
        assert lines[3].startswith("- answers.x is not a question of this event type")
        assert "call create_booking again with answers" in lines[4]

        booked = await client.call_tool(
            "create_booking",
            {
                **JO,
                "start_time": "2026-04-14T07:00:00Z",
                "answers": {"company": "Acme", "plan": "Pro", "seats": 3},
            },
        )
        assert not booked.is_error, _text(booked)
        assert booked.structured_content["answers"] == {
            "Company name": "Acme",
            "Which plan?": "Pro",
            "Seats": 3,
        }
        assert "answers: Company name: Acme; Which plan?: Pro; Seats: 3" in _text(booked)


async def test_one_problem_is_one_line_too(mcp: Mcp, asking: None) -> None:
    async with mcp() as client:
        refused = await client.call_tool(
            "create_booking",
            {**JO, "start_time": "2026-04-14T07:00:00Z", "answers": {"company": "Acme"}},
        )
    lines = _text(refused).splitlines()
    assert len(lines) == 2
    assert "The question 'Which plan?' (answers.plan) is required" in lines[0]
    assert "argument: answers.plan" in lines[0]
    assert "call create_booking again with answers" in lines[1]
