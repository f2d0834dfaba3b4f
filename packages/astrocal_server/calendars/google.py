"""Google Calendar API v3: calendar list, ``freeBusy``, and one event per booking.

- ``freeBusy`` answers 200 even when a calendar failed: each calendar carries its own ``errors``
  (``notFound``, ``internalError``…), which are raised here rather than read as "free".
- ``events.insert`` takes our own event id (base32hex of the booking id), so a retried insert answers
  409 and counts as done; ``events.delete`` of an event already deleted answers 410 (done too).
- Meet rooms: the insert carries ``conferenceData.createRequest`` (with ``conferenceDataVersion=1``)
  whose ``requestId`` is derived from the booking id, so a retried insert never makes a second
  room; the answer's ``createRequest.status.statusCode`` is ``pending``, ``success`` or
  ``failure``, and a pending room is read again with ``events.get``. Updates (PATCH) leave
  ``conferenceData`` alone, so a rescheduled event keeps its room.
- ``sendUpdates=none`` on every write: Astrocal sends the invitations itself, and no attendees are
  put on the event, so guests never get a second invitation from Google.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from astrocal_server.calendars import ical
from astrocal_server.calendars.base import (
    BusyPeriod,
    CalendarInfo,
    CalendarNotFound,
    EventDraft,
    ProviderError,
    ProviderUnavailable,
    Room,
)
from astrocal_server.calendars.http import BearerApi, error_for

__all__ = ["GoogleProvider", "google_event_id", "meet_request_id"]

_FREEBUSY_BATCH = 50  # Google's calendarExpansionMax
_READ_ONLY_ROLES = frozenset({"reader", "freeBusyReader"})


def google_event_id(booking_id: str) -> str:
    """Our id for the booking's event: base32hex (0-9a-v), as Google requires, of the booking id."""
    return base64.b32hexencode(booking_id.encode("utf-8")).decode("ascii").rstrip("=").lower()


def meet_request_id(booking_id: str) -> str:
    """The ``conferenceData.createRequest.requestId`` of the booking's Meet room: Google makes
    one room per request id, so every attempt for the booking asks with the same one."""
    return f"astrocal-{google_event_id(booking_id)}"


def _room(body: dict[str, Any]) -> Room:
    """The Meet room of an event resource: its video entry point (or ``hangoutLink``) once made."""
    data = body.get("conferenceData") or {}
    for entry in data.get("entryPoints") or []:
        if (entry.get("entryPointType") or entry.get("type")) == "video" and entry.get("uri"):
            return Room("success", str(entry["uri"]))
    if body.get("hangoutLink"):
        return Room("success", str(body["hangoutLink"]))
    status = ((data.get("createRequest") or {}).get("status") or {}).get("statusCode")
    # No conference data at all: the event was written without asking (an older row).
    return Room("pending" if status == "pending" else "failure")


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


