"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["JSONDocument", "UTCDateTime"]

# JSONB on PostgreSQL (indexable, compact); plain JSON text elsewhere.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: stored as UTC, always returned timezone-aware.

    SQLite has no time zone support, so naive UTC is written there; PostgreSQL gets ``timestamptz``.
    A naive datetime handed in is a programming error, not something to guess about.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"UTCDateTime needs an aware datetime, got {value!r}")
        aware: datetime = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return aware.replace(tzinfo=None)
        return aware

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """SQLite: the text SQLAlchemy's processors (the check above, then SQLite's ``DATETIME``
        storage format) write, by ``isoformat`` in one step, a third of the time (a booking
        binds a couple of dozen instants); used only once it has written the same text as they
        do for a sample."""
        composed = super().bind_processor(dialect)
        if dialect.name != "sqlite" or composed is None:
            return composed

        def process(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, datetime) or value.tzinfo is None:
                raise ValueError(f"UTCDateTime needs an aware datetime, got {value!r}")
            if value.tzinfo is not UTC:
                value = value.astimezone(UTC)
            return value.replace(tzinfo=None).isoformat(" ", "microseconds")

        samples = (
            datetime(2026, 12, 6, 9, 5, 7, 1234, tzinfo=UTC),
            datetime(2026, 12, 6, 9, 5, 7, tzinfo=UTC),
            datetime(7, 1, 2, tzinfo=UTC),
        )
        return process if all(process(v) == composed(v) for v in samples) else composed

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        if stored.tzinfo is None:
            return stored.replace(tzinfo=UTC)
        return stored.astimezone(UTC)
