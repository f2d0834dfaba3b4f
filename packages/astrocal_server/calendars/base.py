"""The provider protocol every calendar backend implements, its value types and its errors.

Providers speak UTC-aware datetimes. Errors are typed so callers can decide without parsing text:
:class:`AuthFailed` (credentials rejected), :class:`ConnectionExpired` (the grant was revoked; the
user must connect again), :class:`RateLimited` / :class:`ProviderUnavailable` (transient; retry),
:class:`CalendarNotFound`, and :class:`ProviderError` for the rest.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

__all__ = [
    "AuthFailed",
    "BusyPeriod",
    "CalendarInfo",
    "CalendarNotFound",
    "CalendarProvider",
    "ConnectionExpired",
    "DiscoveryFailed",
    "EventDraft",
    "ProviderError",
    "ProviderUnavailable",
    "RateLimited",
    "Room",
    "RoomProvider",
]


@dataclass(frozen=True, order=True)
class BusyPeriod:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class CalendarInfo:
    id: str
    name: str
    primary: bool = False
    read_only: bool = False
    # The calendar's own zone, where the provider says (CalDAV ``calendar-timezone``): all-day
    # events block whole days in it.
    time_zone: str | None = None
    # CalDAV calendars shared with "read free/busy" only: calendar-query is refused there, so busy
    # times come from free-busy-query.
    free_busy_only: bool = False

    @classmethod
    def from_record(cls, record: dict[str, object]) -> CalendarInfo:
        return cls(
            id=str(record["id"]),
            name=str(record.get("name") or record["id"]),
            primary=bool(record.get("primary", False)),
            read_only=bool(record.get("read_only", False)),
            time_zone=str(record["time_zone"]) if record.get("time_zone") else None,
            free_busy_only=bool(record.get("free_busy_only", False)),
        )

    def to_api(self) -> dict[str, object]:
        """The calendar as a connection lists it (``Calendar`` in ``openapi.yaml``)."""
        return {
            "id": self.id,
            "name": self.name,
            "primary": self.primary,
            "read_only": self.read_only,
        }

    def to_record(self) -> dict[str, object]:
        """What a connection row stores of the calendar: :meth:`from_record` reads it back."""
        out = self.to_api()
        if self.time_zone:
            out["time_zone"] = self.time_zone
        if self.free_busy_only:
            out["free_busy_only"] = True
        return out


@dataclass(frozen=True)
class EventDraft:
    """What a booking looks like in the host's calendar."""

    booking_id: str
    title: str
    start: datetime
    end: datetime
    description: str = ""
    location: str | None = None
    # (name, email) of the invitee and guests; shown on the event, but we send the invitations
    # ourselves, so providers are told not to.
    attendees: Sequence[tuple[str | None, str]] = field(default_factory=tuple)
    sequence: int = 0
    uid: str = ""

    @property
    def ical_uid(self) -> str:
        return self.uid or f"{self.booking_id}@astrocal"


class ProviderError(Exception):
    """A provider call failed in a way retrying will not fix by itself."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class AuthFailed(ProviderError):
    """The provider rejected the credentials (wrong password, revoked access token)."""


class ConnectionExpired(AuthFailed):
    """The refresh token is no longer valid (``invalid_grant``): the user has to connect again."""


class DiscoveryFailed(ProviderError):
    """The server could not be reached or does not look like the service we expected (CalDAV)."""


class CalendarNotFound(ProviderError):
    """The calendar (or event) does not exist any more, or this account cannot see it."""


class ProviderUnavailable(ProviderError):
    """A transient failure: network error, timeout, 5xx."""

    retryable = True

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class RateLimited(ProviderUnavailable):
    """The provider throttled us (429, 503 with Retry-After, Google 403 rateLimitExceeded)."""


class CalendarProvider(Protocol):
    name: str

    async def list_calendars(self) -> list[CalendarInfo]: ...

    async def free_busy(
        self,
        calendars: Sequence[CalendarInfo],
        start: datetime,
        end: datetime,
        *,
        ignore_uids: Collection[str] = (),
    ) -> list[BusyPeriod]:
        """Busy periods across ``calendars`` in ``[start, end)``; raises on any calendar's failure.

        Providers that see individual events (CalDAV) skip those whose iCalendar UID is in
        ``ignore_uids``; free/busy-only APIs (Google, Microsoft) cannot, and ignore it."""
        ...

    async def create_event(self, calendar_id: str, event: EventDraft) -> str:
        """Create the event (idempotently, keyed by the booking id); returns the provider's event id."""
        ...

    async def update_event(self, calendar_id: str, event_id: str, event: EventDraft) -> str: ...

    async def delete_event(self, calendar_id: str, event_id: str) -> None:
        """Delete the event; an event that is already gone counts as deleted."""
        ...


@dataclass(frozen=True)
class Room:
    """A booking's video room as its provider last answered: ``pending`` (asked, not made yet),
    ``success`` (``join_url`` set) or ``failure`` (the provider will not make one)."""

    status: Literal["pending", "success", "failure"]
    join_url: str | None = None


class RoomProvider(CalendarProvider, Protocol):
    """A provider that makes a video room with the event (Google Meet, Microsoft Teams)."""

    async def create_event_with_room(self, calendar_id: str, event: EventDraft) -> tuple[str, Room]:
        """Create the event asking for a room, idempotently per booking: a retried create never
        asks for a second room. Returns the event id and the room as the answer had it."""
        ...

    async def room(self, calendar_id: str, event_id: str) -> Room:
        """The room of an event created by :meth:`create_event_with_room`."""
        ...
