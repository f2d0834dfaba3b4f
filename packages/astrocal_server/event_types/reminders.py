"""Pure rules for an event type's ``reminders`` (openapi.yaml ``Reminder``): what the schema cannot
say. No I/O.

The request model already holds each reminder to its shape (``before_minutes`` 5–10080, the
channel and recipient enums, 1–2 of each, at most 5 reminders). Here: a ``before_minutes`` is used
once (two reminders at the same instant would be one reminder sent twice), and a channel or a
recipient is listed once within a reminder. Each failure is a 400 ``parameter_invalid`` whose
``param`` is ``reminders.<n>.<field>``, like ``questions.<n>.<field>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from astrocal_server.errors import invalid_param
from astrocal_server.event_types.rules import check_at_most, first_repeat

__all__ = ["MAX_REMINDERS", "check_reminders", "stored_reminders"]

MAX_REMINDERS = 5


def check_reminders(reminders: Sequence[Mapping[str, Any]]) -> None:
    """Raise on the first reminder that repeats an instant, a channel or a recipient."""
    check_at_most(reminders, "reminders", MAX_REMINDERS)
    repeat = first_repeat(str(int(reminder["before_minutes"])) for reminder in reminders)
    # The reminders before a repeated instant are checked first, so the error is the earliest one.
    for n, reminder in enumerate(reminders if repeat is None else reminders[: repeat[1]]):
        for field in ("channels", "to"):
            values = [str(v) for v in reminder[field]]
            twice = first_repeat(values)
            if twice is not None:
                raise invalid_param(
                    f"reminders.{n}.{field}",
                    f"{values[twice[1]]!r} is listed twice in reminders.{n}.{field}; list each "
                    "once.",
                )
    if repeat is not None:
        first, n = repeat
        raise invalid_param(
            f"reminders.{n}.before_minutes",
            f"before_minutes {int(reminders[n]['before_minutes'])} is used by reminders.{first} "
            f"and reminders.{n}; list each instant once and put both channels and recipients "
            "in that one reminder.",
        )


def stored_reminders(reminders: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The reminders as stored and shown, in the order sent."""
    return [
        {
            "before_minutes": int(r["before_minutes"]),
            "channels": [str(c) for c in r["channels"]],
            "to": [str(t) for t in r["to"]],
        }
        for r in reminders
    ]
