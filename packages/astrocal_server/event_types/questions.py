"""Pure rules for an event type's ``questions`` (openapi.yaml ``Question``): what the schema cannot
say. No I/O.

The request model already holds each question to its shape (key pattern, lengths, the type enum,
at most 30). Here: a key is used once, ``options`` are given exactly for the select types, and
an option is listed once (case-insensitively, since people read them). Each failure is a 400
``parameter_invalid`` whose ``param`` is ``questions.<n>.<field>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from astrocal_server.errors import invalid_param
from astrocal_server.event_types.rules import check_at_most, first_repeat

__all__ = ["MAX_QUESTIONS", "SELECT_TYPES", "check_questions", "stored_questions"]

MAX_QUESTIONS = 30
SELECT_TYPES = frozenset({"single_select", "multi_select"})


def check_questions(questions: Sequence[Mapping[str, Any]]) -> None:
    """Raise on the first question that breaks a rule across its fields or across questions."""
    check_at_most(questions, "questions", MAX_QUESTIONS)
    repeat = first_repeat(str(question["key"]) for question in questions)
    # The questions before a repeated key are checked first, so the error is the earliest one.
    for n, question in enumerate(questions if repeat is None else questions[: repeat[1]]):
        _check_options(n, str(question["type"]), question.get("options"))
    if repeat is not None:
        first, n = repeat
        raise invalid_param(
            f"questions.{n}.key",
            f"Key {str(questions[n]['key'])!r} is used by questions.{first} and questions.{n}; "
            "give each question its own key.",
        )


def _check_options(n: int, kind: str, options: Sequence[str] | None) -> None:
    param = f"questions.{n}.options"
    if kind in SELECT_TYPES:
        if not options:
            raise invalid_param(
                param,
                f"A {kind} question needs options, the choices the invitee picks from; send "
                'options: ["…", "…"].',
                code="parameter_missing",
            )
        seen: dict[str, str] = {}
        for option in options:
            folded = option.strip().casefold()
            if folded in seen:
                raise invalid_param(
                    param,
                    f"Option {option!r} is listed twice (as {seen[folded]!r}); list each once.",
                )
            seen[folded] = option
    elif options is not None:
        raise invalid_param(
            param,
            f"Only single_select and multi_select questions take options; leave options out of "
            f"this {kind} question, or change its type.",
        )


def stored_questions(questions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The questions as stored and shown: every field present except the optional ones not
    given (``required`` defaults to false)."""
    out: list[dict[str, Any]] = []
    for question in questions:
        item: dict[str, Any] = {
            "key": question["key"],
            "label": question["label"],
            "type": question["type"],
            "required": bool(question.get("required", False)),
        }
        for name in ("options", "help_text"):
            if question.get(name) is not None:
                item[name] = list(question[name]) if name == "options" else str(question[name])
        out.append(item)
    return out
