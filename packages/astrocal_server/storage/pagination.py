"""Cursor pagination: ``limit`` + opaque ``cursor`` → ``{data, has_more, next_cursor}``.

The cursor is base64url JSON of the last returned row's sort key, so the next page starts strictly
after it; rows inserted meanwhile never shift or repeat a page. The sort key must be unique (end it
with the id).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import TypeDecorator

from astrocal_server.errors import invalid_param

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "Page",
    "PageRequest",
    "decode_cursor",
    "encode_cursor",
    "paginate",
]

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    """Which page a list call asks for; the HTTP edge parses it once (``api.deps.PageDep``)."""

    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    has_more: bool
    next_cursor: str | None

    def render(self, serialise: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
        return {
            "data": [serialise(item) for item in self.items],
            "has_more": self.has_more,
            "next_cursor": self.next_cursor,
        }


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"dt"} and isinstance(value["dt"], str):
        return datetime.fromisoformat(value["dt"])
    return value


def _python_type(column: InstrumentedAttribute[Any]) -> type[Any]:
    kind = column.type
    if isinstance(kind, TypeDecorator):
        # A decorator (UTCDateTime) reports ``object``; the type it stores is its impl's.
        kind = kind.impl_instance
    try:
        expected: type[Any] = kind.python_type
        return expected
    except NotImplementedError:  # pragma: no cover - every sort column here has one
        return object


def _checked(value: Any, column: InstrumentedAttribute[Any]) -> Any:
    """``value`` if it can be compared with ``column`` on every dialect, else ``ValueError``.

    A cursor is client input: a value of the wrong type reaches the driver (PostgreSQL refuses
    the comparison) or the column type's bind processing, which would be a server error.
    """
    expected = _python_type(column)
    if expected is datetime:
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError
        value.astimezone(UTC)  # OverflowError near year 1 or 9999: not a stored instant
        return value
    if expected is str:
        # PostgreSQL text cannot hold NUL.
        if not isinstance(value, str) or "\x00" in value:
            raise ValueError
        return value
    if expected is int:
        if isinstance(value, bool) or not isinstance(value, int) or not -(2**63) <= value < 2**63:
            raise ValueError
        return value
    if not isinstance(value, expected) or isinstance(value, (dict, list)):
        raise ValueError
    return value


def encode_cursor(key: Sequence[Any]) -> str:
    raw = json.dumps([_to_json(v) for v in key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, columns: Sequence[InstrumentedAttribute[Any]]) -> list[Any]:
    """The sort key in ``cursor``, one value per column of ``columns``, each of its column's type;
    anything else is 400 ``parameter_invalid`` on ``cursor``."""
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii"))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(columns):
            raise ValueError
        return [_checked(_from_json(v), c) for v, c in zip(values, columns, strict=True)]
    except (
        ValueError,
        UnicodeError,
        binascii.Error,
        TypeError,
        OverflowError,
        RecursionError,
        json.JSONDecodeError,
    ):
        raise invalid_param(
            "cursor",
            "This cursor is not one this list returned; pass `next_cursor` from the previous page unchanged.",
        ) from None


def _after(
    columns: Sequence[InstrumentedAttribute[Any]], values: Sequence[Any], descending: bool
) -> Any:
    # (a, b, c) > (x, y, z) spelled out, so it works the same on every dialect and column type.
    clauses = []
    for i, column in enumerate(columns):
        head = [columns[j] == values[j] for j in range(i)]
        step = column < values[i] if descending else column > values[i]
        clauses.append(and_(*head, step))
    return or_(*clauses)


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    order_by: Sequence[InstrumentedAttribute[Any]],
    page: PageRequest,
    descending: bool = False,
) -> Page[Any]:
    """Run ``stmt`` (a ``select`` of one entity) ordered by ``order_by`` one page at a time."""
    limit, cursor = page.limit, page.cursor
    if cursor:
        stmt = stmt.where(_after(order_by, decode_cursor(cursor, order_by), descending))
    ordering = [c.desc() for c in order_by] if descending else list(order_by)
    rows = list((await session.scalars(stmt.order_by(*ordering).limit(limit + 1))).all())
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, c.key) for c in order_by])
    return Page(items=rows, has_more=has_more, next_cursor=next_cursor)
