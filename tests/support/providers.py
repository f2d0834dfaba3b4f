"""Google and Microsoft faked with respx: their URLs, answers shaped like their documented ones,
and the fixtures the provider tests share.

Fixtures: ``fake`` (a respx router that lets loopback through, for the real Radicale and the app),
``http`` (a plain client for a provider under test) and ``sleeps`` (a retry policy's sleep that
records the delays instead of waiting). ``T0``–``T1`` is the week the provider tests ask about;
``configured_oauth_client`` is a provider's OAuth client as the server builds it from settings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
import respx
from astrocal_server.calendars.oauth import OAuthClient, oauth_client
from astrocal_server.config import Settings

GOOGLE_API = "https://www.googleapis.com/calendar/v3"
GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"
GRAPH = "https://graph.microsoft.com/v1.0"
MICROSOFT_TOKEN = "https://login.microsoftonline.com/common/oauth2/v2.0/token"
# The week the provider tests ask about (Monday 2026-04-13 to the next Monday, UTC).
T0 = datetime(2026, 4, 13, tzinfo=UTC)
T1 = datetime(2026, 4, 20, tzinfo=UTC)

Span = tuple[str, str]  # (start, end) as the provider writes them


class Sleeps(list[float]):
    """A retry policy's ``sleep``: records each delay and returns at once."""

    async def __call__(self, delay: float) -> None:
        self.append(delay)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def fake() -> Iterator[respx.MockRouter]:
    """Google and Microsoft faked; loopback (the real Radicale, the app) passes through."""
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        yield router


def configured_oauth_client(provider: str, client_id: str, client_secret: str) -> OAuthClient:
    """``provider``'s OAuth client from settings that configure it with this id and secret."""
    fields = {f"{provider}_client_id": client_id, f"{provider}_client_secret": client_secret}
    client = oauth_client(Settings(**fields, _env_file=None), provider)  # type: ignore[call-arg]
    assert client is not None
    return client


def token_response(access_token: str, **fields: object) -> httpx.Response:
    """A 200 from an OAuth token endpoint; ``fields`` add to or replace the defaults."""
    body = {"token_type": "Bearer", "expires_in": 3600, "access_token": access_token, **fields}
    return httpx.Response(200, json=body)


def oauth_error(error: str, description: str, status: int = 400) -> httpx.Response:
    """An OAuth token endpoint's refusal, such as ``invalid_grant`` (RFC 6749 section 5.2)."""
    return httpx.Response(status, json={"error": error, "error_description": description})


def google_error(
    status: int,
    message: str | None = None,
    *,
    reason: str | None = None,
    domain: str = "global",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """Google's error body: ``{"error": {"code", "message", "errors": [{domain, reason}]}}``."""
    error: dict[str, object] = {"code": status}
    if reason is not None:
        detail = {"domain": domain, "reason": reason}
        error["errors"] = [detail if message is None else {**detail, "message": message}]
    if message is not None:
        error["message"] = message
    return httpx.Response(status, headers=headers, json={"error": error})


def google_free_busy(busy: dict[str, list[Span]], **fields: object) -> httpx.Response:
    """A 200 ``freeBusy`` answer: each calendar's busy spans."""
    calendars = {
        calendar_id: {"busy": [{"start": start, "end": end} for start, end in spans]}
        for calendar_id, spans in busy.items()
    }
    return httpx.Response(200, json={**fields, "calendars": calendars})


def graph_schedule(schedule_id: str, *items: dict[str, object], **fields: object) -> httpx.Response:
    """A 200 ``getSchedule`` answer with one schedule (``fields`` add to it)."""
    schedule = {"scheduleId": schedule_id, **fields, "scheduleItems": list(items)}
    return httpx.Response(200, json={"value": [schedule]})


def graph_item(status: str, start: str, end: str) -> dict[str, object]:
    """A ``getSchedule`` item in UTC (the ``Prefer: outlook.timezone`` the provider asks for)."""
    return {
        "isPrivate": False,
        "status": status,
        "subject": "x",
        "start": {"dateTime": start, "timeZone": "UTC"},
        "end": {"dateTime": end, "timeZone": "UTC"},
    }


def graph_calendars(*calendars: tuple[str, str, bool, bool]) -> httpx.Response:
    """A 200 ``GET /me/calendars`` answer: each calendar (id, name, is default, can edit)."""
    value = [
        {"id": cid, "name": name, "isDefaultCalendar": default, "canEdit": can_edit}
        for cid, name, default, can_edit in calendars
    ]
    return httpx.Response(200, json={"value": value})


MEET_URL = "https://meet.google.com/abc-defg-hij"
TEAMS_URL = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_Yzc4%40thread.v2/0"


def google_meet_event(
    event_id: str, request_id: str, status: str, *, uri: str = MEET_URL
) -> dict[str, object]:
    """An event resource as ``events.insert`` / ``events.get`` answer it with
    ``conferenceDataVersion=1``: the create request and its ``statusCode`` (``pending``,
    ``success``, ``failure``); a made room adds its entry points and ``hangoutLink``."""
    conference: dict[str, object] = {
        "createRequest": {
            "requestId": request_id,
            "conferenceSolutionKey": {"type": "hangoutsMeet"},
            "status": {"statusCode": status},
        }
    }
    event: dict[str, object] = {
        "kind": "calendar#event",
        "id": event_id,
        "status": "confirmed",
        "conferenceData": conference,
    }
    if status == "success":
        code = uri.rsplit("/", 1)[-1]
        conference.update(
            entryPoints=[
                {"entryPointType": "video", "uri": uri, "label": uri.removeprefix("https://")},
                {"entryPointType": "phone", "uri": "tel:+1-555-0100", "pin": "123456789"},
            ],
            conferenceSolution={"key": {"type": "hangoutsMeet"}, "name": "Google Meet"},
            conferenceId=code,
        )
        event["hangoutLink"] = uri
    return event


def graph_teams_event(event_id: str, join_url: str | None, **fields: object) -> dict[str, object]:
    """An event as Graph answers it when created with ``isOnlineMeeting``; ``onlineMeeting`` is
    null until Teams made the meeting."""
    return {
        "id": event_id,
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
        "onlineMeeting": None if join_url is None else {"joinUrl": join_url},
        **fields,
    }
