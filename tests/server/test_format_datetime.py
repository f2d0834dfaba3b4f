"""``serialize.common.format_datetime`` (isoformat where it can) writes exactly what strftime
writes: RFC 3339 UTC with ``Z``, second precision, whatever the zone or the year; and an
instant is bound for SQLite (``storage.types.UTCDateTime``, by isoformat) as SQLAlchemy's own
processors bind it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from astrocal_server.serialize.common import format_datetime
from hypothesis import given
from hypothesis import strategies as st

_zones = st.one_of(
    st.just(UTC),
    st.integers(-23 * 60, 23 * 60).map(lambda m: timezone(timedelta(minutes=m))),
)


@given(
    st.datetimes(min_value=datetime(2, 1, 2), max_value=datetime(9998, 12, 30), timezones=_zones)
)
def test_the_text_is_strftimes(value: datetime) -> None:
    expected = value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert format_datetime(value) == expected


@given(
    st.datetimes(min_value=datetime(2, 1, 2), max_value=datetime(9998, 12, 30), timezones=_zones)
)
def test_an_instant_is_bound_for_sqlite_as_sqlalchemys_processors_bind_it(value: datetime) -> None:
    from astrocal_server.storage.types import UTCDateTime
    from sqlalchemy.dialects.sqlite.aiosqlite import dialect
    from sqlalchemy.types import TypeDecorator

    sqlite = dialect()
    bound = UTCDateTime().dialect_impl(sqlite)
    fast = bound.bind_processor(sqlite)
    composed = TypeDecorator.bind_processor(bound, sqlite)
    assert fast is not None and composed is not None
    assert fast.__qualname__.startswith("UTCDateTime.")  # the shortcut is the one in use
    assert fast(value) == composed(value)
