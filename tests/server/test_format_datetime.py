"""``serialize.common.format_datetime`` (isoformat where it can) writes exactly what strftime
writes: RFC 3339 UTC with ``Z``, second precision, whatever the zone or the year."""

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
