"""Turn method arguments into JSON bodies and query strings the API accepts.

Datetimes go out as RFC 3339 UTC with ``Z`` (naive ones are refused: a wall time without a
zone is ambiguous), dates as ``YYYY-MM-DD``, ``ZoneInfo`` as its IANA key, models as their JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from astrocal_sdk._types import NotGiven

__all__ = ["format_datetime", "path_param", "to_json", "to_query", "without_not_given"]


def format_datetime(value: dt.datetime) -> str:
    """RFC 3339 in UTC with ``Z``; refuses naive datetimes."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(
            f"naive datetime {value.isoformat()} is ambiguous: give it a tzinfo "
            "(for example datetime(..., tzinfo=UTC) or ZoneInfo('Europe/Berlin'))"
        )
    utc = value.astimezone(dt.UTC)
    text = utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def to_json(value: Any) -> Any:
    """A JSON-ready copy of ``value``."""
    if isinstance(value, BaseModel):
        return to_json(value.model_dump(mode="json", by_alias=True, exclude_unset=True))
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, ZoneInfo):
        return value.key
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items() if not isinstance(v, NotGiven)}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [to_json(v) for v in value]
    return value


def to_query(params: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters as strings; not-given and ``None`` values are left out."""
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None or isinstance(value, NotGiven):
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(to_json(value))
    return out


def without_not_given(values: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``values`` that were given (``None`` is kept: it clears a field)."""
    return {k: v for k, v in values.items() if not isinstance(v, NotGiven)}


def path_param(name: str, value: str) -> str:
    """``value`` quoted for a URL path; an empty id would silently address the list instead."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return quote(value, safe="")
