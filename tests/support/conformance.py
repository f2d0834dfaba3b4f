"""Schemathesis against the app in process, shared by the stateless conformance run
(tests/server/test_conformance.py) and the stateful one (tests/server/test_stateful.py).

"Schema-valid" is the contract plus what a schema cannot state: the ``iana-time-zone`` format
(taught to schemathesis here), cross-field rules (an interval's end after its start, intervals of
one day apart, a date range of at most 62 days, duration options that include the duration, a
default schedule that is not unset directly, a duration among the event type's options, an
assignment that fits the hosts listed, ``reassign`` only for round robin bookings, questions with
unique keys and options exactly on selects, answers that fit the questions, a default host that is
not deactivated, an invitee link template with ``{token}`` once), instants
between 1971 and 9000, deliverable email
domains, webhook hosts that resolve, and cursors the server issued. :func:`repair` mends
generated requests on exactly those rules and nothing else, so every other refusal of valid data
fails the run; the two operations whose inputs only the server or the outside world can make valid
are listed in ``SERVER_ISSUED``.

- ``conformance_server(prefix)``: settings of a first-run server on a fresh SQLite file, its test key.
- ``conformance_config(key, **sections)``: the schemathesis config: the seed, auth through
  ``auth.openapi.bearerAuth`` (not headers, so unauthenticated negative cases really go out without
  a key), bounded generation and every check; ``sections`` replace top-level sections.
- ``api_schema(app, config)``: the loaded schema minus the operations not to exercise.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
import zoneinfo
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import schemathesis
from astrocal_server.bootstrap import ensure_initialised
from astrocal_server.clock import SystemClock
from astrocal_server.config import Settings
from astrocal_server.invitee.links import check_url_template
from fastapi import FastAPI
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from tests.support.app import server_settings
from tests.support.databases import sqlite_url
from tests.support.spec import NOT_IMPLEMENTED_YET

__all__ = [
    "SERVER_ISSUED",
    "api_schema",
    "conformance_config",
    "conformance_server",
    "repair",
]

# The contract's format for time zone names; without it they would be arbitrary strings.
ZONES = frozenset(zoneinfo.available_timezones() - {"Factory"})
schemathesis.openapi.format("iana-time-zone", st.sampled_from(sorted(ZONES)))
# The YAML document is declared `type: string`, but schemathesis parses YAML bodies into objects
# before validating; test_meta.py checks that route byte for byte instead.
EXCLUDED = {"meta.openapi_yaml"}


def conformance_server(prefix: str) -> tuple[Settings, str]:
    """The settings of a server as `astrocal serve` first starts it (on a fresh SQLite file, so
    initialised: an account, keys, a schedule, an event type), and its test key."""
    settings = server_settings(sqlite_url(Path(tempfile.mkdtemp(prefix=prefix))))
    first = asyncio.run(ensure_initialised(settings, SystemClock()))
    assert first is not None
    return settings, first.created.test_key.secret


def conformance_config(key: str, **sections: Any) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": 20261124,
            "auth": {"openapi": {"bearerAuth": {"bearer": key}}},
            # The server refuses NUL in text (PostgreSQL cannot store it), which the contract's
            # string schemas do not state; so no positive example carries one.
            "generation": {"max-examples": 12, "database": "none", "allow-x00": False},
            "phases": {"stateful": {"enabled": False}},
            "checks": {
                "not_a_server_error": {"enabled": True},
                "response_schema_conformance": {"enabled": True},
                "status_code_conformance": {"enabled": True},
                "negative_data_rejection": {"enabled": True},
                "positive_data_acceptance": {"enabled": True},
            },
            **sections,
        }
    )


def api_schema(app: FastAPI, config: SchemathesisConfig) -> Any:
    return schemathesis.openapi.from_asgi("/v1/openapi.json", app, config=config).exclude(
        operation_id=sorted(NOT_IMPLEMENTED_YET | EXCLUDED)
    )


MAX_RANGE_DAYS = 62  # openapi.yaml: an inclusive range of at most 62 days


def _minutes(hhmm: Any) -> int | None:
    """Minutes of an ``HH:MM`` wall time, or None for anything else (left to the schema checks)."""
    if not (isinstance(hhmm, str) and len(hhmm) == 5 and hhmm[2] == ":"):
        return None
    hours, minutes = hhmm[:2], hhmm[3:]
    return int(hours) * 60 + int(minutes) if (hours + minutes).isdigit() else None


def _apart(intervals: list[Any], *, day_of: Any = None) -> list[Any]:
    """Keep intervals whose end is after their start and that overlap no kept one of their day."""
    kept: list[Any] = []
    for interval in intervals:
        if not isinstance(interval, dict):
            return intervals  # not this shape: leave it to the schema checks
        start, end = _minutes(interval.get("start")), _minutes(interval.get("end"))
        if start is None or end is None:
            return intervals
        if end <= start:
            continue
        day = day_of(interval) if day_of else None
        if any(
            (day_of(k) if day_of else None) == day
            and start < (_minutes(k["end"]) or 0)
            and (_minutes(k["start"]) or 0) < end
            for k in kept
        ):
            continue
        kept.append(interval)
    return kept


def _each_object(value: Any, fix: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """``value`` (JSON) with ``fix`` applied to every object in it, innermost first."""
    if isinstance(value, list):
        return [_each_object(item, fix) for item in value]
    if not isinstance(value, dict):
        return value
    return fix({key: _each_object(item, fix) for key, item in value.items()})


def _meaningful(value: Any) -> Any:
    """``value`` with the cross-field rules of the contract made to hold (see the module doc)."""
    return _each_object(value, _meaningful_object)


def _meaningful_object(value: dict[str, Any]) -> dict[str, Any]:
    zone = value.get("time_zone")
    if isinstance(zone, str) and zone not in ZONES:
        value["time_zone"] = "UTC"  # the iana-time-zone format; not every phase honours it
    if isinstance(value.get("weekly_hours"), list):
        value["weekly_hours"] = _apart(value["weekly_hours"], day_of=lambda i: i.get("day"))
    if isinstance(value.get("intervals"), list):
        value["intervals"] = _apart(value["intervals"])
    if isinstance(value.get("date_overrides"), list):
        overrides = value["date_overrides"]
        if all(isinstance(o, dict) and isinstance(o.get("date"), str) for o in overrides):
            value["date_overrides"] = list({o["date"]: o for o in overrides}.values())
    if isinstance(value.get("duration_options"), list):
        _durations(value)
    if "start_date" in value or "end_date" in value or "date" in value:
        _one_range(value)
    if "start" in value and isinstance(value["start"], str) and "T" in value["start"]:
        value["start"] = _instant_in_range(value["start"])
    if "assignment" in value or "hosts" in value:
        _team(value)
    if isinstance(value.get("questions"), list):
        _questions(value)
    if value.get("reassign") is True:  # round robin bookings only; generated bookings are not
        del value["reassign"]
    if isinstance(value.get("location"), dict):
        _location(value)
    return value


_ROOMS = ("google_meet", "microsoft_teams")


def _location(value: dict[str, Any]) -> None:
    """openapi.yaml's ``Location``: a ``value`` for a fixed place (``in_person``, ``phone``,
    ``video``, ``custom``), none for a per-booking room; and a room needs a destination calendar
    of its provider, which a generated request cannot know it has: it gets a fixed video link."""
    location = value["location"]
    if location.get("type") in _ROOMS:
        value["location"] = {"type": "video", "value": "https://video.example.com/room"}
    elif isinstance(location.get("type"), str) and location.get("value") is None:
        location["value"] = "https://video.example.com/room"


_SELECTS = ("single_select", "multi_select")


def _questions(value: dict[str, Any]) -> None:
    """openapi.yaml's ``Question``: keys unique, ``options`` (each once) exactly on selects; none
    required, since a generated booking cannot know another request's questions to answer."""
    kept: dict[str, dict[str, Any]] = {}
    for question in value["questions"]:
        if not isinstance(question, dict) or not isinstance(question.get("key"), str):
            return  # not this shape: the schema checks own it
        kept.setdefault(question["key"], question)
    for question in kept.values():
        question["required"] = False
        options = question.get("options")
        if question.get("type") not in _SELECTS:
            question.pop("options", None)
        elif isinstance(options, list) and all(isinstance(o, str) for o in options):
            unique = {o.strip().casefold(): o for o in reversed(options)}
            question["options"] = list(reversed(unique.values())) or ["a"]
        else:
            question["options"] = ["a"]
    value["questions"] = list(kept.values())


