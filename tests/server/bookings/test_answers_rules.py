"""``bookings.answers.check_answers`` against a naive reference (hypothesis): the same answers are
accepted, the same keys are named, and what is stored is the accepted values in question order;
plus the display text of each kind of value."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any, get_args

import pytest
from astrocal_server.bookings.answers import answer_lines, answer_text, check_answers
from astrocal_server.contract.requests import QuestionType
from astrocal_server.errors import InvalidRequest
from hypothesis import given, settings
from hypothesis import strategies as st

TYPES = list(get_args(QuestionType.__value__))
OPTIONS = ["red", "green", "blue"]


def _reference(question: dict[str, Any], value: Any) -> tuple[bool, Any]:
    """(accepted, stored value) for one present, non-blank answer, written the plain way."""
    kind = question["type"]
    if kind in ("short_text", "long_text"):
        ok = isinstance(value, str) and len(value.strip()) <= (
            500 if kind == "short_text" else 5000
        )
        return ok, value.strip() if ok else None
    if kind == "email":
        ok = (
            isinstance(value, str)
            and re.fullmatch(r"[a-z]+@[a-z]+\.com", value.strip()) is not None
        )
        return ok, value.strip() if ok else None
    if kind == "phone":
        if not isinstance(value, str):
            return False, None
        digits = [c for c in value if c.isdigit()]
        ok = all(c in "+0123456789 ().-" for c in value.strip()) and 7 <= len(digits) <= 15
        ok = ok and "+" not in value.strip()[1:] and len(value.strip()) <= 32
        return ok, value.strip() if ok else None
    if kind == "number":
        ok = type(value) in (int, float) and math.isfinite(value)
        return ok, value
    if kind == "date":
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            return False, None
        try:
            date.fromisoformat(value.strip())
        except ValueError:
            return False, None
        return True, value.strip()
    if kind == "checkbox":
        ok = type(value) is bool and (value or not question["required"])
        return ok, value
    if kind == "single_select":
        return (isinstance(value, str) and value in OPTIONS), value
    ok = (
        isinstance(value, list)
        and all(isinstance(v, str) and v in OPTIONS for v in value)
        and len(set(value)) == len(value)
    )
    return ok, value


def _blank(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        ["", "  ", "jo@acme.com", "jo@", "+49 30 1234567", "123", "2026-04-15", "2026-02-30"]
    ),
    st.sampled_from(OPTIONS),
    # Free text without "@": the only addresses are the sampled ones, so the reference's plain
    # pattern decides email answers exactly.
    st.text(st.characters(exclude_characters="@"), max_size=20),
    st.lists(st.sampled_from([*OPTIONS, "pink"]), max_size=4),
)
questions = st.lists(
    st.builds(
        lambda kind, required: {
            "type": kind,
            "required": required,
            **({"options": OPTIONS} if kind.endswith("_select") else {}),
        },
        st.sampled_from(TYPES),
        st.booleans(),
    ),
    max_size=6,
).map(lambda qs: [{"key": f"q{n}", "label": f"Question {n}", **q} for n, q in enumerate(qs)])


@settings(max_examples=400, deadline=None)
@given(
    asked=questions,
    answers=st.dictionaries(st.sampled_from([f"q{n}" for n in range(8)]), values, max_size=8),
)
def test_matches_the_reference(asked: list[dict[str, Any]], answers: dict[str, Any]) -> None:
    wrong: list[str] = []
    stored: list[dict[str, Any]] = []
    for q in asked:
        value = answers.get(q["key"])
        if _blank(value):
            if q["required"]:
                wrong.append(q["key"])
            continue
        ok, kept = _reference(q, value)
        if not ok:
            wrong.append(q["key"])
        else:
            stored.append({"key": q["key"], "label": q["label"], "type": q["type"], "value": kept})
    keys = {q["key"] for q in asked}
    wrong += [k for k in answers if k not in keys]
    try:
        got = check_answers(asked, answers)
    except InvalidRequest as exc:
        named = [e["param"] for e in (exc.details or {}).get("errors", [])] or [exc.param]
        assert named == [f"answers.{k}" for k in wrong]
        missing = wrong[0] in keys and _blank(answers.get(wrong[0]))
        assert exc.code == ("parameter_missing" if missing else "parameter_invalid")
    else:
        assert wrong == []
        assert got == stored


def test_integral_floats_are_stored_as_integers() -> None:
    asked = [{"key": "n", "label": "N", "type": "number", "required": True}]
    assert check_answers(asked, {"n": 12.0})[0]["value"] == 12
    assert isinstance(check_answers(asked, {"n": 12.0})[0]["value"], int)


@pytest.mark.parametrize(
    ("value", "text"),
    [(True, "Yes"), (False, "No"), (12.0, "12"), (1.5, "1.5"), (["a", "b"], "a, b"), ("x", "x")],
)
def test_answer_text(value: Any, text: str) -> None:
    assert answer_text(value) == text


def test_answer_lines_skip_what_they_cannot_read() -> None:
    assert answer_lines(None) == []
    assert answer_lines([{"key": "a", "label": "A", "value": True}, "junk", {"label": "B"}]) == [
        ("A", "Yes")
    ]
