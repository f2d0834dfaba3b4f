"""SDK exceptions → tool errors an agent can act on.

Only ``ToolError`` text reaches the model (any other exception becomes a bare "Error executing
tool"), so every API failure is turned into one here. The text is written for an agent, not for
an HTTP client: the API's sentences that name HTTP paths or ``details.*`` fields are dropped and
replaced by the tool and argument to use next; it keeps the API's ``code`` (and ``param``, the
``request_id`` for support). A conflict with open starts nearby also carries them as structured
content, ``{code, message, reasons, alternatives}`` (:class:`AgentError`), with each start shown
locally next to UTC.
"""

from __future__ import annotations

import re
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from astrocal_sdk import (
    APIConnectionError,
    APIError,
    APIStatusError,
    AuthenticationError,
    SlotUnavailableError,
)
from mcp.server.mcpserver.exceptions import ToolError

from astrocal_mcp.outputs import slots_from_details
from astrocal_mcp.render import render_slot

__all__ = ["AgentError", "agent_text", "tool_error"]

# What to do next, per API error code, naming the tool to call (``{tool}``: the one that failed).
_NEXT_STEP = {
    "resource_missing": "Check the id: list_event_types, list_hosts or list_bookings show valid ones.",
    "booking_cancelled": "It is cancelled; book a new time with create_booking instead.",
    "idempotency_key_reused": "Call {tool} again with exactly the same arguments.",
    "booking_limit_reached": "Tell the user: no more bookings can be made until the plan's limit resets.",
    "calendar_unavailable": "A connected calendar could not be read; call {tool} again in a minute.",
    "rate_limit_exceeded": "Wait a little, then call {tool} again.",
    "hold_consumed": "The hold is already a booking: list_bookings finds it.",
    "hold_released": "The hold was released; hold_slot again or check_availability.",
    "slot_available": "That time is open: hold_slot or create_booking it instead.",
    "waitlist_duplicate": "The invitee is already waiting for it: check_waitlist shows the entry.",
}
# Sentences written for HTTP clients: a method and path, or a field of the error's details.
_HTTP_ADVICE = re.compile(r"\b(GET|POST|PATCH|PUT|DELETE) /|/v1/|details\.")
_SENTENCE = re.compile(r"(?<=[.;])\s+")


class AgentError(ToolError):
    """A tool error with structured content for the agent (see the module docstring)."""

    def __init__(self, text: str, data: dict[str, Any]) -> None:
        super().__init__(text)
        self.data = data


def agent_text(message: str) -> str:
    """An API message without the sentences that speak HTTP."""
    kept = [s for s in _SENTENCE.split(message.strip()) if s and not _HTTP_ADVICE.search(s)]
    text = " ".join(kept).strip().rstrip(";,")
    return text if text.endswith((".", "?", "!")) or not text else text + "."


def tool_error(exc: APIError, *, tool: str, api_url: str, zone: tzinfo | None = None) -> ToolError:
    """The tool error for an SDK exception (``zone`` shows a slot conflict's alternatives)."""
    if isinstance(exc, APIConnectionError):
        return ToolError(
            f"Could not reach the Astrocal API at {api_url} ({exc.message}). "
            f"Check that the server is running and ASTROCAL_API_URL is right, then call {tool} again."
        )
    code = exc.code or (f"http_{exc.status_code}" if isinstance(exc, APIStatusError) else "error")
    said = agent_text(exc.message)
    ids = [f"code: {code}"]
    if exc.param:
        ids.append(f"argument: {exc.param}")
    if exc.request_id:
        ids.append(f"request_id: {exc.request_id}")
    text = f"{said} ({', '.join(ids)})"
    if isinstance(exc, AuthenticationError):
        return ToolError(
            text + " The MCP server's ASTROCAL_API_KEY is not accepted; ask the user to fix its "
            "configuration."
        )
    # An expired hold is a taken slot too: it carries the open starts nearby the same way.
    if isinstance(exc, SlotUnavailableError) or exc.code == "hold_expired":
        details = exc.details or {}
        reasons = [
            {"code": str(r.get("code")), "message": str(r.get("message"))}
            for r in details.get("reasons") or []
            if isinstance(r, dict)
        ]
        alternatives = slots_from_details(details, zone or ZoneInfo("UTC"))
        if alternatives:
            text += (
                f" Call {tool} again with one of these start_time values, or call "
                "check_availability for other days:\n"
                + "\n".join("- " + render_slot(s) for s in alternatives)
            )
        else:
            text += " Call check_availability for open times."
        return AgentError(
            text,
            {
                "code": code,
                "message": said,
                "reasons": reasons,
                "alternatives": [a.model_dump(exclude_none=True) for a in alternatives],
            },
        )
    if (exc.param or "").startswith("answers."):
        return ToolError(_answer_problems(exc, text))
    if exc.code in _NEXT_STEP:
        text += " " + _NEXT_STEP[exc.code].format(tool=tool)
    return ToolError(text)


def _answer_problems(exc: APIError, first: str) -> str:
    """Every problem with the answers, one a line (each message names the question by its label
    and the argument ``answers.<key>``), then what to do."""
    listed = (exc.details or {}).get("errors")
    problems = [
        f"- {e['message']}"
        for e in listed or []
        if isinstance(e, dict) and isinstance(e.get("message"), str)
    ]
    head = "The answers do not fit the event type's questions:" if problems else first
    tail = (
        "Ask the user for what is missing or wrong, then call create_booking again with "
        "answers (by key; list_event_types shows the questions)."
    )
    return "\n".join([head, *problems, tail])
