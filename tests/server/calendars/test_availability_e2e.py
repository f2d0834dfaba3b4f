"""End to end: availability (and its check) exclude exactly the busy times of a connected Radicale
calendar — recurrences with exceptions, tentative, transparent, cancelled and all-day events — and
say which connection failed when one does."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
from astrocal_server.accounts import NewAccount
from fastapi import FastAPI

from tests.support.caldav import BERLIN_TZ, Radicale, ics, vevent
from tests.support.calendars import (
    add_unreachable_caldav_connection,
    connect_radicale,
    post_calendar_event_type,
)

BERLIN = ZoneInfo("Europe/Berlin")


def local(day: str, hhmm: str) -> str:
    """Berlin wall time → the iCalendar local form used with TZID."""
    return day.replace("-", "") + "T" + hhmm.replace(":", "") + "00"


def fill(radicale: Radicale, path: str) -> None:
    put = radicale.put
    put(
        path,
        "single.ics",
        ics(
            *BERLIN_TZ,
            *vevent(
                "s",
                f"DTSTART;TZID=Europe/Berlin:{local('2026-04-14', '10:00')}",
                f"DTEND;TZID=Europe/Berlin:{local('2026-04-14', '11:00')}",
            ),
        ),
    )
    put(
        path,
        "free.ics",
        ics(
            *BERLIN_TZ,
            *vevent(
                "f",
                f"DTSTART;TZID=Europe/Berlin:{local('2026-04-14', '12:00')}",
                f"DTEND;TZID=Europe/Berlin:{local('2026-04-14', '13:00')}",
                "TRANSP:TRANSPARENT",
            ),
        ),
    )
    put(
        path,
        "cancelled.ics",
        ics(
            *BERLIN_TZ,
            *vevent(
                "c",
                f"DTSTART;TZID=Europe/Berlin:{local('2026-04-14', '13:00')}",
                f"DTEND;TZID=Europe/Berlin:{local('2026-04-14', '14:00')}",
                "STATUS:CANCELLED",
            ),
        ),
    )
    put(
        path,
        "tentative.ics",
        ics(
            *BERLIN_TZ,
            *vevent(
                "t",
                f"DTSTART;TZID=Europe/Berlin:{local('2026-04-14', '15:00')}",
                f"DTEND;TZID=Europe/Berlin:{local('2026-04-14', '15:30')}",
                "STATUS:TENTATIVE",
            ),
        ),
    )
    put(
        path,
        "standup.ics",
        ics(
            *BERLIN_TZ,
            *vevent(
                "standup",
                f"DTSTART;TZID=Europe/Berlin:{local('2026-04-13', '09:00')}",
                "DURATION:PT30M",
                "RRULE:FREQ=DAILY;COUNT=5",
                f"EXDATE;TZID=Europe/Berlin:{local('2026-04-14', '09:00')}",
            ),
            *vevent(
                "standup",
                f"RECURRENCE-ID;TZID=Europe/Berlin:{local('2026-04-16', '09:00')}",
                f"DTSTART;TZID=Europe/Berlin:{local('2026-04-16', '11:00')}",
                f"DTEND;TZID=Europe/Berlin:{local('2026-04-16', '11:30')}",
            ),
        ),
    )
    put(
        path,
        "allday.ics",
        ics(*vevent("holiday", "DTSTART;VALUE=DATE:20260415", "DTEND;VALUE=DATE:20260416")),
    )


def expected_slots(day: str, blocked: set[str]) -> list[dict[str, str]]:
    """30-minute slots 09:00–17:00 Berlin on ``day`` minus the blocked local start times, in UTC."""
    out = []
    start = datetime.combine(date.fromisoformat(day), time(9), BERLIN)
    for i in range(16):
        s = start + timedelta(minutes=30 * i)
        if s.strftime("%H:%M") in blocked:
            continue
        e = s + timedelta(minutes=30)
        out.append(
            {
                "start": s.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "end": e.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
    return out


async def connect(
    client: httpx.AsyncClient, headers: dict[str, str], radicale: Radicale, path: str
) -> str:
    connection = await connect_radicale(client, headers, radicale)
    assert path in {c["id"] for c in connection["calendars"]}
    return str(connection["id"])


async def conflicting_event_type(
    client: httpx.AsyncClient, headers: dict[str, str], slug: str, *refs: tuple[str, str]
) -> str:
    """A 30-minute event type on the default schedule whose conflict calendars are ``refs``."""
    created = await post_calendar_event_type(client, headers, slug=slug, conflicts=refs)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_availability_excludes_exactly_the_calendars_busy_times(
    client: httpx.AsyncClient, auth_headers: dict[str, str], radicale_server: Radicale
) -> None:
    path = radicale_server.make_calendar("Host", time_zone="Europe/Berlin")
    fill(radicale_server, path)
    cid = await connect(client, auth_headers, radicale_server, path)
    event_type_id = await conflicting_event_type(client, auth_headers, "intro-e2e", (cid, path))
    response = await client.get(
        "/v1/availability",
        params={
            "event_type_id": event_type_id,
            "start_date": "2026-04-14",
            "end_date": "2026-04-17",
            "time_zone": "Europe/Berlin",
        },
        headers=auth_headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "warnings" not in body
    tuesday = expected_slots("2026-04-14", {"10:00", "10:30", "15:00"})
    wednesday: list[dict[str, str]] = []  # the all-day event blocks the whole local day
    thursday = expected_slots("2026-04-16", {"11:00"})  # the moved stand-up: 11:00, not 09:00
    friday = expected_slots("2026-04-17", {"09:00"})
    # Tue: single 10–11 and tentative 15:00 block; 09:00 is free (EXDATE); transparent and
    # cancelled events do not block.
    assert body["data"] == [*tuesday, *wednesday, *thursday, *friday]
    check = await client.get(
        "/v1/availability/check",
        params={"event_type_id": event_type_id, "start": "2026-04-14T08:00:00Z"},  # 10:00 Berlin
        headers=auth_headers,
    )
    assert check.status_code == 200
    reasons = check.json()["reasons"]
    assert check.json()["available"] is False
    assert [r["code"] for r in reasons] == ["calendar_busy"]
    assert reasons[0]["conflict"]["source"] == cid


async def test_a_failing_calendar_is_named_or_skipped_with_a_warning(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth_headers: dict[str, str],
    account: NewAccount,
    radicale_server: Radicale,
) -> None:
    path = radicale_server.make_calendar("Ok", time_zone="Europe/Berlin")
    fill(radicale_server, path)
    good = await connect(client, auth_headers, radicale_server, path)
    broken = await add_unreachable_caldav_connection(app, account, livemode=False)
    event_type_id = await conflicting_event_type(
        client, auth_headers, "intro-fail", (good, path), (broken, "/u/cal/")
    )
    query = {"event_type_id": event_type_id, "date": "2026-04-16", "time_zone": "Europe/Berlin"}
    failed = await client.get("/v1/availability", params=query, headers=auth_headers)
    assert failed.status_code == 503
    error = failed.json()["error"]
    assert error["code"] == "calendar_unavailable" and broken in error["message"]
    assert good not in error["message"]

    patched = await client.patch(
        f"/v1/event_types/{event_type_id}",
        json={"on_calendar_error": "ignore"},
        headers=auth_headers,
    )
    assert patched.status_code == 200
    ignored = await client.get("/v1/availability", params=query, headers=auth_headers)
    assert ignored.status_code == 200
    body = ignored.json()
    assert [w["connection_id"] for w in body["warnings"]] == [broken]
    assert body["data"] == expected_slots(
        "2026-04-16", {"11:00"}
    )  # the working calendar still counts
