"""``api/availability.parse_query`` answers the usual query string (an event type id and a date,
nothing else) without the contract's model (``_one_day``): for every query string, well formed or
not, the answer or the error is the one the full path gives."""

from __future__ import annotations

from typing import Any

import pytest
from astrocal_server.api import availability
from astrocal_server.availability.service import AvailabilityQuery
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import QueryParams

QUERIES = [
    "event_type_id=evt_abc123&date=2026-04-15",
    "date=2026-04-15&event_type_id=evt_0",
    "event_type_id=evt_abc123&date=2026-02-29",
    "event_type_id=evt_abc123&date=2026-13-01",
    "event_type_id=evt_abc123&date=0000-01-01",
    "event_type_id=evt_abc123&date=0001-01-01",
    "event_type_id=evt_abc123&date=9999-12-31",
    "event_type_id=evt_abc123&date=2026-4-15",
    "event_type_id=evt_abc123&date=20260415",
    "event_type_id=evt_abc123&date=2026-04-15T00:00:00",
    "event_type_id=evt_abc123&date=%EF%BC%92026-04-15",  # a full-width digit
    "event_type_id=evt_abc123&date=2026-04-15%0A",
    "event_type_id=evt_abc123%0A&date=2026-04-15",
    "event_type_id=evt_ABC&date=2026-04-15",
    "event_type_id=evt_&date=2026-04-15",
    "event_type_id=abc&date=2026-04-15",
    f"event_type_id=evt_{'a' * 60}&date=2026-04-15",
    f"event_type_id=evt_{'a' * 61}&date=2026-04-15",
    "event_type_id=evt_abc123&date=",
    "event_type_id=&date=2026-04-15",
    "event_type_id=evt_abc123&date=2026-04-15&date=2026-04-16",
    "event_type_id=evt_abc123&date=2026-04-15&time_zone=Europe/Berlin",
    "event_type_id=evt_abc123&date=2026-04-15&time_zone=",
    "event_type_id=evt_abc123&date=2026-04-15&colour=blue",
    "event_type_id=evt_abc123&start_date=2026-04-15",
    "event_type_id=evt_abc123",
    "date=2026-04-15&host_id=host_x",
]


def _outcome(raw: QueryParams) -> Any:
    try:
        return availability.parse_query(raw, typed=False, forbid_unknown=False)
    except RequestValidationError as exc:  # the handler words these as 400s
        return ("invalid", exc.errors())
    except Exception as exc:
        return (type(exc), str(exc), getattr(exc, "param", None), getattr(exc, "code", None))


@pytest.mark.parametrize("query", QUERIES)
def test_the_usual_query_is_answered_as_the_full_path_answers_it(
    monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    raw = QueryParams(query)
    quick = _outcome(raw)
    monkeypatch.setattr(availability, "_one_day", lambda _raw: None)
    assert quick == _outcome(raw)


def test_the_usual_query_skips_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the contract's model was asked")

    monkeypatch.setattr(availability, "validate_document", refuse)
    found = _outcome(QueryParams("event_type_id=evt_abc123&date=2026-04-15"))
    assert isinstance(found, AvailabilityQuery)
    assert (found.event_type_id, found.start_date.isoformat(), found.time_zone) == (
        "evt_abc123",
        "2026-04-15",
        None,
    )
