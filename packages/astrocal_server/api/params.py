"""RFC 3339 instants the routers read from query strings, and the range a slot start must lie in
(also applied to the instants the contract's request models parse).

Shared by the availability and booking routers, so an instant is refused with the same message
wherever it is sent.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from astrocal_server.contract.requests import BookingCreate
from astrocal_server.errors import invalid_param
from astrocal_server.validation import check_email

__all__ = [
    "EVENT_TYPE_ID",
    "check_start",
    "email_query",
    "is_event_type_id",
    "parse_instant",
    "parse_start",
]


def _rules(field: FieldInfo) -> dict[str, Any]:
    """A contract field's string rules (``pattern``, ``max_length``) as ``Query`` arguments."""
    found: dict[str, Any] = {}
    for rule in field.metadata:
        for name in ("pattern", "max_length"):
            if getattr(rule, name, None) is not None:
                found[name] = getattr(rule, name)
    return found


# The contract's event type id (openapi.yaml's ``evt_`` pattern), for ids sent in a query string.
EVENT_TYPE_ID: dict[str, Any] = _rules(BookingCreate.model_fields["event_type_id"])
_EVENT_TYPE_ID: TypeAdapter[str] = TypeAdapter(
    Annotated[str, BookingCreate.model_fields["event_type_id"]]
)


def is_event_type_id(value: str) -> bool:
    try:
        _EVENT_TYPE_ID.validate_python(value)
    except ValidationError:
        return False
    return True


_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)


# Far outside any bookable horizon; keeps horizon and buffer arithmetic away from year 1 and 9999.
_EARLIEST = datetime(1971, 1, 1, tzinfo=UTC)
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def parse_instant(value: str, name: str) -> datetime:
    """An RFC 3339 date-time with an offset (``Z`` or ``±HH:MM``), as an aware UTC datetime."""
    try:
        if not _DATETIME.match(value):
            raise ValueError
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise invalid_param(
            name,
            f"{name} must be an RFC 3339 date-time with an offset, such as 2026-04-15T14:00:00Z.",
        ) from None
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 has no UTC instant
        raise invalid_param(
            name, f"{name} must be a date-time between 1971 and 9000, such as 2026-04-15T14:00:00Z."
        ) from None


def parse_start(value: str, name: str = "start") -> datetime:
    """:func:`parse_instant` for a slot start: one the scheduling arithmetic can work with."""
    return check_start(parse_instant(value, name), name)


def check_start(value: datetime, name: str = "start") -> datetime:
    """An aware instant already parsed (by the contract's model) as a slot start, in UTC."""
    try:
        start = value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 has no UTC instant
        start = None
    if start is None or not _EARLIEST <= start < _LATEST:
        raise invalid_param(
            name, f"{name} must be a date-time between 1971 and 9000, such as 2026-04-15T14:00:00Z."
        )
    return start


def email_query(value: str | None, name: str = "invitee_email") -> str | None:
    """An email address filter from the query (normalised), or a 400 naming ``name``."""
    if value is None:
        return None
    try:
        return check_email(value)
    except ValueError:
        raise invalid_param(name, f"{name} must be an email address such as jo@acme.com.") from None
