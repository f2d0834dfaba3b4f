"""The invitee pages in process: what they show, their headers, and every refusal as a page with a
4xx that changes nothing (tampered links, forged forms, taken or off-grid times, a second cancel,
a passed notice window, a past booking, bad input). The browser drives them in tests/browser."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from astrocal_server.clock import FixedClock
from astrocal_server.storage.models import EventType
from fastapi import FastAPI
from sqlalchemy import update

from tests.support.bookings import Book, Outbox
from tests.support.browser import PAGE_CSP

H = dict[str, str]
START = "2026-04-15T10:00:00Z"  # Wednesday; the clock is Monday 2026-04-13 08:00 UTC
SAME_ORIGIN = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


async def _booking(book: Book, event_type: dict[str, Any], start: str = START) -> dict[str, Any]:
    r = await book(event_type["id"], start)
    assert r.status_code == 201, r.text
    booking: dict[str, Any] = r.json()
    return booking


@pytest.fixture
async def booking(book: Book, event_type: dict[str, Any]) -> dict[str, Any]:
    """One confirmed booking at ``START``."""
    return await _booking(book, event_type)


def _path(booking: dict[str, Any], field: str = "manage_url") -> str:
    return "/manage/" + str(booking[field]).split("/manage/", 1)[1]


async def _status(client: httpx.AsyncClient, headers: H, booking: dict[str, Any]) -> Any:
    r = await client.get(f"/v1/bookings/{booking['id']}", headers=headers)
    return r.json()


async def test_the_booking_page_shows_it_in_the_asked_zone_with_strict_headers(
    client: httpx.AsyncClient, booking: dict[str, Any]
) -> None:
    r = await client.get(_path(booking), params={"tz": "America/New_York"})
    assert r.status_code == 200
    assert r.headers["content-security-policy"] == PAGE_CSP
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"] == "no-store"
    assert '<html lang="en"' in r.text
    assert "Wednesday 15 April 2026, 06:00–06:30 (America/New_York, EDT)" in r.text
    assert "Jo Smith" in r.text and "Confirmed" in r.text
    assert "/reschedule?tz=America%2FNew_York" in r.text and "/cancel?tz=" in r.text
    assert "http://" not in r.text.replace("http://testserver", "")  # nothing from elsewhere
    # No zone asked (no script ran): the invitee's zone on the booking, and zone.js may ask again.
    r = await client.get(_path(booking))
    assert "(Europe/London, BST)" in r.text and 'data-detect-zone="1"' in r.text
    # An unknown zone falls back the same way.
    r = await client.get(_path(booking), params={"tz": "Mars/Olympus"})
    assert r.status_code == 200 and "(Europe/London, BST)" in r.text


@pytest.mark.parametrize(
    "token",
    ["nope", "A" * 43, "A" * 42 + "%21", "A" * 44, "%00" * 3, "<script>alert(1)"],
)
async def test_a_tampered_link_is_a_404_page_that_reveals_nothing(
    client: httpx.AsyncClient, booking: dict[str, Any], token: str
) -> None:
    for path in (f"/manage/{token}", f"/manage/{token}/cancel", f"/manage/{token}/reschedule"):
        r = await client.get(path)
        assert r.status_code in (400, 404), (path, r.status_code)
        assert booking["id"] not in r.text and "<script>alert" not in r.text
    r = await client.get(f"/manage/{token}")
    if r.status_code == 404:
        assert "This booking link is not valid" in r.text
        assert r.headers["content-security-policy"] == PAGE_CSP


async def test_a_token_changed_by_one_character_opens_nothing(
    client: httpx.AsyncClient, booking: dict[str, Any]
) -> None:
    path = _path(booking)
    flipped = path[:-1] + ("B" if path[-1] != "B" else "C")
    r = await client.get(flipped)
    assert r.status_code == 404 and "Jo Smith" not in r.text


async def test_cancel_through_the_form_then_a_second_submit_changes_nothing(
    client: httpx.AsyncClient,
    booking: dict[str, Any],
    auth_headers: H,
    outbox: Outbox,
) -> None:
    form = await client.get(_path(booking, "cancel_url"))
    assert form.status_code == 200 and '<label for="reason">' in form.text
    data = {"csrf": _csrf(form.text), "reason": "Something came up", "tz": "Europe/Paris"}
    url = _path(booking, "cancel_url")
    r = await client.post(url, data=data, headers=SAME_ORIGIN)
    assert r.status_code == 200, r.text
    assert "Your booking is cancelled" in r.text and "(Europe/Paris, CEST)" in r.text
    shown = await _status(client, auth_headers, booking)
    assert (shown["status"], shown["cancelled_by"]) == ("cancelled", "invitee")
    assert shown["cancel_reason"] == "Something came up"
    rows = await outbox(booking["id"])

    again = await client.post(url, data=data, headers=SAME_ORIGIN)
    assert again.status_code == 409 and "already cancelled" in again.text
    assert await outbox(booking["id"]) == rows  # nothing written twice
    # The link still shows the booking, cancelled, with no buttons left to press.
    view = await client.get(_path(booking))
    assert view.status_code == 200 and "Cancelled" in view.text
    assert "/cancel?" not in view.text and "Something came up" in view.text
    assert (await client.get(url)).status_code == 409
    assert (await client.get(_path(booking, "reschedule_url"))).status_code == 409


@pytest.mark.parametrize(
    ("headers", "csrf"),
    [
        (SAME_ORIGIN, None),
        (SAME_ORIGIN, "forged"),
        ({"Sec-Fetch-Site": "cross-site"}, "valid"),
        ({"Origin": "https://attacker.example"}, "valid"),
    ],
)
async def test_a_forged_post_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
    booking: dict[str, Any],
    auth_headers: H,
    outbox: Outbox,
    headers: H,
    csrf: str | None,
) -> None:
    form = await client.get(_path(booking, "cancel_url"))
    rows = await outbox(booking["id"])
    data = {} if csrf is None else {"csrf": _csrf(form.text) if csrf == "valid" else csrf}
    for action, extra in (("cancel_url", {}), ("reschedule_url", {"start": START})):
        r = await client.post(_path(booking, action), data={**data, **extra}, headers=headers)
        assert r.status_code == 403, r.text
        assert "nothing was changed" in r.text
    assert (await _status(client, auth_headers, booking))["status"] == "confirmed"
    assert await outbox(booking["id"]) == rows


async def test_the_cancel_token_does_not_post_a_reschedule(
    client: httpx.AsyncClient, booking: dict[str, Any]
) -> None:
    form = await client.get(_path(booking, "cancel_url"))
    data = {"csrf": _csrf(form.text), "start": "2026-04-16T10:00:00Z"}
    r = await client.post(_path(booking, "reschedule_url"), data=data, headers=SAME_ORIGIN)
    assert r.status_code == 403


async def test_reschedule_through_the_picker(
    client: httpx.AsyncClient, booking: dict[str, Any], auth_headers: H
) -> None:
    url = _path(booking, "reschedule_url")
    picker = await client.get(url, params={"tz": "UTC", "day": "2026-04-16"})
    assert picker.status_code == 200
    assert (
        "Open times on Thu 16 Apr 2026" in picker.text and "Times are shown in UTC" in picker.text
    )
    assert 'name="start" value="2026-04-16T09:00:00Z"' in picker.text
    # The booking's own time is shown as current, not offered.
    same_day = await client.get(url, params={"tz": "UTC", "day": "2026-04-15"})
    assert (
        'value="2026-04-15T10:00:00Z"' not in same_day.text
        and "(the current time)" in same_day.text
    )
    confirm = await client.get(url, params={"tz": "UTC", "start": "2026-04-16T09:00:00Z"})
    assert confirm.status_code == 200 and "Thursday 16 April 2026, 09:00–09:30" in confirm.text
    data = {"csrf": _csrf(confirm.text), "start": "2026-04-16T09:00:00Z", "tz": "UTC"}
    r = await client.post(url, data=data, headers=SAME_ORIGIN)
    assert r.status_code == 200 and "Your booking has moved" in r.text
    shown = await _status(client, auth_headers, booking)
    assert (shown["start"], shown["rescheduled_by"]) == ("2026-04-16T09:00:00Z", "invitee")


@pytest.mark.parametrize(
    ("start", "status", "says"),
    [
        ("2026-04-16T11:00:00Z", 409, "no longer open"),  # taken by another booking
        ("2026-04-16T09:07:00Z", 409, "no longer open"),  # off the slot grid
        ("2026-04-16T03:00:00Z", 409, "no longer open"),  # outside the working hours
        ("2026-04-15T10:00:00Z", 409, "current time"),
        ("not-a-time", 400, "start must be"),
        ("2026-04-16T09:00:00", 400, "start must be"),  # no offset
    ],
)
async def test_reschedule_to_a_time_that_is_not_open_is_refused_on_the_page(
    client: httpx.AsyncClient,
    booking: dict[str, Any],
    book: Book,
    event_type: dict[str, Any],
    auth_headers: H,
    start: str,
    status: int,
    says: str,
) -> None:
    await _booking(book, event_type, "2026-04-16T11:00:00Z")
    url = _path(booking, "reschedule_url")
    form = await client.get(url, params={"start": "2026-04-16T09:00:00Z"})
    data = {"csrf": _csrf(form.text), "start": start, "tz": "UTC"}
    r = await client.post(url, data=data, headers=SAME_ORIGIN)
    assert r.status_code == status, r.text
    assert says in r.text and 'role="alert"' in r.text
    assert (await _status(client, auth_headers, booking))["start"] == START


async def test_bad_input_on_the_picker_and_forms_names_the_field(
    client: httpx.AsyncClient, booking: dict[str, Any]
) -> None:
    url = _path(booking, "reschedule_url")
    r = await client.get(url, params={"day": "2026-13-45"})
    assert r.status_code == 400 and "day must be a date" in r.text
    r = await client.get(url, params={"start": "tomorrow"})
    assert r.status_code == 400 and "start must be" in r.text
    form = await client.get(_path(booking, "cancel_url"))
    data = {"csrf": _csrf(form.text), "reason": "x" * 501}
    r = await client.post(_path(booking, "cancel_url"), data=data, headers=SAME_ORIGIN)
    assert r.status_code == 400 and "shorten it to 500" in r.text


async def test_a_passed_notice_window_and_a_past_booking_refuse_changes(
    app: FastAPI,
    client: httpx.AsyncClient,
    booking: dict[str, Any],
    event_type: dict[str, Any],
    clock: FixedClock,
    auth_headers: H,
) -> None:
    form = await client.get(_path(booking, "cancel_url"))
    async with app.state.astrocal.db.write() as session:
        await session.execute(
            update(EventType)
            .where(EventType.id == event_type["id"])
            .values(invitee_change_notice_minutes=3 * 24 * 60)
        )
    r = await client.get(_path(booking))
    assert r.status_code == 200 and "Changes close 4320 minutes before the start" in r.text
    assert "/cancel?" not in r.text and "/reschedule?" not in r.text
    r = await client.post(
        _path(booking, "cancel_url"), data={"csrf": _csrf(form.text)}, headers=SAME_ORIGIN
    )
    assert r.status_code == 409 and "Changes close" in r.text
    assert (await client.get(_path(booking, "reschedule_url"))).status_code == 409

    clock.advance(timedelta(days=3))
    r = await client.get(_path(booking, "cancel_url"))
    assert r.status_code == 409 and "can no longer be changed" in r.text
    assert (await _status(client, auth_headers, booking))["status"] == "confirmed"


async def test_pages_assets_are_served_from_this_server(client: httpx.AsyncClient) -> None:
    css = await client.get("/static/pages/pages.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    script = await client.get("/static/pages/zone.js")
    assert script.status_code == 200 and "Intl.DateTimeFormat" in script.text
    docs = await client.get("/docs")
    assert '<script src="/static/vendor/redoc/redoc.standalone.js">' in docs.text
    assert "https://" not in docs.text
    bundle = await client.get("/static/vendor/redoc/redoc.standalone.js")
    assert bundle.status_code == 200 and len(bundle.content) > 500_000
    assert (await client.get("/static/../app.py")).status_code == 404