class GoogleProvider(BearerApi):
    name = "google"
    label = "Google Calendar"
    base_url = "https://www.googleapis.com/calendar/v3"

    async def list_calendars(self) -> list[CalendarInfo]:
        out: list[CalendarInfo] = []
        params: dict[str, str] = {"minAccessRole": "freeBusyReader", "maxResults": "250"}
        while True:
            response = await self._call("GET", "/users/me/calendarList", params=params)
            if response.status_code != 200:
                raise error_for(response, "Google Calendar", "listing calendars")
            body = response.json()
            for item in body.get("items", []):
                out.append(
                    CalendarInfo(
                        id=str(item["id"]),
                        name=str(item.get("summaryOverride") or item.get("summary") or item["id"]),
                        primary=bool(item.get("primary", False)),
                        read_only=item.get("accessRole") in _READ_ONLY_ROLES,
                        time_zone=item.get("timeZone"),
                    )
                )
            token = body.get("nextPageToken")
            if not token:
                return out
            params = {**params, "pageToken": str(token)}

    async def busy_periods(
        self, calendars: Sequence[CalendarInfo], start: datetime, end: datetime
    ) -> list[BusyPeriod]:
        periods: list[BusyPeriod] = []
        ids = [c.id for c in calendars]
        for i in range(0, len(ids), _FREEBUSY_BATCH):
            batch = ids[i : i + _FREEBUSY_BATCH]
            response = await self._call(
                "POST",
                "/freeBusy",
                json={
                    "timeMin": _rfc3339(start),
                    "timeMax": _rfc3339(end),
                    "timeZone": "UTC",
                    "items": [{"id": cid} for cid in batch],
                },
            )
            if response.status_code != 200:
                raise error_for(response, "Google Calendar", "the free/busy query")
            found = response.json().get("calendars", {})
            for cid in batch:
                entry = found.get(cid)
                if entry is None:
                    raise ProviderError(f"Google's free/busy answer left out calendar {cid}")
                _raise_calendar_errors(cid, entry.get("errors") or [])
                for item in entry.get("busy", []):
                    s, e = _parse_time(item["start"]), _parse_time(item["end"])
                    if e > s:
                        periods.append(BusyPeriod(max(s, start), min(e, end)))
        return ical.merge_periods(periods)

    def _event_body(self, event: EventDraft) -> dict[str, Any]:
        body: dict[str, Any] = {
            "summary": event.title,
            "description": ical.description_with_attendees(event),
            "start": {"dateTime": _rfc3339(event.start), "timeZone": "UTC"},
            "end": {"dateTime": _rfc3339(event.end), "timeZone": "UTC"},
            "transparency": "opaque",
            "status": "confirmed",
            "sequence": event.sequence,
            "extendedProperties": {"private": {"astrocal_booking_id": event.booking_id}},
        }
        if event.location:
            body["location"] = event.location
        return body

    async def create_event(self, calendar_id: str, event: EventDraft) -> str:
        event_id = google_event_id(event.booking_id)
        response = await self._call(
            "POST",
            f"/calendars/{quote(calendar_id, safe='')}/events",
            params={"sendUpdates": "none"},
            json={"id": event_id, **self._event_body(event)},
        )
        if response.status_code in (200, 201, 409):  # 409: our id exists — an earlier attempt
            return event_id
        raise error_for(response, "Google Calendar", f"creating event {event_id}")

    def _room_request(self, booking_id: str) -> dict[str, Any]:
        return {
            "createRequest": {
                "requestId": meet_request_id(booking_id),
                "conferenceSolutionKey": {"type": "hangoutsMeet"},
            }
        }

    async def create_event_with_room(self, calendar_id: str, event: EventDraft) -> tuple[str, Room]:
        event_id = google_event_id(event.booking_id)
        events = f"/calendars/{quote(calendar_id, safe='')}/events"
        response = await self._call(
            "POST",
            events,
            params={"sendUpdates": "none", "conferenceDataVersion": "1"},
            json={
                "id": event_id,
                **self._event_body(event),
                "conferenceData": self._room_request(event.booking_id),
            },
        )
        if response.status_code in (200, 201):
            return event_id, _room(response.json())
        if response.status_code != 409:
            raise error_for(response, "Google Calendar", f"creating event {event_id}")
        # An earlier attempt wrote the event: read its room, and ask for one (same request id,
        # so still one room) if that attempt did not.
        existing = await self._get_event(calendar_id, event_id)
        if existing.get("conferenceData"):
            return event_id, _room(existing)
        response = await self._call(
            "PATCH",
            f"{events}/{quote(event_id, safe='')}",
            params={"sendUpdates": "none", "conferenceDataVersion": "1"},
            json={"conferenceData": self._room_request(event.booking_id)},
        )
        if response.status_code == 200:
            return event_id, _room(response.json())
        raise error_for(response, "Google Calendar", f"adding a Meet room to event {event_id}")

    async def _get_event(self, calendar_id: str, event_id: str) -> dict[str, Any]:
        response = await self._call(
            "GET", f"/calendars/{quote(calendar_id, safe='')}/events/{quote(event_id, safe='')}"
        )
        if response.status_code != 200:
            raise error_for(response, "Google Calendar", f"reading event {event_id}")
        body: dict[str, Any] = response.json()
        return body

    async def room(self, calendar_id: str, event_id: str) -> Room:
        return _room(await self._get_event(calendar_id, event_id))

    async def update_event(self, calendar_id: str, event_id: str, event: EventDraft) -> str:
        body = self._event_body(event)
        body.pop("sequence")  # Google manages the sequence of events it stores
        response = await self._call(
            "PATCH",
            f"/calendars/{quote(calendar_id, safe='')}/events/{quote(event_id, safe='')}",
            params={"sendUpdates": "none"},
            json=body,
        )
        if response.status_code == 200:
            return event_id
        raise error_for(response, "Google Calendar", f"updating event {event_id}")

    async def delete_event(self, calendar_id: str, event_id: str) -> None:
        response = await self._call(
            "DELETE",
            f"/calendars/{quote(calendar_id, safe='')}/events/{quote(event_id, safe='')}",
            params={"sendUpdates": "none"},
        )
        if response.status_code in (200, 204, 404, 410):  # 410: deleted already
            return
        raise error_for(response, "Google Calendar", f"deleting event {event_id}")


def _raise_calendar_errors(calendar_id: str, errors: list[dict[str, Any]]) -> None:
    if not errors:
        return
    reasons = ", ".join(str(e.get("reason", "unknown")) for e in errors)
    if any(e.get("reason") == "notFound" for e in errors):
        raise CalendarNotFound(f"Google calendar {calendar_id} was not found ({reasons})")
    if any(e.get("reason") in ("backendError", "internalError") for e in errors):
        raise ProviderUnavailable(f"Google could not read calendar {calendar_id} ({reasons})")
    raise ProviderError(f"Google could not read calendar {calendar_id} ({reasons})")
