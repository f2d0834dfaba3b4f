"""Microsoft Graph provider against respx fakes shaped like Graph's documented answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
import respx
from astrocal_server.calendars.base import (
    BusyPeriod,
    CalendarInfo,
    EventDraft,
    ProviderError,
    RateLimited,
)
from astrocal_server.calendars.http import RetryPolicy
from astrocal_server.calendars.microsoft import MicrosoftProvider, graph_transaction_id
from astrocal_server.calendars.oauth import refresh

from tests.support.caldav import Z
from tests.support.providers import (
    GRAPH,
    MICROSOFT_TOKEN,
    T0,
    T1,
    Sleeps,
    configured_oauth_client,
    graph_item,
    graph_schedule,
    token_response,
)

DEFAULT = CalendarInfo(id="AAMkDEF=", name="Calendar", primary=True)
OTHER = CalendarInfo(id="AAMkOTH=", name="Team")


def graph(http: httpx.AsyncClient, sleeps: Sleeps, kind: str = "work") -> MicrosoftProvider:
    return MicrosoftProvider(
        "eyJ.token",
        client=http,
        policy=RetryPolicy(attempts=3, sleep=sleeps),
        account_kind=kind,
        mailbox="host@contoso.com",
    )


@respx.mock
async def test_work_account_default_calendar_uses_get_schedule(
    http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    route = respx.post(f"{GRAPH}/me/calendar/getSchedule").mock(
        return_value=graph_schedule(
            "host@contoso.com",
            graph_item("busy", "2026-04-14T08:00:00.0000000", "2026-04-14T09:00:00.0000000"),
            graph_item(
                "tentative",
                "2026-04-15T13:00:00.0000000",
                "2026-04-15T14:00:00.0000000",
            ),
            graph_item("oof", "2026-04-16T00:00:00.0000000", "2026-04-17T00:00:00.0000000"),
            graph_item("free", "2026-04-15T15:00:00.0000000", "2026-04-15T16:00:00.0000000"),
            graph_item(
                "workingElsewhere",
                "2026-04-17T08:00:00.0000000",
                "2026-04-17T17:00:00.0000000",
            ),
            availabilityView="000220000",
        )
    )
    busy = await graph(http, sleeps).free_busy([DEFAULT], T0, T1)
    assert busy == [
        BusyPeriod(Z("2026-04-14T08:00:00Z"), Z("2026-04-14T09:00:00Z")),
        BusyPeriod(Z("2026-04-15T13:00:00Z"), Z("2026-04-15T14:00:00Z")),
        BusyPeriod(Z("2026-04-16T00:00:00Z"), Z("2026-04-17T00:00:00Z")),
    ]
    request = route.calls.last.request
    body = json.loads(request.content)
    assert body["schedules"] == ["host@contoso.com"]
    assert body["startTime"] == {"dateTime": "2026-04-13T00:00:00", "timeZone": "UTC"}
    assert request.headers["prefer"] == 'outlook.timezone="UTC"'


@respx.mock
async def test_get_schedule_splits_ranges_over_62_days(
    http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    route = respx.post(f"{GRAPH}/me/calendar/getSchedule").mock(
        return_value=graph_schedule("host@contoso.com")
    )
    await graph(http, sleeps).free_busy([DEFAULT], T0, datetime(2026, 8, 1, tzinfo=UTC))
    assert route.call_count == 2


@respx.mock
async def test_get_schedule_error_entry_is_a_failure(
    http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    error = {
        "message": "The specified object was not found in the store.",
        "responseCode": "ErrorMailRecipientNotFound",
    }
    respx.post(f"{GRAPH}/me/calendar/getSchedule").mock(
        return_value=graph_schedule("host@contoso.com", error=error)
    )
    with pytest.raises(ProviderError, match="not found in the store"):
        await graph(http, sleeps).free_busy([DEFAULT], T0, T1)


@respx.mock
async def test_personal_account_uses_calendar_view_with_paging(
    http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    view = f"{GRAPH}/me/calendars/AAMkDEF%3D/calendarView"
    next_link = f"{GRAPH}/me/calendars/AAMkDEF%3D/calendarView?$skip=2"

    def event(show_as: str, start: str, end: str, cancelled: bool = False) -> dict[str, object]:
        return {
            "showAs": show_as,
            "isCancelled": cancelled,
            "isAllDay": False,
            "start": {"dateTime": start, "timeZone": "UTC"},
            "end": {"dateTime": end, "timeZone": "UTC"},
        }

    route = respx.get(url__startswith=view).mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "value": [
                        event("busy", "2026-04-14T08:00:00.0000000", "2026-04-14T09:00:00.0000000"),
                        event("free", "2026-04-14T10:00:00.0000000", "2026-04-14T11:00:00.0000000"),
                    ],
                    "@odata.nextLink": next_link,
                },
            ),
            httpx.Response(
                200,
                json={
                    "value": [
                        event(
                            "tentative",
                            "2026-04-15T08:00:00.0000000",
                            "2026-04-15T08:30:00.0000000",
                        ),
                        event(
                            "busy",
                            "2026-04-16T08:00:00.0000000",
                            "2026-04-16T09:00:00.0000000",
                            cancelled=True,
                        ),
                    ]
                },
            ),
        ]
    )
    busy = await graph(http, sleeps, kind="personal").free_busy([DEFAULT], T0, T1)
    assert busy == [
        BusyPeriod(Z("2026-04-14T08:00:00Z"), Z("2026-04-14T09:00:00Z")),
        BusyPeriod(Z("2026-04-15T08:00:00Z"), Z("2026-04-15T08:30:00Z")),
    ]
    first = route.calls[0].request.url.params
    assert first["startDateTime"] == "2026-04-13T00:00:00Z"
    assert str(route.calls[1].request.url) == next_link


@respx.mock
async def test_non_default_calendar_of_work_account_uses_calendar_view(
    http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    respx.get(url__startswith=f"{GRAPH}/me/calendars/AAMkOTH%3D/calendarView").mock(
        return_value=httpx.Response(200, json={"value": []})
    )
    schedule = respx.post(f"{GRAPH}/me/calendar/getSchedule")
    assert await graph(http, sleeps).free_busy([OTHER], T0, T1) == []
    assert schedule.call_count == 0


@respx.mock
async def test_429_retry_after_then_success(http: httpx.AsyncClient, sleeps: Sleeps) -> None:
    respx.post(f"{GRAPH}/me/calendar/getSchedule").mock(
        side_effect=[
            httpx.Response(
                429,
                headers={"Retry-After": "2"},
                json={"error": {"code": "TooManyRequests", "message": "Please retry again later."}},
            ),
            graph_schedule("host@contoso.com"),
        ]
    )
    assert await graph(http, sleeps).free_busy([DEFAULT], T0, T1) == []
    assert sleeps == [2.0]
    respx.post(f"{GRAPH}/me/calendar/getSchedule").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "30"})
    )
    with pytest.raises(RateLimited) as caught:
        await graph(http, sleeps).free_busy([DEFAULT], T0, T1)
    assert caught.value.retry_after == 30.0


DRAFT = EventDraft(
    booking_id="bk_ms1",
    title="Intro with Jo",
    start=Z("2026-04-15T09:00:00Z"),
    end=Z("2026-04-15T09:30:00Z"),
    attendees=(("Jo", "jo@example.com"),),
)


@respx.mock
async def test_create_with_transaction_id_update_delete(
    http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    create = respx.post(f"{GRAPH}/me/calendars/AAMkDEF%3D/events").mock(
        return_value=httpx.Response(201, json={"id": "AAMkEVT=", "subject": "Intro with Jo"})
    )
    provider = graph(http, sleeps)
    assert await provider.create_event("AAMkDEF=", DRAFT) == "AAMkEVT="
    body = json.loads(create.calls.last.request.content)
    assert body["transactionId"] == graph_transaction_id("bk_ms1")
    assert "attendees" not in body  # Exchange would send its own invitations
    assert body["start"] == {"dateTime": "2026-04-15T09:00:00", "timeZone": "UTC"}
    patch = respx.patch(f"{GRAPH}/me/events/AAMkEVT%3D").mock(
        return_value=httpx.Response(200, json={"id": "AAMkEVT="})
    )
    assert await provider.update_event("AAMkDEF=", "AAMkEVT=", DRAFT) == "AAMkEVT="
    assert json.loads(patch.calls.last.request.content)["end"]["dateTime"] == "2026-04-15T09:30:00"
    respx.delete(f"{GRAPH}/me/events/AAMkEVT%3D").mock(return_value=httpx.Response(204))
    await provider.delete_event("AAMkDEF=", "AAMkEVT=")
    respx.delete(f"{GRAPH}/me/events/AAMkEVT%3D").mock(
        return_value=httpx.Response(
            404,
            json={
                "error": {
                    "code": "ErrorItemNotFound",
                    "message": "The specified object was not found in the store.",
                }
            },
        )
    )
    await provider.delete_event("AAMkDEF=", "AAMkEVT=")


@respx.mock
async def test_refresh_rotates_the_refresh_token() -> None:
    client = configured_oauth_client("microsoft", "mid", "ms")
    route = respx.post(MICROSOFT_TOKEN).mock(
        return_value=token_response("eyJ.new", refresh_token="M.R3.rotated")
    )
    async with httpx.AsyncClient() as http:
        tokens = await refresh(http, client, "M.R3.old", policy=RetryPolicy(attempts=1), now=T0)
    assert tokens.refresh_token == "M.R3.rotated"
    form = route.calls.last.request.content.decode()
    assert "offline_access" in form and "client_secret=ms" in form
