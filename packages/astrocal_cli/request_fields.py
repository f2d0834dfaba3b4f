"""Turning what people type into API request fields (pure, no I/O except ``@file`` for ``--data``).

Field names and shapes are those of ``openapi.yaml``; what a user did not give is left out of the
request (the API's defaults apply), never sent as ``null``.

- ``--hours "mon-fri 09:00-12:00,13:00-17:00"`` → weekly_hours entries
- ``--override 2026-12-24=off`` / ``--override 2026-12-27=10:00-14:00`` → date_overrides entries
- ``--metadata key=value`` → a metadata object
- ``--host host_a,weight=2,priority=1`` → an event type's hosts entry (``--host none``: no hosts)
- ``--question company:short_text:Company:required`` (or a JSON object) → an event type's question
- ``--answer company=Acme`` → a booking's answers, typed by the event type's questions
- ``--data '{"…": …}'`` or ``--data @body.json`` → extra body fields, merged under the flags
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "InputError",
    "given",
    "merge_body",
    "parse_answers",
    "parse_data",
    "parse_hosts",
    "parse_hours",
    "parse_metadata",
    "parse_override",
    "parse_questions",
    "sdk_kwargs",
]

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SPAN = re.compile(r"^(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$")


class InputError(ValueError):
    """Input that cannot be read; the message shows the accepted form."""


def _day(text: str) -> int:
    word = text.strip().lower()
    matches = [i for i, day in enumerate(_DAYS) if len(word) >= 2 and day.startswith(word)]
    if len(matches) != 1:
        raise InputError(f"unknown weekday {text!r}; use mon, tue, wed, thu, fri, sat or sun")
    return matches[0]


def _days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        first, sep, last = part.partition("-")
        if sep:
            start, end = _day(first), _day(last)
            if end < start:
                raise InputError(f"day range {part!r} runs backwards; write it as mon-fri")
            days.extend(range(start, end + 1))
        else:
            days.append(_day(first))
    return days


def _pad(t: str) -> str:
    hours, minutes = t.split(":")
    return f"{int(hours):02d}:{minutes}"


def _spans(text: str, what: str) -> list[dict[str, str]]:
    spans = []
    for part in text.split(","):
        match = _SPAN.match(part.strip())
        if not match:
            raise InputError(
                f"cannot read {part.strip()!r} in {what!r}; write times as 09:00-17:00"
            )
        spans.append({"start": _pad(match.group(1)), "end": _pad(match.group(2))})
    return spans


def parse_hours(values: Iterable[str]) -> list[dict[str, str]]:
    """``["mon-fri 09:00-12:00,13:00-17:00", "sat 10:00-12:00"]`` → weekly_hours, in weekday order."""
    entries: list[tuple[int, dict[str, str]]] = []
    for value in values:
        days, _, spans = value.strip().partition(" ")
        if not spans.strip():
            raise InputError(f"cannot read {value!r}; write it as 'mon-fri 09:00-17:00'")
        for day in _days(days):
            entries.extend(
                (day, {"day": _DAYS[day], **span}) for span in _spans(spans.strip(), value)
            )
    entries.sort(key=lambda e: (e[0], e[1]["start"]))
    return [entry for _, entry in entries]


def parse_override(value: str) -> dict[str, Any]:
    """``2026-12-24=off`` (unavailable all day) or ``2026-12-27=10:00-14:00[,15:00-16:00]``."""
    day, sep, spans = value.partition("=")
    if not sep or not re.match(r"^\d{4}-\d{2}-\d{2}$", day.strip()):
        raise InputError(
            f"cannot read {value!r}; write it as 2026-12-24=off or 2026-12-27=10:00-14:00"
        )
    spans = spans.strip()
    intervals = [] if spans.lower() in {"off", "closed", "none", ""} else _spans(spans, value)
    return {"date": day.strip(), "intervals": intervals}


def parse_metadata(values: Iterable[str]) -> dict[str, str]:
    metadata: dict[str, str] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key.strip():
            raise InputError(f"cannot read metadata {value!r}; write it as key=value")
        metadata[key.strip()] = text
    return metadata


_HOST_ID = re.compile(r"^host_[a-z0-9]+$")
_HOST_FORM = "write it as host_…, optionally followed by ,weight=N and/or ,priority=N"


def _host(value: str) -> dict[str, Any]:
    host_id, *settings = (part.strip() for part in value.split(","))
    if not _HOST_ID.match(host_id):
        raise InputError(f"cannot read host {value!r}: {host_id!r} is not a host id; {_HOST_FORM}")
    entry: dict[str, Any] = {"host_id": host_id}
    for setting in settings:
        key, sep, number = setting.partition("=")
        if not sep or key.strip() not in {"weight", "priority"} or not number.strip().isdigit():
            raise InputError(f"cannot read {setting!r} in host {value!r}; {_HOST_FORM}")
        entry[key.strip()] = int(number)
    return entry


def parse_hosts(values: Iterable[str]) -> list[dict[str, Any]]:
    """``["host_a,weight=2", "host_b"]`` → hosts entries in the order given; ``["none"]`` → ``[]``
    (an update back to the account's default host). The API checks the ids and the numbers."""
    values = list(values)
    if [v.strip().lower() for v in values] == ["none"]:
        return []
    return [_host(value) for value in values]


_SELECTS = ("single_select", "multi_select")
_QUESTION_FORM = (
    "write it as KEY:TYPE:LABEL[:required][:OPTION|OPTION…] (options for single_select and "
    "multi_select), e.g. company:short_text:Company:required, or as a JSON object"
)


def _json_object(option: str, value: str, form: str) -> dict[str, Any]:
    """An option's value written as a JSON object (``{…}``) instead of its compact form."""
    try:
        given_json = json.loads(value)
    except ValueError as exc:
        raise InputError(f"{option} {value!r} is not valid JSON: {exc}") from None
    if not isinstance(given_json, dict):
        raise InputError(f"cannot read {option} {value!r}; {form}")
    return dict(given_json)


def _question(value: str) -> dict[str, Any]:
    text = value.strip()
    if text.startswith("{"):
        return _json_object("--question", text, _QUESTION_FORM)
    parts = text.split(":")
    if len(parts) < 3 or not parts[0] or not parts[1]:
        raise InputError(f"cannot read --question {value!r}; {_QUESTION_FORM}")
    key, kind, rest = parts[0].strip(), parts[1].strip(), parts[2:]
    question: dict[str, Any] = {"key": key, "type": kind}
    if kind in _SELECTS and len(rest) > 1:
        question["options"] = [o.strip() for o in rest.pop().split("|")]
    if len(rest) > 1 and rest[-1].strip().lower() == "required":
        rest.pop()
        question["required"] = True
    # A label may hold colons itself: everything between the type and the flags is the label.
    question["label"] = ":".join(rest).strip()
    return question


def parse_questions(values: Iterable[str]) -> list[dict[str, Any]]:
    """``--question`` values → an event type's questions in the order given; ``["none"]`` → ``[]``
    (an update that removes them). The API checks keys, types, labels and options."""
    values = list(values)
    if [v.strip().lower() for v in values] == ["none"]:
        return []
    return [_question(value) for value in values]


_REMINDER_FORM = (
    "write it as MINUTES:CHANNEL[,CHANNEL]:RECIPIENT[,RECIPIENT] (channels email, webhook; "
    "recipients invitee, hosts), e.g. 60:email,webhook:invitee,hosts, or as a JSON object"
)


def _reminder(value: str) -> dict[str, Any]:
    text = value.strip()
    if text.startswith("{"):
        return _json_object("--reminder", text, _REMINDER_FORM)
    parts = [p.strip() for p in text.split(":")]
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1] or not parts[2]:
        raise InputError(f"cannot read --reminder {value!r}; {_REMINDER_FORM}")
    return {
        "before_minutes": int(parts[0]),
        "channels": [c.strip() for c in parts[1].split(",")],
        "to": [t.strip() for t in parts[2].split(",")],
    }


