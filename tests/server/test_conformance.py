"""Schemathesis against the app: responses match the contract, status codes are documented,
schema-violating requests are rejected, and schema-valid requests are accepted. Only operations the
server implements are exercised (the rest are in the route-parity test's NOT_IMPLEMENTED_YET list).

"Schema-valid" is the contract plus what a schema cannot state: the ``iana-time-zone`` format
(taught to schemathesis below), cross-field rules (an interval's end after its start, intervals of
one day apart, a date range of at most 62 days), instants between 1971 and 9000, deliverable email
domains, webhook hosts that resolve, and cursors the server issued. :func:`repair` mends
generated requests on exactly those rules and nothing else, so every other refusal of valid data
fails the run; the two operations whose inputs only the server or the outside world can make valid
are listed in ``SERVER_ISSUED``.

Auth comes from schemathesis' own config (``auth.openapi.bearerAuth``), not from overriding headers,
so its unauthenticated negative cases really go out without a key.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
import zoneinfo
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from astrocal_server.app import create_app
from astrocal_server.bootstrap import ensure_initialised
from astrocal_server.clock import SystemClock
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support.app import server_settings
from tests.support.databases import sqlite_url
from tests.support.spec import NOT_IMPLEMENTED_YET

_SETTINGS = server_settings(sqlite_url(Path(tempfile.mkdtemp(prefix="astrocal-conformance-"))))
_FIRST = asyncio.run(ensure_initialised(_SETTINGS, SystemClock()))
assert _FIRST is not None
TEST_KEY = _FIRST.created.test_key.secret

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261124,
        "auth": {"openapi": {"bearerAuth": {"bearer": TEST_KEY}}},
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
    }
)

# The contract's format for time zone names; without it they would be arbitrary strings.
ZONES = frozenset(zoneinfo.available_timezones() - {"Factory"})
schemathesis.openapi.format("iana-time-zone", st.sampled_from(sorted(ZONES)))

app = create_app(_SETTINGS)
# The YAML document is declared `type: string`, but schemathesis parses YAML bodies into objects
# before validating; test_meta.py checks that route byte for byte instead.
EXCLUDED = {"meta.openapi_yaml"}
schema = schemathesis.openapi.from_asgi("/v1/openapi.json", app, config=CONFIG).exclude(
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


def _meaningful(value: Any) -> Any:
    """``value`` with the cross-field rules of the contract made to hold (see the module doc)."""
    if isinstance(value, list):
        return [_meaningful(item) for item in value]
    if not isinstance(value, dict):
        return value
    value = {key: _meaningful(item) for key, item in value.items()}
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
    if "start_date" in value or "end_date" in value or "date" in value:
        _one_range(value)
    if "start" in value and isinstance(value["start"], str) and "T" in value["start"]:
        value["start"] = _instant_in_range(value["start"])
    return value


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
    if isinstance(value, list):
        return [_emails(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {key: _emails(item) for key, item in value.items()}
    if "email" in out:
        out["email"] = _deliverable(out["email"])
    if isinstance(out.get("guests"), list):
        out["guests"] = [_deliverable(g) for g in out["guests"]]
    return out


def _instant_in_range(text: Any) -> Any:
    """Instants are taken between 1971 and 9000 (openapi.yaml, ``start``)."""
    year = str(text)[:4]
    return text if year.isdigit() and 1971 <= int(year) <= 9000 else "2026-04-15T14:00:00Z"


def repair(case: schemathesis.Case) -> None:
    # One key per generated request: a key reused with another body is refused (422) by design.
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
    if isinstance(case.body, dict):
        case.body = _emails(_meaningful(case.body))
        if "url" in case.body and case.path.startswith("/v1/webhooks"):
            case.body["url"] = "https://127.0.0.1/hooks/astrocal"  # a host that resolves
    if case.query:
        query = _emails(_meaningful(dict(case.query)))
        query.pop("cursor", None)  # only a next_cursor the server returned is a valid cursor
        case.query = query
    if case.path == "/v1/availability":
        fields = case.query if case.method == "GET" else case.body
        if isinstance(fields, dict) and not {"date", "start_date", "end_date"} & fields.keys():
            fields["date"] = "2026-04-15"  # a date, or a range, is required (openapi.yaml)


@pytest.mark.slow
@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_api_conforms_to_the_contract(case: schemathesis.Case) -> None:
    repair(case)
    excluded = []
    if f"{case.method} {case.path}" in SERVER_ISSUED:
        excluded.append(positive_data_acceptance)
    case.call_and_validate(excluded_checks=excluded)


async def test_the_configured_key_is_accepted() -> None:
    """The plain check the field notes ask for: the key schemathesis uses really authenticates."""
    local = create_app(_SETTINGS)
    async with local.router.lifespan_context(local):
        transport = httpx.ASGITransport(app=local)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            r = await client.get("/v1/account", headers={"Authorization": f"Bearer {TEST_KEY}"})
    assert r.status_code == 200
