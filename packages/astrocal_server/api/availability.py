"""``GET|POST /v1/availability`` (open slots) and ``GET /v1/availability/check`` (why not).

Fields arrive as a query string, a form body (``curl -d``) or a JSON object; all three go through
:func:`parse_query` and the contract's ``AvailabilityQuery`` model, so the rules and error messages
are the same whichever way they came.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import MISSING

from astrocal_server.api.body import check_field, parse_form_or_json, validate_document
from astrocal_server.api.deps import CallerDep, get_state
from astrocal_server.api.encoding import JSONResponse, dumps
from astrocal_server.api.params import is_event_type_id, parse_start
from astrocal_server.api.routes import operation
from astrocal_server.availability import service
from astrocal_server.availability.service import AvailabilityQuery
from astrocal_server.caller import Caller
from astrocal_server.contract import requests
from astrocal_server.errors import invalid_param
from astrocal_server.serialize.availability import check_to_api, open_slots_json
from astrocal_server.validation import check_time_zone

__all__ = ["parse_dates", "parse_query", "router"]

router = APIRouter()

MAX_RANGE_DAYS = 62
_EARLIEST_DATE = date.min + timedelta(days=14)
_LATEST_DATE = date.max - timedelta(days=14)
_FIELDS = ("event_type_id", "date", "start_date", "end_date", "time_zone", "duration", "host_id")
_DIGITS = re.compile(r"^\d{1,4}$")
_HOST_ID = re.compile(r"^host_[a-z0-9]{1,59}$")


def _text(raw: Mapping[str, Any], name: str, *, typed: bool) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_param(name, f"{name} must be a string.")
    if value == "" and not typed:
        return None  # an empty form/query field is the same as leaving it out
    return value


def _required(raw: Mapping[str, Any], name: str, *, typed: bool, missing: str) -> str:
    """The field ``name``; absent, it is 400 ``parameter_missing`` with the ``missing`` message."""
    value = _text(raw, name, typed=typed)
    if value is None:
        raise invalid_param(name, missing, code="parameter_missing")
    return value


def _event_type_id(raw: Mapping[str, Any], *, typed: bool) -> str:
    missing = "event_type_id is required (an id such as evt_abc123)."
    value = _required(raw, "event_type_id", typed=typed, missing=missing)
    if not is_event_type_id(value):
        raise invalid_param(
            "event_type_id", f"{value[:80]!r} is not an event type id; ids look like evt_abc123."
        )
    return value


def _duration(raw: Mapping[str, Any], *, typed: bool) -> int | None:
    value = raw.get("duration")
    if value is None or (value == "" and not typed):
        return None
    if typed:
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_param("duration", "duration must be an integer number of minutes.")
        number = value
    else:
        if not isinstance(value, str) or not _DIGITS.match(value):
            raise invalid_param(
                "duration", "duration must be a whole number of minutes, such as 30."
            )
        number = int(value)
    if not 5 <= number <= 720:
        raise invalid_param("duration", "duration must be between 5 and 720 minutes.")
    return number


def _document(raw: Mapping[str, Any], *, typed: bool, forbid_unknown: bool) -> dict[str, Any]:
    """The fields as the JSON object the contract describes. A form or query string has no types:
    an empty field is left out and a whole number of minutes is a number."""
    fields = raw if forbid_unknown else {k: v for k, v in raw.items() if k in _FIELDS}
    if typed:
        return dict(fields)
    document = {k: v for k, v in fields.items() if v != ""}
    duration = document.get("duration")
    if isinstance(duration, str) and _DIGITS.match(duration):
        document["duration"] = int(duration)
    return document


# The usual query string's two fields, as the contract's AvailabilityQuery takes them: its
# event_type_id pattern (at most 64 characters) and a date as YYYY-MM-DD.
_EVENT_TYPE_ID = re.compile(r"evt_[a-z0-9]{1,60}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _one_day(raw: Mapping[str, Any]) -> tuple[str, date] | None:
    """The event type id and date of an untyped query of only those two fields (the usual
    request), when both are well formed; None: :func:`parse_query`'s full path decides, and
    words any error."""
    if len(raw) != 2 or "event_type_id" not in raw or "date" not in raw:
        return None
    event_type_id, day = raw["event_type_id"], raw["date"]
    if not (isinstance(event_type_id, str) and isinstance(day, str)):
        return None
    if not (_EVENT_TYPE_ID.fullmatch(event_type_id) and _ISO_DATE.fullmatch(day)):
        return None
    try:
        return event_type_id, date.fromisoformat(day)
    except ValueError:
        return None


def parse_query(raw: Mapping[str, Any], *, typed: bool, forbid_unknown: bool) -> AvailabilityQuery:
    """The fields checked by the contract's ``AvailabilityQuery``, then the rules it cannot state:
    ``date`` or a range of at most 62 days in order, an IANA zone. ``typed``: the values came from
    JSON (so types matter); ``forbid_unknown``: a field the contract does not name is refused.
    An untyped query of only an event type id and a date (:func:`_one_day`) skips the model,
    which would find nothing wrong with it, for the same answer."""
    if not typed and not forbid_unknown and (usual := _one_day(raw)) is not None:
        event_type_id, day = usual
        if not _EARLIEST_DATE <= day <= _LATEST_DATE:
            raise invalid_param(
                "date",
                f"Dates must be between {_EARLIEST_DATE.isoformat()} and {_LATEST_DATE.isoformat()}.",
            )
        return AvailabilityQuery(event_type_id, day, day, None, None, None)
    fields = validate_document(
        requests.AvailabilityQuery, _document(raw, typed=typed, forbid_unknown=forbid_unknown)
    )
    one, first, last = fields.date, fields.start_date, fields.end_date
    if one is not MISSING:
        if first is not MISSING or last is not MISSING:
            raise invalid_param("date", "Give either date, or start_date and end_date, not both.")
        start_date = end_date = one
    elif first is MISSING and last is MISSING:
        raise invalid_param(
            "date",
            "Give a date (YYYY-MM-DD), or a range with start_date and end_date.",
            code="parameter_missing",
        )
    elif first is MISSING or last is MISSING:
        missing = "start_date" if first is MISSING else "end_date"
        raise invalid_param(
            missing,
            f"{missing} is required with {'end_date' if first is MISSING else 'start_date'}.",
            code="parameter_missing",
        )
    else:
        start_date, end_date = first, last
        if end_date < start_date:
            raise invalid_param("end_date", "end_date must be on or after start_date.")
        if (end_date - start_date).days + 1 > MAX_RANGE_DAYS:
            raise invalid_param(
                "end_date",
                f"A range covers at most {MAX_RANGE_DAYS} days; split longer ranges into several requests.",
            )
    # The search widens the range by a few days and a zone offset on each side; near year 1 or
    # 9999 that leaves datetime's range (OverflowError), so the calendar's last weeks are refused.
    if start_date < _EARLIEST_DATE or end_date > _LATEST_DATE:
        name = (
            "date"
            if one is not MISSING
            else "start_date"
            if start_date < _EARLIEST_DATE
            else "end_date"
        )
        raise invalid_param(
            name,
            f"Dates must be between {_EARLIEST_DATE.isoformat()} and {_LATEST_DATE.isoformat()}.",
        )
    zone = None
    if fields.time_zone is not MISSING:
        zone = check_field(["time_zone"], check_time_zone, fields.time_zone)
    duration = fields.duration if fields.duration is not MISSING else None
    host_id = fields.host_id if fields.host_id is not MISSING else None
    return AvailabilityQuery(fields.event_type_id, start_date, end_date, zone, duration, host_id)


# Stands in for the event type when only the dates and zone are read (see parse_dates); a
# well-formed id, so the contract's check of the fields never fails on it.
_ANY_EVENT_TYPE = "evt_dates"
_DATE_FIELDS = ("date", "start_date", "end_date", "time_zone")


def parse_dates(raw: Mapping[str, Any]) -> tuple[date, date, str | None]:
    """``date`` or ``start_date`` + ``end_date``, and ``time_zone``, of a query string whose event
    type is known otherwise (an invitee's booking), by the same rules and messages as
    :func:`parse_query`; other parameters are ignored as there."""
    fields = {name: raw[name] for name in _DATE_FIELDS if name in raw}
    query = parse_query(
        {**fields, "event_type_id": _ANY_EVENT_TYPE}, typed=False, forbid_unknown=False
    )
    return query.start_date, query.end_date, query.time_zone


def _host_id(raw: Mapping[str, Any]) -> str | None:
    value = _text(raw, "host_id", typed=False)
    if value is not None and not _HOST_ID.match(value):
        raise invalid_param(
            "host_id", f"{value[:80]!r} is not a host id; ids look like host_abc123."
        )
    return value


# The routes take only the request and the caller: each dependency FastAPI solves costs every
# request, and these are the hottest reads. Reads start once the caller is known (a key this
# process does not know yet was checked on a connection already released), so a request never
# holds two connections; open slots take none here (the service reads what it needs: usually one
# statement, ``Database.fetch_all``) and are answered as JSON bytes written directly
# (``serialize.availability.open_slots_json``: the encoder's bytes for the same document).


async def _open_slots(request: Request, caller: Caller, query: AvailabilityQuery) -> Response:
    # No connection is taken here: the service reads what it needs (one statement, usually).
    found = await service.find_availability(get_state(request), None, caller, query)
    return Response(open_slots_json(found, dumps), media_type=JSONResponse.media_type)


@operation(router, "availability.list")
async def list_availability(request: Request, caller: CallerDep) -> Response:
    query = parse_query(request.query_params, typed=False, forbid_unknown=False)
    return await _open_slots(request, caller, query)


@operation(router, "availability.search")
async def search_availability(request: Request, caller: CallerDep) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await parse_form_or_json(request)
    typed = content_type == "application/json" or content_type.endswith("+json")
    # With a form body, fields may also come in the query string; the body wins on a clash.
    merged: dict[str, Any] = {} if typed else dict(request.query_params)
    merged.update(body)
    query = parse_query(merged, typed=typed, forbid_unknown=True)
    return await _open_slots(request, caller, query)


@operation(router, "availability.check")
async def check_availability(request: Request, caller: CallerDep) -> JSONResponse:
    params = request.query_params
    event_type_id = _event_type_id(params, typed=False)
    missing = "start is required: the RFC 3339 instant to check, such as 2026-04-15T14:00:00Z."
    start = parse_start(_required(params, "start", typed=False, missing=missing))
    requested = _duration(params, typed=False)
    host_id = _host_id(params)
    state = get_state(request)
    async with state.db.connect_read() as conn:
        result = await service.check_availability(
            state,
            conn,
            caller,
            event_type_id=event_type_id,
            start=start,
            duration=requested,
            host_id=host_id,
        )
    return JSONResponse(check_to_api(result))