def parse_reminders(values: Iterable[str]) -> list[dict[str, Any]]:
    """``--reminder`` values → an event type's reminders in the order given; ``["none"]`` →
    ``[]`` (an update that removes them). The API checks the minutes, channels and recipients."""
    values = list(values)
    if [v.strip().lower() for v in values] == ["none"]:
        return []
    return [_reminder(value) for value in values]


_YES = {"yes", "y", "true", "1", "on"}
_NO = {"no", "n", "false", "0", "off"}


def _typed(kind: str | None, text: str) -> Any:
    """One ``--answer`` value as its question's type wants it (as given when it does not fit:
    the API's message then says what the question takes)."""
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() and "." not in text else number
    if kind == "checkbox":
        word = text.strip().lower()
        return True if word in _YES else False if word in _NO else text
    return text


def parse_answers(values: Iterable[str], questions: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """``["company=Acme", "topics=API", "topics=MCP"]`` → answers typed by the event type's
    ``questions``: numbers and checkboxes (yes/no) converted, a multi_select's values collected
    from each repetition of its key."""
    kinds = {str(q.get("key")): str(q.get("type")) for q in questions}
    answers: dict[str, Any] = {}
    for value in values:
        key, sep, text = value.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"cannot read --answer {value!r}; write it as key=value")
        if kinds.get(key) == "multi_select":
            answers.setdefault(key, []).append(text)
        else:
            answers[key] = _typed(kinds.get(key), text)
    return answers


def parse_data(value: str | None) -> dict[str, Any]:
    """``--data``: a JSON object inline, or ``@path`` to read one from a file (``@-`` = stdin)."""
    if not value:
        return {}
    if value.startswith("@"):
        source = value[1:]
        if source == "-":
            import sys

            text = sys.stdin.read()
        else:
            try:
                text = Path(source).read_text(encoding="utf-8")
            except OSError as exc:
                raise InputError(f"cannot read {source}: {exc.strerror}") from None
    else:
        text = value
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"--data is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError("--data must be a JSON object")
    return data


def merge_body(data: dict[str, Any], **flags: Any) -> dict[str, Any]:
    """``--data`` fields with the explicit flags on top; flags left unset (None) are dropped."""
    body = dict(data)
    body.update({k: v for k, v in flags.items() if v is not None})
    return body


def given(**values: Any) -> dict[str, Any]:
    """Only the arguments the user actually set (the SDK leaves the rest out of the request)."""
    return {k: v for k, v in values.items() if v is not None}


def sdk_kwargs(method: Callable[..., Any], body: Mapping[str, Any], what: str) -> dict[str, Any]:
    """``body`` as keyword arguments of an SDK method; a field it does not take is a usage error."""
    accepted = {
        name
        for name, p in inspect.signature(method).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    unknown = sorted(set(body) - accepted - {"options"})
    if unknown:
        raise InputError(
            f"{what} does not take {', '.join(unknown)}; it takes {', '.join(sorted(accepted))}"
        )
    return dict(body)