def _team(value: dict[str, Any]) -> None:
    """openapi.yaml's ``Assignment``: a team assignment needs hosts, ``single`` takes at most one;
    ``schedule_id: null`` only for an event type with hosts."""
    hosts = value.get("hosts") if isinstance(value.get("hosts"), list) else []
    if value.get("assignment") in ("collective", "round_robin") and not hosts:
        value["assignment"] = "single"
    if value.get("assignment", "single") == "single" and len(hosts) > 1:
        value["hosts"] = hosts[:1]
    if "schedule_id" in value and value["schedule_id"] is None and not hosts:
        del value["schedule_id"]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _durations(value: dict[str, Any]) -> None:
    """``duration_options`` lists each length once and includes ``duration_minutes`` (openapi.yaml,
    ``event_types.create``); on an update the stored length is unknown, so it is set too."""
    options = value["duration_options"]
    if not options or not all(_is_number(o) for o in options):
        return  # not this shape: the schema checks own it
    value["duration_options"] = list(dict.fromkeys(options))
    if value.get("duration_minutes") not in value["duration_options"]:
        value["duration_minutes"] = value["duration_options"][0]


def _one_range(value: dict[str, Any]) -> None:
    """Availability takes ``date``, or ``start_date`` with ``end_date`` (in order, ≤ 62 days)."""
    try:
        first = value.get("date") or value.get("start_date") or value.get("end_date")
        start = date.fromisoformat(str(first))
    except ValueError:
        return  # not a date: the schema checks own it
    if "date" in value:
        value.pop("start_date", None)
        value.pop("end_date", None)
        return
    try:
        end = date.fromisoformat(str(value.get("end_date")))
    except ValueError:
        end = start
    start, end = min(start, end), max(start, end)
    value["start_date"] = start.isoformat()
    value["end_date"] = min(end, start + timedelta(days=MAX_RANGE_DAYS - 1)).isoformat()


