"""Availability through the SDK against the reference server (clock pinned at Monday
2026-04-13 08:00 UTC; the account's default schedule is Mon–Fri 09:00–17:00 Berlin)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from astrocal_sdk import Astrocal, AsyncAstrocal, types

BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY = dt.date(2026, 4, 15)
NINE_BERLIN = dt.datetime(2026, 4, 15, 9, 0, tzinfo=BERLIN)  # 07:00 UTC


async def test_list_search_and_check_with_dates_and_zones(aclient: AsyncAstrocal) -> None:
    intro = await aclient.event_types.create(title="Intro", slug="intro", duration_minutes=30)
    day = await aclient.availability.list(event_type_id=intro.id, date=WEDNESDAY, time_zone=BERLIN)
    assert isinstance(day, types.Availability)
    assert (day.start_date, day.end_date, day.time_zone) == (WEDNESDAY, WEDNESDAY, "Europe/Berlin")
    assert day.data[0].start == NINE_BERLIN and day.data[0].start.tzinfo is not None
    assert len(day.data) == 16  # 09:00–17:00 in 30-minute slots
    searched = await aclient.availability.search(
        event_type_id=intro.id,
        start_date=WEDNESDAY,
        end_date="2026-04-16",
        time_zone="Europe/Berlin",
    )
    assert searched.data[:16] == day.data and len(searched.data) == 32

    open_ = await aclient.availability.check(event_type_id=intro.id, start=NINE_BERLIN)
    assert isinstance(open_, types.AvailabilityCheck)
    assert open_.available is True and open_.reasons == []
    saturday = dt.datetime(2026, 4, 18, 9, 0, tzinfo=BERLIN)
    closed = await aclient.availability.check(event_type_id=intro.id, start=saturday)
    assert closed.available is False
    assert [r.code for r in closed.reasons] == ["outside_working_hours"]
    assert closed.alternatives and all(isinstance(s, types.Slot) for s in closed.alternatives)


def test_sync_availability_over_loopback(sync_client: Astrocal) -> None:
    intro = sync_client.event_types.create(
        title="Long", slug="long", duration_minutes=60, duration_options=[30, 60]
    )
    hour = sync_client.availability.list(event_type_id=intro.id, date=WEDNESDAY)
    half = sync_client.availability.list(event_type_id=intro.id, date=WEDNESDAY, duration=30)
    assert hour.data[0].end - hour.data[0].start == dt.timedelta(minutes=60)
    assert half.data[0].end - half.data[0].start == dt.timedelta(minutes=30)
    raw = sync_client.with_raw_response.availability.check(
        event_type_id=intro.id, start=hour.data[0].start
    )
    assert raw.request_id and raw.parse().available is True
