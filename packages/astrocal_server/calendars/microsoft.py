"""Microsoft Graph (Outlook / Microsoft 365): calendars, busy times, one event per booking.

Busy times: ``getSchedule`` for work/school accounts — it answers for the mailbox (the default
calendar), at most 62 days per call — and ``calendarView`` for personal accounts (where
``getSchedule`` is not available) and for non-default calendars. Times are asked for in UTC
(``Prefer: outlook.timezone="UTC"``). ``showAs`` free / workingElsewhere and cancelled events do not
block. Writes: ``POST /me/calendars/{id}/events`` with a ``transactionId`` derived from the booking,
which Graph uses to drop a duplicate create; no attendees (Exchange would send its own invitations).
Teams rooms: the create carries ``isOnlineMeeting`` and ``onlineMeetingProvider: teamsForBusiness``;
the answer's ``onlineMeeting.joinUrl`` may still be null (read the event again later), and an
event answered with ``isOnlineMeeting: false`` got no room (the calendar does not allow Teams).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

from astrocal_server.calendars import ical
from astrocal_server.calendars.base import (
    BusyPeriod,
    CalendarInfo,
    EventDraft,
    ProviderError,
    ProviderUnavailable,
    Room,
)
from astrocal_server.calendars.http import BearerApi, error_for

__all__ = ["MicrosoftProvider", "graph_transaction_id"]

_NOT_BUSY = frozenset({"free", "workingelsewhere", "unknown"})
_SCHEDULE_SPAN = timedelta(days=62)
_TRANSACTION_NS = uuid.UUID("6f1d0f3e-0b7e-4a55-9d1e-3f0c2d5b8a11")


def graph_transaction_id(booking_id: str) -> str:
    return str(uuid.uuid5(_TRANSACTION_NS, booking_id))


def _graph_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _parse_graph_time(value: dict[str, Any]) -> datetime:
    text = str(value["dateTime"])
    head, _, fraction = text.partition(".")  # Graph sends 7 fractional digits
    parsed = datetime.fromisoformat(head)
    if fraction:
        parsed = parsed.replace(microsecond=int(fraction[:6].ljust(6, "0")))
    zone = str(value.get("timeZone") or "UTC")
    if parsed.tzinfo is None:
        if zone.upper() in ("UTC", "COORDINATED UNIVERSAL TIME", "Z"):
            parsed = parsed.replace(tzinfo=UTC)
        else:
            from zoneinfo import ZoneInfo

            parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed.astimezone(UTC)


class MicrosoftProvider(BearerApi):
    name = "microsoft"
    label = "Microsoft Graph"

    base_url = "https://graph.microsoft.com/v1.0"
    headers: ClassVar[dict[str, str]] = {"Prefer": 'outlook.timezone="UTC"'}

    def __init__(
        self,
        access_token: str,
        *,
        account_kind: str = "work",
        mailbox: str | None = None,
        **api: Any,
    ) -> None:
        """``account_kind``: ``work`` or ``personal``; ``api``: :class:`BearerApi`'s keywords."""
        super().__init__(access_token, **api)
        self.account_kind = account_kind
        self.mailbox = mailbox

    async def me(self) -> dict[str, Any]:
        response = await self._call("GET", "/me", params={"$select": "mail,userPrincipalName"})
        if response.status_code != 200:
            raise error_for(response, "Microsoft Graph", "reading the signed-in user")
        body: dict[str, Any] = response.json()
        return body

    async def _pages(self, url: str, params: dict[str, str] | None, what: str) -> list[Any]:
        items: list[Any] = []
        next_url: str | None = url
        while next_url:
            response = await self._call("GET", next_url, params=params)
            if response.status_code != 200:
                raise error_for(response, "Microsoft Graph", what)
            body = response.json()
            items += body.get("value", [])
            next_url = body.get("@odata.nextLink")
            params = None  # the next link carries them
        return items

    async def list_calendars(self) -> list[CalendarInfo]:
        items = await self._pages(
            "/me/calendars",
            {"$select": "id,name,isDefaultCalendar,canEdit", "$top": "100"},
            "listing calendars",
        )
        return [
            CalendarInfo(
                id=str(item["id"]),
                name=str(item.get("name") or item["id"]),
                primary=bool(item.get("isDefaultCalendar", False)),
                read_only=not item.get("canEdit", True),
            )
            for item in items
        ]

    async def busy_periods(
        self, calendars: Sequence[CalendarInfo], start: datetime, end: datetime
    ) -> list[BusyPeriod]:
        periods: list[BusyPeriod] = []
        for calendar in calendars:
            if self.account_kind == "work" and calendar.primary and self.mailbox:
                periods += await self._schedule(start, end)
            else:
                periods += await self._calendar_view(calendar.id, start, end)
        return ical.merge_periods(periods)

    async def _schedule(self, start: datetime, end: datetime) -> list[BusyPeriod]:
        out: list[BusyPeriod] = []
        chunk_start = start
        while chunk_start < end:
            chunk_end = min(end, chunk_start + _SCHEDULE_SPAN)
            response = await self._call(
                "POST",
                "/me/calendar/getSchedule",
                json={
                    "schedules": [self.mailbox],
                    "startTime": {"dateTime": _graph_time(chunk_start), "timeZone": "UTC"},
                    "endTime": {"dateTime": _graph_time(chunk_end), "timeZone": "UTC"},
                    "availabilityViewInterval": 15,
                },
            )
            if response.status_code != 200:
                raise error_for(response, "Microsoft Graph", "getSchedule")
            for schedule in response.json().get("value", []):
                error = schedule.get("error")
                if error:
                    raise ProviderError(
                        f"Microsoft could not read the schedule of {schedule.get('scheduleId')}: "
                        f"{error.get('message') or error.get('responseCode')}"
                    )
                for item in schedule.get("scheduleItems", []):
                    if str(item.get("status", "busy")).lower() in _NOT_BUSY:
                        continue
                    out += _clip(item["start"], item["end"], chunk_start, chunk_end)
            chunk_start = chunk_end
        return out

    async def _calendar_view(
        self, calendar_id: str, start: datetime, end: datetime
    ) -> list[BusyPeriod]:
        items = await self._pages(
            f"/me/calendars/{quote(calendar_id, safe='')}/calendarView",
            {
                "startDateTime": _graph_time(start) + "Z",
                "endDateTime": _graph_time(end) + "Z",
                "$select": "showAs,start,end,isCancelled,isAllDay",
                "$top": "250",
            },
            f"reading calendar {calendar_id}",
        )
        out: list[BusyPeriod] = []
        for item in items:
            if item.get("isCancelled") or str(item.get("showAs", "busy")).lower() in _NOT_BUSY:
                continue
            out += _clip(item["start"], item["end"], start, end)
        return out

    def _event_body(self, event: EventDraft) -> dict[str, Any]:
        body: dict[str, Any] = {
            "subject": event.title,
            "body": {"contentType": "text", "content": ical.description_with_attendees(event)},
            "start": {"dateTime": _graph_time(event.start), "timeZone": "UTC"},
            "end": {"dateTime": _graph_time(event.end), "timeZone": "UTC"},
            "showAs": "busy",
        }
        if event.location:
            body["location"] = {"displayName": event.location}
        return body

    async def create_event(self, calendar_id: str, event: EventDraft) -> str:
        response = await self._call(
            "POST",
            f"/me/calendars/{quote(calendar_id, safe='')}/events",
            json={
                **self._event_body(event),
                "transactionId": graph_transaction_id(event.booking_id),
            },
        )
        if response.status_code in (200, 201):
            event_id = response.json().get("id")
            if not event_id:
                raise ProviderUnavailable("Microsoft Graph created an event without an id")
            return str(event_id)
        raise error_for(response, "Microsoft Graph", "creating the event")

    async def create_event_with_room(self, calendar_id: str, event: EventDraft) -> tuple[str, Room]:
        response = await self._call(
            "POST",
            f"/me/calendars/{quote(calendar_id, safe='')}/events",
            json={
                **self._event_body(event),
                "isOnlineMeeting": True,
                "onlineMeetingProvider": "teamsForBusiness",
                "transactionId": graph_transaction_id(event.booking_id),
            },
        )
        if response.status_code not in (200, 201):
            raise error_for(response, "Microsoft Graph", "creating the event")
        body = response.json()
        if not body.get("id"):
            raise ProviderUnavailable("Microsoft Graph created an event without an id")
        return str(body["id"]), _teams_room(body)

    async def room(self, calendar_id: str, event_id: str) -> Room:
        response = await self._call(
            "GET",
            f"/me/events/{quote(event_id, safe='')}",
            params={"$select": "isOnlineMeeting,onlineMeetingProvider,onlineMeeting"},
        )
        if response.status_code != 200:
            raise error_for(response, "Microsoft Graph", f"reading event {event_id}")
        return _teams_room(response.json())

    async def update_event(self, calendar_id: str, event_id: str, event: EventDraft) -> str:
        response = await self._call(
            "PATCH", f"/me/events/{quote(event_id, safe='')}", json=self._event_body(event)
        )
        if response.status_code == 200:
            return event_id
        raise error_for(response, "Microsoft Graph", f"updating event {event_id}")

    async def delete_event(self, calendar_id: str, event_id: str) -> None:
        response = await self._call("DELETE", f"/me/events/{quote(event_id, safe='')}")
        if response.status_code in (200, 204, 404, 410):
            return
        raise error_for(response, "Microsoft Graph", f"deleting event {event_id}")


def _teams_room(body: dict[str, Any]) -> Room:
    url = (body.get("onlineMeeting") or {}).get("joinUrl")
    if url:
        return Room("success", str(url))
    return Room("pending" if body.get("isOnlineMeeting", True) else "failure")


def _clip(
    start: dict[str, Any], end: dict[str, Any], lower: datetime, upper: datetime
) -> list[BusyPeriod]:
    s, e = _parse_graph_time(start), _parse_graph_time(end)
    s, e = max(s, lower), min(e, upper)
    return [BusyPeriod(s, e)] if e > s else []
