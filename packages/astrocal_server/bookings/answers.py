"""Pure rules for a booking's ``answers`` against its event type's ``questions`` (openapi.yaml
``Answers``, ``QuestionType``, ``BookingAnswer``). No I/O.

:func:`check_answers` takes the answers as sent (``{key: value}``) and returns what the booking
stores: one ``{"key", "label", "type", "value"}`` per answered question, in the questions' order,
carrying the label and type as they are now, so editing the event type later never relabels or
invalidates the booking. Every problem is collected; the first becomes the 400 (``parameter_missing``
for a required answer left out, ``parameter_invalid`` otherwise) with ``param`` ``answers.<key>``,
and when there are several, ``details.errors`` lists each ``{param, message}``. Messages name the
question by its label and say what to send.

A blank answer (``""``, only spaces, ``[]``) to an optional question counts as not answered and is
not stored; a required checkbox must be ``true`` (an agreement), a required multi-select must pick
at least one option.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from astrocal_server.errors import InvalidRequest
from astrocal_server.validation import check_email

__all__ = ["AnswerProblem", "answer_lines", "answer_text", "check_answers"]

SHORT_TEXT_MAX = 500
LONG_TEXT_MAX = 5000
# Digits with the punctuation people type; 7–15 digits (E.164's maximum), an optional leading +.
_PHONE = re.compile(r"\+?[0-9 ().\-]+")
_PHONE_DIGITS = (7, 15)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# What each type of answer must be, in words (the end of "… must be …").
_EXPECTED = {
    "short_text": f"text of at most {SHORT_TEXT_MAX} characters",
    "long_text": f"text of at most {LONG_TEXT_MAX} characters",
    "email": "an email address such as jo@acme.com",
    "phone": "a phone number such as +49 30 1234567 (7–15 digits, an optional leading +)",
    "number": "a number such as 12",
    "date": "a date as YYYY-MM-DD, such as 2026-04-15",
    "checkbox": "true or false",
}


@dataclass(frozen=True)
class AnswerProblem:
    param: str
    code: str
    message: str


class _Refused(ValueError):
    """One answer that does not fit its question (the message ends the sentence)."""


def _blank(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _text(value: Any, limit: int) -> str:
    if not isinstance(value, str) or len(value.strip()) > limit:
        raise _Refused
    return value.strip()


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Refused
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Refused
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    return value


def _phone(value: Any) -> str:
    text = _text(value, 32)
    digits = sum(ch.isdigit() for ch in text)
    if not _PHONE.fullmatch(text) or not _PHONE_DIGITS[0] <= digits <= _PHONE_DIGITS[1]:
        raise _Refused
    return text


def _date(value: Any) -> str:
    text = _text(value, 10)
    if not _DATE.fullmatch(text):
        raise _Refused
    try:
        date.fromisoformat(text)
    except ValueError:
        raise _Refused from None
    return text


def _email(value: Any) -> str:
    text = _text(value, 320)
    try:
        return check_email(text)
    except ValueError:
        raise _Refused from None


def _choice(value: Any, options: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in options:
        raise _Refused
    return value


def _choices(value: Any, options: Sequence[str]) -> list[str]:
    if not isinstance(value, list) or len(set(map(str, value))) != len(value):
        raise _Refused
    return [_choice(v, options) for v in value]


def _value(question: Mapping[str, Any], value: Any) -> Any:
    """``value`` in its stored form, or :class:`_Refused`."""
    kind = question["type"]
    options = list(question.get("options") or [])
    if kind == "short_text":
        return _text(value, SHORT_TEXT_MAX)
    if kind == "long_text":
        return _text(value, LONG_TEXT_MAX)
    if kind == "email":
        return _email(value)
    if kind == "phone":
        return _phone(value)
    if kind == "number":
        return _number(value)
    if kind == "date":
        return _date(value)
    if kind == "checkbox":
        if not isinstance(value, bool):
            raise _Refused
        return value
    if kind == "single_select":
        return _choice(value, options)
    if kind == "multi_select":
        return _choices(value, options)
    raise _Refused  # a type this code does not know: nothing it could accept


def _expected(question: Mapping[str, Any]) -> str:
    kind = str(question["type"])
    options = ", ".join(repr(o) for o in question.get("options") or [])
    if kind == "single_select":
        return f"one of {options}"
    if kind == "multi_select":
        return f"a list of distinct options from {options}"
    return _EXPECTED.get(kind, "a valid answer")


def _named(question: Mapping[str, Any]) -> str:
    return f"{question['label']!r} (answers.{question['key']})"


def _problems(
    questions: Sequence[Mapping[str, Any]], answers: Mapping[str, Any]
) -> tuple[list[AnswerProblem], list[dict[str, Any]]]:
    problems: list[AnswerProblem] = []
    stored: list[dict[str, Any]] = []
    for question in questions:
        key = str(question["key"])
        param = f"answers.{key}"
        value = answers.get(key)
        required = bool(question.get("required"))
        if _blank(value):
            if required:
                problems.append(
                    AnswerProblem(
                        param,
                        "parameter_missing",
                        f"The question {_named(question)} is required; send {param} as "
                        f"{_expected(question)}.",
                    )
                )
            continue
        try:
            kept = _value(question, value)
        except _Refused:
            problems.append(
                AnswerProblem(
                    param,
                    "parameter_invalid",
                    f"The answer to {_named(question)} must be {_expected(question)}.",
                )
            )
            continue
        if required and kept is False:
            problems.append(
                AnswerProblem(
                    param,
                    "parameter_invalid",
                    f"The question {_named(question)} must be checked to book; send {param}: true.",
                )
            )
            continue
        stored.append(
            {"key": key, "label": question["label"], "type": question["type"], "value": kept}
        )
    known = [str(q["key"]) for q in questions]
    for key in answers:
        if key not in known:
            asked = (
                f"its questions are {', '.join(known)}"
                if known
                else "it asks no questions, so leave answers out"
            )
            problems.append(
                AnswerProblem(
                    f"answers.{key}",
                    "parameter_invalid",
                    f"answers.{key} is not a question of this event type ({asked}); remove it "
                    "or correct the key.",
                )
            )
    return problems, stored


def check_answers(
    questions: Sequence[Mapping[str, Any]], answers: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The answers to store for a new booking, or :class:`InvalidRequest` naming every problem."""
    problems, stored = _problems(questions, answers)
    if problems:
        first = problems[0]
        details = (
            {"errors": [{"param": p.param, "message": p.message} for p in problems]}
            if len(problems) > 1
            else None
        )
        raise InvalidRequest(first.code, first.message, param=first.param, details=details)
    return stored


def answer_text(value: Any) -> str:
    """An answer's value as people read it: Yes/No, a list joined by commas, 12 not 12.0."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def answer_lines(answers: Any) -> list[tuple[str, str]]:
    """``(label, value as text)`` for each stored answer (anything unreadable is skipped: emails
    and calendar events are built from stored payloads, which must not fail on a stray shape)."""
    if not isinstance(answers, list):
        return []
    return [
        (str(a.get("label") or a.get("key") or ""), answer_text(a.get("value")))
        for a in answers
        if isinstance(a, dict) and "value" in a
    ]
