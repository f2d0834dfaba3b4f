"""Typed models in and out; lenient parsing of responses from a newer server; aware datetimes;
``date``/``datetime``/``ZoneInfo`` accepted where the API takes dates, times and zones."""

from __future__ import annotations

import ast
import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import respx
from astrocal_sdk import Astrocal, types
from astrocal_sdk._models import parse_lenient
from astrocal_sdk.types import Booking, BookingLocation, Invitee, WeeklyHoursInterval

from tests.support.sdk_payloads import booking_json

BASE = "http://api.test"
GENERATED = Path(types.__file__).parent / "_generated" / "models.py"
# The API's booking, its invitee with a time zone.
BOOKING: dict[str, Any] = {
    **booking_json(),
    "invitee": {"name": "Jo", "email": "jo@example.com", "time_zone": "Europe/London"},
}


def test_types_re_exports_every_generated_model() -> None:
    tree = ast.parse(GENERATED.read_text())
    names = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    names |= {
        t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
        if isinstance(t, ast.Name)
    }  # fmt: skip
    assert names <= set(types.__all__)
    assert all(getattr(types, name) is not None for name in types.__all__)


@respx.mock
def test_an_unknown_field_and_a_new_enum_value_do_not_raise() -> None:
    newer = {
        **BOOKING,
        "status": "no_show",  # a status this SDK does not know yet
        "host": {"id": "acct_1"},  # a field this SDK does not know yet
        "location": {"type": "hologram", "value": "deck 3"},
        "invitee": {**BOOKING["invitee"], "pronouns": "they"},
    }
    respx.get(f"{BASE}/v1/bookings/bk_1").respond(json=newer)
    booking = Astrocal(api_key="sk_test_x", base_url=BASE).bookings.retrieve("bk_1")
    assert isinstance(booking, Booking)
    assert booking.status == "no_show"
    assert booking.model_extra == {"host": {"id": "acct_1"}}
    assert isinstance(booking.invitee, Invitee)
    assert booking.invitee.model_extra == {"pronouns": "they"}
    assert isinstance(booking.location, BookingLocation) and booking.location.type == "hologram"
    # The parts that are known stay typed.
    assert booking.start == dt.datetime(2026, 4, 15, 9, tzinfo=dt.UTC)
    assert booking.start.tzinfo is not None
    assert json.loads(booking.model_dump_json())["status"] == "no_show"


def test_unknown_enum_values_deep_in_lists_survive() -> None:
    check = parse_lenient(
        types.AvailabilityCheck,
        {
            "available": False,
            "reasons": [{"code": "holiday_calendar", "message": "new reason"}],
            "alternatives": [{"start": "2026-04-15T10:00:00Z", "end": "2026-04-15T10:30:00Z"}],
        },
    )
    assert check.reasons[0].code == "holiday_calendar"
    assert isinstance(check.alternatives[0], types.Slot)
    assert check.alternatives[0].start.tzinfo is not None


def test_responses_that_validate_take_the_strict_path() -> None:
    booking = parse_lenient(Booking, BOOKING)
    assert booking.model_fields_set >= {"id", "start"}
    assert Booking.model_validate(BOOKING) == booking


@respx.mock
def test_datetimes_are_aware_and_sent_as_utc_z() -> None:
    route = respx.post(f"{BASE}/v1/bookings/bk_1/reschedule").respond(json=BOOKING)
    client = Astrocal(api_key="sk_test_x", base_url=BASE)
    berlin = dt.datetime(2026, 4, 15, 11, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    client.bookings.reschedule("bk_1", start=berlin)
    assert json.loads(route.calls.last.request.content)["start"] == "2026-04-15T09:00:00Z"


def test_a_naive_datetime_is_refused_with_a_clear_message() -> None:
    client = Astrocal(api_key="sk_test_x", base_url=BASE)
    with pytest.raises(ValueError, match="naive datetime"):
        client.bookings.reschedule("bk_1", start=dt.datetime(2026, 4, 15, 9, 0))


@respx.mock
def test_dates_and_zoneinfo_are_accepted_in_queries() -> None:
    route = respx.get(f"{BASE}/v1/availability").respond(
        json={
            "data": [{"start": "2026-04-15T07:00:00Z", "end": "2026-04-15T07:30:00Z"}],
            "event_type_id": "evt_1",
            "time_zone": "Europe/Berlin",
            "start_date": "2026-04-15",
            "end_date": "2026-04-16",
        }
    )
    client = Astrocal(api_key="sk_test_x", base_url=BASE)
    availability = client.availability.list(
        event_type_id="evt_1",
        start_date=dt.date(2026, 4, 15),
        end_date=dt.date(2026, 4, 16),
        time_zone=ZoneInfo("Europe/Berlin"),
    )
    assert dict(route.calls.last.request.url.params) == {
        "event_type_id": "evt_1",
        "start_date": "2026-04-15",
        "end_date": "2026-04-16",
        "time_zone": "Europe/Berlin",
    }
    assert availability.start_date == dt.date(2026, 4, 15)
    assert availability.data[0].start.tzinfo is not None


@respx.mock
def test_models_and_plain_dicts_are_both_accepted_as_nested_inputs() -> None:
    route = respx.post(f"{BASE}/v1/schedules").respond(201, json={})
    client = Astrocal(api_key="sk_test_x", base_url=BASE)
    client.schedules.create(
        name="Hours",
        time_zone=ZoneInfo("America/New_York"),
        weekly_hours=[
            WeeklyHoursInterval(day="monday", start="09:00", end="12:00"),
            {"day": "tuesday", "start": "09:00", "end": "12:00"},
        ],
        date_overrides=[{"date": dt.date(2026, 12, 24), "intervals": []}],
    )
    assert json.loads(route.calls.last.request.content) == {
        "name": "Hours",
        "time_zone": "America/New_York",
        "weekly_hours": [
            {"day": "monday", "start": "09:00", "end": "12:00"},
            {"day": "tuesday", "start": "09:00", "end": "12:00"},
        ],
        "date_overrides": [{"date": "2026-12-24", "intervals": []}],
    }


@respx.mock
def test_none_clears_a_nullable_field_and_not_given_fields_are_not_sent() -> None:
    route = respx.patch(f"{BASE}/v1/event_types/evt_1").respond(json={})
    client = Astrocal(api_key="sk_test_x", base_url=BASE)
    client.event_types.update("evt_1", description=None, title="New")
    assert json.loads(route.calls.last.request.content) == {"description": None, "title": "New"}


@respx.mock
def test_booleans_in_queries_are_lowercase() -> None:
    route = respx.delete(f"{BASE}/v1/event_types/evt_1").respond(204)
    Astrocal(api_key="sk_test_x", base_url=BASE).event_types.delete("evt_1", force=True)
    assert route.calls.last.request.url.params["force"] == "true"


@pytest.mark.parametrize(
    ("typed_dict", "model"),
    [
        (types.InviteeDict, types.Invitee),
        (types.InviteeUpdateDict, types.InviteeUpdate),
        (types.LocationDict, types.Location),
        (types.CalendarRefDict, types.CalendarRef),
        (types.TimeIntervalDict, types.TimeInterval),
        (types.WeeklyHoursDict, types.WeeklyHoursInterval),
        (types.DateOverrideDict, types.DateOverride),
    ],
)
def test_dict_inputs_have_the_models_keys(typed_dict: Any, model: Any) -> None:
    assert typed_dict.__required_keys__ | typed_dict.__optional_keys__ == set(model.model_fields)
    required = {n for n, f in model.model_fields.items() if f.is_required()}
    assert typed_dict.__required_keys__ == required
