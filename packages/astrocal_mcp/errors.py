"""SDK exceptions → tool errors whose text tells the model how to fix the call.

Only ``ToolError`` text reaches the model (any other exception becomes a bare "Error executing
tool"), so every API failure is turned into one here, keeping the API's ``code``, ``message`` and
``request_id``.
"""

from __future__ import annotations

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

__all__ = ["tool_error"]

# What the model should do next, per API error code, when the API's own message is not enough.
_NEXT_STEP = {
    "resource_missing": "Check the id: list_event_types or list_bookings show the valid ones.",
    "booking_cancelled": "The booking is cancelled; create a new booking instead.",
    "idempotency_key_reused": "Retry with exactly the same arguments, or change the start_time.",
    "booking_limit_reached": "Tell the user; no more bookings can be made until the limit resets.",
    "calendar_unavailable": "A connected calendar could not be read; try again in a minute.",
    "rate_limit_exceeded": "Wait a little before calling again.",
}


def tool_error(exc: APIError, *, api_url: str, zone: ZoneInfo | None = None) -> ToolError:
    """The tool error for an SDK exception (``zone`` renders a slot conflict's alternatives)."""
    if isinstance(exc, APIConnectionError):
        return ToolError(
            f"Could not reach the Astrocal API at {api_url} ({exc.message}). "
            "Check that the server is running and ASTROCAL_API_URL is right, then try again."
        )
    code = exc.code or (f"http_{exc.status_code}" if isinstance(exc, APIStatusError) else "error")
    parts = [f"{exc.message} (code: {code}"]
    if exc.param:
        parts.append(f", param: {exc.param}")
    if exc.request_id:
        parts.append(f", request_id: {exc.request_id}")
    text = "".join(parts) + ")"
    if isinstance(exc, AuthenticationError):
        text += " The MCP server's ASTROCAL_API_KEY is not accepted; ask the user to fix its configuration."
    elif isinstance(exc, SlotUnavailableError):
        details = exc.details or {}
        reasons = [
            f"{r.get('code')}: {r.get('message')}"
            for r in details.get("reasons") or []
            if isinstance(r, dict) and str(r.get("message")) not in exc.message
        ]
        if reasons:
            text += "\nWhy: " + "; ".join(reasons)
        alternatives = slots_from_details(details, zone or ZoneInfo("UTC"))
        if alternatives:
            text += "\nOpen slots nearby (pass the start_time value as it is):\n" + "\n".join(
                "- " + render_slot(s) for s in alternatives
            )
        else:
            text += "\nCall check_availability for open slots."
    elif (exc.param or "").startswith("answers."):
        text = _answer_problems(exc, text)
    elif exc.code in _NEXT_STEP:
        text += " " + _NEXT_STEP[exc.code]
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
