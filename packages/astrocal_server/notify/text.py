"""Cleaning user-supplied text before it goes into a header, an iCalendar parameter or a body."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

__all__ = ["answers_block", "joined_names", "multi_line", "one_line"]

_SPACES = re.compile(r"\s+")


def _is_control(ch: str) -> bool:
    # Cc (C0/C1 controls incl. CR, LF, NUL), Cf (bidi overrides…), Zl/Zp (U+2028, U+2029).
    return unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"}


def one_line(text: str) -> str:
    """``text`` on a single line: every control or line-break character becomes a space.

    This is what neutralises header injection: a name like ``"Jo\\r\\nBcc: x@evil"`` can only
    ever be the display text of one header, never start another.
    """
    cleaned = "".join(" " if _is_control(ch) else ch for ch in text)
    return _SPACES.sub(" ", cleaned).strip()


def multi_line(text: str) -> str:
    """``text`` with its line breaks kept (normalised to ``\\n``) and other controls dropped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = ["".join(ch for ch in line if ch == "\t" or not _is_control(ch)) for line in lines]
    return "\n".join(line.rstrip() for line in kept).strip("\n")


def joined_names(names: list[str]) -> str:
    """``["Ann", "Bo", "Cy"]`` as ``"Ann, Bo and Cy"``, each name on one line."""
    cleaned = [one_line(n) for n in names]
    if len(cleaned) <= 1:
        return "".join(cleaned)
    return ", ".join(cleaned[:-1]) + " and " + cleaned[-1]


def answers_block(answers: Sequence[tuple[str, str]]) -> str:
    """A booking's (question label, answer) pairs as plain text for a description, each label on
    one line and each answer's line breaks kept; empty when there are none."""
    if not answers:
        return ""
    return "Answers:\n" + "\n".join(f"{one_line(q)}: {multi_line(a)}" for q, a in answers)
