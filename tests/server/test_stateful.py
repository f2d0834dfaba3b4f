"""Schemathesis' stateful run against the app: scenarios follow openapi.yaml's links from an
object's creation to the operations on it (a booking created, then read, updated, rescheduled,
cancelled; a webhook endpoint created, tested, its delivery retried …), with positive and negative
data at each step. Every answer must be free of server errors, conform to the contract (status,
headers, body) and accept valid data and refuse invalid data, exactly as in the stateless run
(tests/server/test_conformance.py), whose ``repair`` mends each generated request here too. The
example count is bounded so the run stays well under a minute.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from astrocal_server.app import create_app
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy.engine import make_url

from tests.support.conformance import (
    SERVER_ISSUED,
    api_schema,
    conformance_config,
    conformance_server,
    repair,
)

SETTINGS, TEST_KEY = conformance_server("astrocal-stateful-")
schema = api_schema(
    create_app(SETTINGS),
    conformance_config(
        TEST_KEY,
        generation={
            "database": "none",
            "allow-x00": False,
            "with-security-parameters": False,
        },
        phases={"stateful": {"enabled": True, "max-steps": 8}},
    ),
)


def _next_week(case: Case) -> None:
    """Steer availability to dates that have open slots, so the availability → booking link leads
    somewhere: a generated date (or range) becomes the same-length span from next week on. Only
    the dates move, within what the schema allows; a malformed date is left to the checks."""
    fields = case.query if case.method == "GET" else case.body
    if case.path != "/v1/availability" or not isinstance(fields, dict):
        return
    start = date.today() + timedelta(days=7)
    try:
        if "date" in fields:
            date.fromisoformat(str(fields["date"]))
            fields["date"] = start.isoformat()
        elif "start_date" in fields and "end_date" in fields:
            span = date.fromisoformat(str(fields["end_date"])) - date.fromisoformat(
                str(fields["start_date"])
            )
            fields["start_date"] = start.isoformat()
            fields["end_date"] = (start + min(span, timedelta(days=6))).isoformat()
    except ValueError:
        return


DATABASE = Path(str(make_url(SETTINGS.database_url).database))
FIRST_RUN = DATABASE.with_name("first-run.db")
with sqlite3.connect(DATABASE) as live, sqlite3.connect(FIRST_RUN) as copy:
    live.backup(copy)


class APIWorkflow(schema.as_state_machine()):  # type: ignore[misc]
    def setup(self) -> None:
        # Each scenario starts from the first-run database, so the same drawn steps get the same
        # answers (a slug taken by an earlier scenario would make Hypothesis' replays differ).
        with sqlite3.connect(FIRST_RUN) as copy, sqlite3.connect(DATABASE) as live:
            copy.backup(live)

    def before_call(self, case: Case) -> None:
        repair(case)
        _next_week(case)

    def validate_response(
        self, response: Response, case: Case, additional_checks: Any = None, **kwargs: Any
    ) -> None:
        excluded = []
        if f"{case.method} {case.path}" in SERVER_ISSUED:
            excluded.append(positive_data_acceptance)
        case.validate_response(
            response,
            additional_checks=additional_checks,
            excluded_checks=excluded,
            transport_kwargs=kwargs or None,
        )


@pytest.mark.slow
def test_linked_operations_conform_to_the_contract() -> None:
    APIWorkflow.run(
        settings=settings(
            max_examples=25,
            stateful_step_count=8,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
