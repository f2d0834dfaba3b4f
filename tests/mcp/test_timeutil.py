"""Pure time handling: offsets required, zones by IANA name, DST gaps and folds refused."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from astrocal_mcp.timeutil import (
    InputError,
    describe_instant,
    parse_date,
    parse_instant,
    resolve_zone,
    utc_text,
)


def test_instant_with_offset_or_z_is_read_as_that_instant() -> None:
    assert parse_instant("2026-04-21T14:00:00+02:00", param="start_time") == datetime(
        2026, 4, 21, 12, 0, tzinfo=UTC
    )
    assert parse_instant("2026-04-21T12:00:00Z", param="start_time") == datetime(
        2026, 4, 21, 12, 0, tzinfo=UTC
    )


def test_naive_instant_is_refused_with_an_example() -> None:
    with pytest.raises(InputError) as err:
        parse_instant("2026-04-21T14:00", param="start_time")
    text = str(err.value)
    assert "no UTC offset" in text and "never assumed to be UTC" in text
    assert "2026-04-21T14:00:00+02:00" in text and "[Europe/Berlin]" in text


def test_bracketed_zone_gives_the_offset() -> None:
    assert parse_instant("2026-04-21T14:00[Europe/Berlin]", param="t") == datetime(
        2026, 4, 21, 12, 0, tzinfo=UTC
    )
    with pytest.raises(InputError, match="does not match"):
        parse_instant("2026-04-21T14:00+05:00[Europe/Berlin]", param="t")


def test_dst_gap_and_fold_are_refused() -> None:
    with pytest.raises(InputError, match="does not exist"):
        parse_instant("2026-03-29T02:30[Europe/Berlin]", param="t")
    with pytest.raises(InputError, match="happens twice") as err:
        parse_instant("2026-10-25T02:30[Europe/Berlin]", param="t")
    assert "+02:00" in str(err.value) and "+01:00" in str(err.value)


def test_garbage_instant_and_date() -> None:
    with pytest.raises(InputError, match="not a date-time"):
        parse_instant("next tuesday", param="start_time")
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        parse_date("21/04/2026", param="start_date")
    assert parse_date("2026-04-21", param="d").isoformat() == "2026-04-21"


@pytest.mark.parametrize("bad", ["CEST", "EST5", "+02:00", "UTC+2", "Mars/Olympus", "../etc"])
def test_unknown_zone_names_the_expected_form(bad: str) -> None:
    with pytest.raises(InputError) as err:
        resolve_zone(bad, param="timezone")
    assert "Europe/Berlin" in str(err.value)


def test_zone_aliases_and_description() -> None:
    assert resolve_zone("utc").key == "UTC"
    berlin = resolve_zone("Europe/Berlin")
    summer = describe_instant(datetime(2026, 4, 21, 12, 0, tzinfo=UTC), berlin)
    assert (summer.weekday, summer.utc_offset, summer.is_dst, summer.abbreviation) == (
        "Tuesday",
        "+02:00",
        True,
        "CEST",
    )
    winter = describe_instant(datetime(2026, 1, 6, 12, 0, tzinfo=UTC), ZoneInfo("Europe/Berlin"))
    assert (winter.utc_offset, winter.is_dst, winter.local) == (
        "+01:00",
        False,
        "2026-01-06T13:00:00+01:00",
    )
    assert utc_text(datetime(2026, 4, 21, 14, 0, 5, 123, tzinfo=UTC)) == "2026-04-21T14:00:05Z"
