"""Google Calendar provider against respx fakes shaped like Google's documented answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
import respx
from astrocal_server.calendars.base import (
    AuthFailed,
    BusyPeriod,
    CalendarInfo,
    CalendarNotFound,
    ConnectionExpired,
    EventDraft,
    ProviderUnavailable,
    RateLimited,
)
from astrocal_server.calendars.google import GoogleProvider, google_event_id
from astrocal_server.calendars.http import RetryPolicy
from astrocal_server.calendars.oauth import refresh

from tests.support.caldav import Z
from tests.support.providers import (
    GOOGLE_API,
    GOOGLE_TOKEN,
    T0,
    T1,
    Sleeps,
    configured_oauth_client,
    google_error,
    google_free_busy,
    oauth_error,
    token_response,
)


def rate_limit_403() -> httpx.Response:
    return google_error(
        403, "Rate Limit Exceeded", reason="rateLimitExceeded", domain="usageLimits"
    )


@pytest.fixture
async def google(sleeps: Sleeps) -> AsyncIterator[GoogleProvider]:
    async with httpx.AsyncClient() as client:
        yield GoogleProvider(
            "ya29.token", client=client, policy=RetryPolicy(attempts=3, sleep=sleeps)
        )


CAL = CalendarInfo(id="host@gmail.com", name="Host")
HOLIDAYS = CalendarInfo(id="holidays@group.v.calendar.google.com", name="Holidays")


@respx.mock
async def test_free_busy_merges_calendars_and_clips(google: GoogleProvider) -> None:
    route = respx.post(f"{GOOGLE_API}/freeBusy").mock(
        return_value=google_free_busy(
            {
                "host@gmail.com": [
                    ("2026-04-14T08:00:00Z", "2026-04-14T09:00:00Z"),
                    ("2026-04-19T23:00:00Z", "2026-04-20T01:00:00Z"),
                ],
                "holidays@group.v.calendar.google.com": [
                    ("2026-04-14T10:00:00+02:00", "2026-04-14T12:00:00+02:00")
                ],
            },
            kind="calendar#freeBusy",
            timeMin="2026-04-13T00:00:00.000Z",
            timeMax="2026-04-20T00:00:00.000Z",
        )
    )
    busy = await google.free_busy([CAL, HOLIDAYS], T0, T1)
    assert busy == [
        BusyPeriod(Z("2026-04-14T08:00:00Z"), Z("2026-04-14T10:00:00Z")),
        BusyPeriod(Z("2026-04-19T23:00:00Z"), Z("2026-04-20T00:00:00Z")),
    ]
    sent = json.loads(route.calls.last.request.content)
    assert sent["items"] == [
        {"id": "host@gmail.com"},
        {"id": "holidays@group.v.calendar.google.com"},
    ]
    assert sent["timeMin"] == "2026-04-13T00:00:00Z" and sent["timeMax"] == "2026-04-20T00:00:00Z"
    assert route.calls.last.request.headers["authorization"] == "Bearer ya29.token"


@respx.mock
async def test_per_calendar_errors_inside_a_200_are_failures(google: GoogleProvider) -> None:
    respx.post(f"{GOOGLE_API}/freeBusy").mock(
        return_value=httpx.Response(
            200,
            json={
                "kind": "calendar#freeBusy",
                "calendars": {
                    "host@gmail.com": {"busy": []},
                    "holidays@group.v.calendar.google.com": {
                        "errors": [{"domain": "global", "reason": "notFound"}],
                        "busy": [],
                    },
                },
            },
        )
    )
    with pytest.raises(CalendarNotFound, match="holidays@group"):
        await google.free_busy([CAL, HOLIDAYS], T0, T1)
    respx.post(f"{GOOGLE_API}/freeBusy").mock(
        return_value=httpx.Response(
            200,
            json={
                "calendars": {
                    "host@gmail.com": {
                        "errors": [{"domain": "global", "reason": "backendError"}],
                        "busy": [],
                    }
                }
            },
        )
    )
    with pytest.raises(ProviderUnavailable, match="backendError"):
        await google.free_busy([CAL], T0, T1)


@respx.mock
async def test_403_rate_limit_is_retried(google: GoogleProvider, sleeps: Sleeps) -> None:
    respx.post(f"{GOOGLE_API}/freeBusy").mock(
        side_effect=[
            rate_limit_403(),
            google_free_busy({"host@gmail.com": []}),
        ]
    )
    assert await google.free_busy([CAL], T0, T1) == []
    assert len(sleeps) == 1


@respx.mock
async def test_403_other_than_rate_limit_is_not_retried(
    google: GoogleProvider, sleeps: Sleeps
) -> None:
    route = respx.post(f"{GOOGLE_API}/freeBusy").mock(
        return_value=google_error(403, "Forbidden", reason="forbidden")
    )
    with pytest.raises(Exception, match="HTTP 403"):
        await google.free_busy([CAL], T0, T1)
    assert route.call_count == 1 and sleeps == []


@respx.mock
async def test_429_retry_after_is_waited_when_short_and_passed_on_when_long(
    google: GoogleProvider, sleeps: Sleeps
) -> None:
    respx.post(f"{GOOGLE_API}/freeBusy").mock(
        side_effect=[
            google_error(429, headers={"Retry-After": "1"}),
            google_free_busy({"host@gmail.com": []}),
        ]
    )
    assert await google.free_busy([CAL], T0, T1) == []
    assert sleeps == [1.0]
    respx.post(f"{GOOGLE_API}/freeBusy").mock(
        return_value=google_error(429, headers={"Retry-After": "120"})
    )
    with pytest.raises(RateLimited) as caught:
        await google.free_busy([CAL], T0, T1)
    assert caught.value.retry_after == 120.0
    assert sleeps == [1.0]  # a long wait is not slept inline


@respx.mock
async def test_503_exhausts_retries(google: GoogleProvider, sleeps: Sleeps) -> None:
    route = respx.post(f"{GOOGLE_API}/freeBusy").mock(return_value=httpx.Response(503))
    with pytest.raises(ProviderUnavailable):
        await google.free_busy([CAL], T0, T1)
    assert route.call_count == 3 and len(sleeps) == 2


@respx.mock
async def test_401_is_auth_failed(google: GoogleProvider) -> None:
    respx.post(f"{GOOGLE_API}/freeBusy").mock(
        return_value=google_error(401, "Request had invalid authentication credentials.")
    )
    with pytest.raises(AuthFailed, match="invalid authentication"):
        await google.free_busy([CAL], T0, T1)


DRAFT = EventDraft(
    booking_id="bk_abc123",
    title="Intro with Jo",
    start=Z("2026-04-15T09:00:00Z"),
    end=Z("2026-04-15T09:30:00Z"),
    attendees=(("Jo", "jo@example.com"), (None, "sam@example.com")),
    location="Zoom",
)


def test_event_id_is_base32hex_and_stable() -> None:
    event_id = google_event_id("bk_abc123")
    assert event_id == google_event_id("bk_abc123") != google_event_id("bk_abc124")
    assert set(event_id) <= set("0123456789abcdefghijklmnopqrstuv") and 5 <= len(event_id) <= 1024


@respx.mock
async def test_insert_uses_our_id_and_sends_no_updates(google: GoogleProvider) -> None:
    url = f"{GOOGLE_API}/calendars/host%40gmail.com/events"
    route = respx.post(url).mock(
        return_value=httpx.Response(200, json={"id": google_event_id("bk_abc123")})
    )
    assert await google.create_event("host@gmail.com", DRAFT) == google_event_id("bk_abc123")
    request = route.calls.last.request
    assert request.url.params["sendUpdates"] == "none"
    body = json.loads(request.content)
    assert body["id"] == google_event_id("bk_abc123")
    assert "attendees" not in body  # guests get our invitation only
    assert "jo@example.com" in body["description"]
    assert body["start"] == {"dateTime": "2026-04-15T09:00:00Z", "timeZone": "UTC"}
    assert body["location"] == "Zoom"
    # a retry of the same insert: 409 duplicate → already done
    respx.post(url).mock(
        return_value=google_error(
            409, "The requested identifier already exists.", reason="duplicate"
        )
    )
    assert await google.create_event("host@gmail.com", DRAFT) == google_event_id("bk_abc123")


@respx.mock
async def test_patch_and_delete(google: GoogleProvider) -> None:
    event_url = f"{GOOGLE_API}/calendars/host%40gmail.com/events/evid1"
    patch = respx.patch(event_url).mock(return_value=httpx.Response(200, json={"id": "evid1"}))
    assert await google.update_event("host@gmail.com", "evid1", DRAFT) == "evid1"
    assert patch.calls.last.request.url.params["sendUpdates"] == "none"
    respx.patch(event_url).mock(return_value=google_error(404, "Not Found"))
    with pytest.raises(CalendarNotFound):
        await google.update_event("host@gmail.com", "evid1", DRAFT)
    delete = respx.delete(event_url).mock(return_value=httpx.Response(204))
    await google.delete_event("host@gmail.com", "evid1")
    assert delete.calls.last.request.url.params["sendUpdates"] == "none"
    respx.delete(event_url).mock(
        return_value=google_error(410, "Resource has been deleted", reason="deleted")
    )
    await google.delete_event("host@gmail.com", "evid1")  # deleted already: done


@respx.mock
async def test_calendar_list_pages_and_roles(google: GoogleProvider) -> None:
    respx.get(f"{GOOGLE_API}/users/me/calendarList").mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "items": [
                        {"id": "a@x", "summary": "A", "primary": True, "accessRole": "owner"}
                    ],
                    "nextPageToken": "p2",
                },
            ),
            httpx.Response(
                200,
                json={
                    "items": [
                        {
                            "id": "b@x",
                            "summary": "B",
                            "summaryOverride": "Bee",
                            "accessRole": "freeBusyReader",
                        }
                    ]
                },
            ),
        ]
    )
    calendars = await google.list_calendars()
    assert [(c.id, c.name, c.primary, c.read_only) for c in calendars] == [
        ("a@x", "A", True, False),
        ("b@x", "Bee", False, True),
    ]


@respx.mock
async def test_refresh_invalid_grant_is_connection_expired() -> None:
    client = configured_oauth_client("google", "cid", "sec")
    route = respx.post(GOOGLE_TOKEN).mock(
        return_value=oauth_error("invalid_grant", "Token has been expired or revoked.")
    )
    async with httpx.AsyncClient() as http:
        with pytest.raises(ConnectionExpired, match="expired or revoked"):
            await refresh(http, client, "1//old", policy=RetryPolicy(attempts=1), now=T0)
        form = route.calls.last.request.content.decode()
        assert "grant_type=refresh_token" in form and "refresh_token=1%2F%2Fold" in form
        # Google does not send a new refresh token on refresh: the old one is kept
        respx.post(GOOGLE_TOKEN).mock(return_value=token_response("ya29.new", expires_in=3599))
        tokens = await refresh(http, client, "1//old", policy=RetryPolicy(attempts=1), now=T0)
        assert tokens.access_token == "ya29.new" and tokens.refresh_token == "1//old"
        assert tokens.expires_at == datetime(2026, 4, 13, 0, 59, 59, tzinfo=UTC)
