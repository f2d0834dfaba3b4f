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
from astrocal_server.calendars.oauth import oauth_client, refresh
from astrocal_server.config import Settings

API = "https://www.googleapis.com/calendar/v3"
T0 = datetime(2026, 4, 13, tzinfo=UTC)
T1 = datetime(2026, 4, 20, tzinfo=UTC)


def Z(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def rate_limit_403() -> httpx.Response:
    return httpx.Response(
        403,
        json={
            "error": {
                "errors": [
                    {
                        "domain": "usageLimits",
                        "reason": "rateLimitExceeded",
                        "message": "Rate Limit Exceeded",
                    }
                ],
                "code": 403,
                "message": "Rate Limit Exceeded",
            }
        },
    )


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


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
    route = respx.post(f"{API}/freeBusy").mock(
        return_value=httpx.Response(
            200,
            json={
                "kind": "calendar#freeBusy",
                "timeMin": "2026-04-13T00:00:00.000Z",
                "timeMax": "2026-04-20T00:00:00.000Z",
                "calendars": {
                    "host@gmail.com": {
                        "busy": [
                            {"start": "2026-04-14T08:00:00Z", "end": "2026-04-14T09:00:00Z"},
                            {"start": "2026-04-19T23:00:00Z", "end": "2026-04-20T01:00:00Z"},
                        ]
                    },
                    "holidays@group.v.calendar.google.com": {
                        "busy": [
                            {
                                "start": "2026-04-14T10:00:00+02:00",
                                "end": "2026-04-14T12:00:00+02:00",
                            }
                        ]
                    },
                },
            },
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
    respx.post(f"{API}/freeBusy").mock(
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
    respx.post(f"{API}/freeBusy").mock(
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
    respx.post(f"{API}/freeBusy").mock(
        side_effect=[
            rate_limit_403(),
            httpx.Response(200, json={"calendars": {"host@gmail.com": {"busy": []}}}),
        ]
    )
    assert await google.free_busy([CAL], T0, T1) == []
    assert len(sleeps.delays) == 1


@respx.mock
async def test_403_other_than_rate_limit_is_not_retried(
    google: GoogleProvider, sleeps: Sleeps
) -> None:
    route = respx.post(f"{API}/freeBusy").mock(
        return_value=httpx.Response(
            403,
            json={
                "error": {
                    "errors": [{"domain": "global", "reason": "forbidden"}],
                    "code": 403,
                    "message": "Forbidden",
                }
            },
        )
    )
    with pytest.raises(Exception, match="HTTP 403"):
        await google.free_busy([CAL], T0, T1)
    assert route.call_count == 1 and sleeps.delays == []


@respx.mock
async def test_429_retry_after_is_waited_when_short_and_passed_on_when_long(
    google: GoogleProvider, sleeps: Sleeps
) -> None:
    respx.post(f"{API}/freeBusy").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "1"}, json={"error": {"code": 429}}),
            httpx.Response(200, json={"calendars": {"host@gmail.com": {"busy": []}}}),
        ]
    )
    assert await google.free_busy([CAL], T0, T1) == []
    assert sleeps.delays == [1.0]
    respx.post(f"{API}/freeBusy").mock(
        return_value=httpx.Response(
            429, headers={"Retry-After": "120"}, json={"error": {"code": 429}}
        )
    )
    with pytest.raises(RateLimited) as caught:
        await google.free_busy([CAL], T0, T1)
    assert caught.value.retry_after == 120.0
    assert sleeps.delays == [1.0]  # a long wait is not slept inline


@respx.mock
async def test_503_exhausts_retries(google: GoogleProvider, sleeps: Sleeps) -> None:
    route = respx.post(f"{API}/freeBusy").mock(return_value=httpx.Response(503))
    with pytest.raises(ProviderUnavailable):
        await google.free_busy([CAL], T0, T1)
    assert route.call_count == 3 and len(sleeps.delays) == 2


@respx.mock
async def test_401_is_auth_failed(google: GoogleProvider) -> None:
    respx.post(f"{API}/freeBusy").mock(
        return_value=httpx.Response(
            401,
            json={
                "error": {
                    "code": 401,
                    "message": "Request had invalid authentication credentials.",
                    "status": "UNAUTHENTICATED",
                }
            },
        )
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
    url = f"{API}/calendars/host%40gmail.com/events"
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
        return_value=httpx.Response(
            409,
            json={
                "error": {
                    "errors": [
                        {
                            "domain": "global",
                            "reason": "duplicate",
                            "message": "The requested identifier already exists.",
                        }
                    ],
                    "code": 409,
                }
            },
        )
    )
    assert await google.create_event("host@gmail.com", DRAFT) == google_event_id("bk_abc123")


@respx.mock
async def test_patch_and_delete(google: GoogleProvider) -> None:
    event_url = f"{API}/calendars/host%40gmail.com/events/evid1"
    patch = respx.patch(event_url).mock(return_value=httpx.Response(200, json={"id": "evid1"}))
    assert await google.update_event("host@gmail.com", "evid1", DRAFT) == "evid1"
    assert patch.calls.last.request.url.params["sendUpdates"] == "none"
    respx.patch(event_url).mock(
        return_value=httpx.Response(404, json={"error": {"code": 404, "message": "Not Found"}})
    )
    with pytest.raises(CalendarNotFound):
        await google.update_event("host@gmail.com", "evid1", DRAFT)
    delete = respx.delete(event_url).mock(return_value=httpx.Response(204))
    await google.delete_event("host@gmail.com", "evid1")
    assert delete.calls.last.request.url.params["sendUpdates"] == "none"
    respx.delete(event_url).mock(
        return_value=httpx.Response(
            410,
            json={
                "error": {
                    "errors": [
                        {
                            "domain": "global",
                            "reason": "deleted",
                            "message": "Resource has been deleted",
                        }
                    ],
                    "code": 410,
                }
            },
        )
    )
    await google.delete_event("host@gmail.com", "evid1")  # deleted already: done


@respx.mock
async def test_calendar_list_pages_and_roles(google: GoogleProvider) -> None:
    respx.get(f"{API}/users/me/calendarList").mock(
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
    settings = Settings(google_client_id="cid", google_client_secret="sec", _env_file=None)  # type: ignore[call-arg]
    client = oauth_client(settings, "google")
    assert client is not None
    route = respx.post("https://oauth2.googleapis.com/token").mock(
        return_value=httpx.Response(
            400,
            json={
                "error": "invalid_grant",
                "error_description": "Token has been expired or revoked.",
            },
        )
    )
    async with httpx.AsyncClient() as http:
        with pytest.raises(ConnectionExpired, match="expired or revoked"):
            await refresh(http, client, "1//old", policy=RetryPolicy(attempts=1), now=T0)
        form = route.calls.last.request.content.decode()
        assert "grant_type=refresh_token" in form and "refresh_token=1%2F%2Fold" in form
        # Google does not send a new refresh token on refresh: the old one is kept
        respx.post("https://oauth2.googleapis.com/token").mock(
            return_value=httpx.Response(
                200, json={"access_token": "ya29.new", "expires_in": 3599, "token_type": "Bearer"}
            )
        )
        tokens = await refresh(http, client, "1//old", policy=RetryPolicy(attempts=1), now=T0)
        assert tokens.access_token == "ya29.new" and tokens.refresh_token == "1//old"
        assert tokens.expires_at == datetime(2026, 4, 13, 0, 59, 59, tzinfo=UTC)