SPECIAL_USE_TLDS = {"example", "invalid", "local", "localhost", "onion", "test", "arpa"}
# Values only the server can hand out (opaque cursors, OAuth states) or that depend on the outside
# world (a CalDAV server answering): schema-valid inputs there are not expected to be accepted.
SERVER_ISSUED = {"GET /v1/oauth/callback", "POST /v1/calendar_connections"}


def _deliverable(address: Any) -> Any:
    """Addresses on reserved, never-deliverable domains (RFC 6761) are refused by meaning."""
    if isinstance(address, str) and "@" in address:
        local, _, domain = address.rpartition("@")
        if domain.rsplit(".", 1)[-1].lower() in SPECIAL_USE_TLDS or "." not in domain:
            return f"{local}@example.com"
    return address


def _emails(value: Any) -> Any:
    return _each_object(value, _deliverable_emails)


def _deliverable_emails(out: dict[str, Any]) -> dict[str, Any]:
    for key in [k for k in out if k == "email" or k.endswith("_email")]:
        out[key] = _deliverable(out[key])
    if isinstance(out.get("guests"), list):
        out["guests"] = [_deliverable(g) for g in out["guests"]]
    return out


def _instant_in_range(text: Any) -> Any:
    """Instants are taken between 1971 and 9000 (openapi.yaml, ``start``)."""
    year = str(text)[:4]
    return text if year.isdigit() and 1971 <= int(year) <= 9000 else "2026-04-15T14:00:00Z"


def _fillable(template: str) -> bool:
    """An invitee link template the server can fill: an absolute http(s) URL with ``{token}``
    once (openapi.yaml, ``AccountUpdate``)."""
    try:
        check_url_template(template)
    except ValueError:
        return False
    return True


def repair(case: schemathesis.Case) -> None:
    # One key per generated request: a key reused with another body is refused (422) by design.
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
    if isinstance(case.body, dict):
        case.body = _emails(_meaningful(case.body))
        if "url" in case.body and case.path.startswith("/v1/webhooks"):
            case.body["url"] = "https://127.0.0.1/hooks/astrocal"  # a host that resolves
        # `is_default: false` is accepted only on a schedule that is not the default (openapi.yaml,
        # ScheduleUpdate); a request cannot know which one it is.
        if case.path.startswith("/v1/schedules/") and case.body.get("is_default") is False:
            del case.body["is_default"]
        # The default host cannot be deactivated (openapi.yaml, HostUpdate); a request cannot know
        # whether the host it names is the default one.
        if case.path.startswith("/v1/hosts/") and case.body.get("active") is False:
            del case.body["active"]
        # Answers fit the event type's questions, which a request cannot know (openapi.yaml,
        # Answers): generated questions are never required, so no answers is always valid.
        if case.path == "/v1/bookings":
            case.body.pop("answers", None)
            # `hold_id`, or `event_type_id` with `start` (openapi.yaml, BookingCreate); a
            # generated hold id names no hold, so the generated request books by time.
            if case.method == "POST":
                case.body.pop("hold_id", None)
                case.body.setdefault("event_type_id", "evt_x")
                case.body.setdefault("start", "2026-04-15T14:00:00Z")
    if case.path == "/v1/account" and isinstance(case.body, dict):
        template = case.body.get("invitee_url_template")
        if isinstance(template, str) and not _fillable(template):
            case.body["invitee_url_template"] = "https://app.example.com/manage/{token}"
    if case.query:
        query = _emails(_meaningful(dict(case.query)))
        query.pop("cursor", None)  # only a next_cursor the server returned is a valid cursor
        case.query = query
    if case.path == "/v1/waitlist" and case.method == "POST" and isinstance(case.body, dict):
        # Exactly one of `start` and `date` (openapi.yaml, WaitlistEntryCreate).
        if "start" in case.body:
            case.body.pop("date", None)
        elif "date" not in case.body:
            case.body["start"] = "2026-04-15T14:00:00Z"
    if case.path.startswith(("/v1/availability", "/v1/bookings")):
        # `duration` must be one of the event type's `duration_options` (openapi.yaml), which a
        # request cannot know; the event type's own length is what it gets without one.
        for fields in (case.query, case.body):
            if isinstance(fields, dict):
                fields.pop("duration", None)
    if case.path in ("/v1/availability", "/v1/invitee/bookings/{token}/availability"):
        if case.method == "GET" and case.query is None:
            case.query = {}
        fields = case.query if case.method == "GET" else case.body
        if isinstance(fields, dict) and not {"date", "start_date", "end_date"} & fields.keys():
            fields["date"] = "2026-04-15"  # a date, or a range, is required (openapi.yaml)
