"""The API areas every client offers, declared once for ``Astrocal``, ``AsyncAstrocal`` and their
``with_raw_response`` views: the mode ``M`` decides what the methods return."""

from __future__ import annotations

from typing import Any, Generic, get_origin, get_type_hints

from astrocal_sdk._endpoint import APIResource, M, Transport
from astrocal_sdk.resources.account import AccountAPI, AccountsAPI, UsageAPI
from astrocal_sdk.resources.api_keys import ApiKeysAPI
from astrocal_sdk.resources.availability import AvailabilityAPI
from astrocal_sdk.resources.bookings import BookingsAPI
from astrocal_sdk.resources.calendar_connections import CalendarConnectionsAPI
from astrocal_sdk.resources.event_types import EventTypesAPI
from astrocal_sdk.resources.holds import HoldsAPI
from astrocal_sdk.resources.hosts import HostsAPI
from astrocal_sdk.resources.invitee import InviteeAPI
from astrocal_sdk.resources.schedules import SchedulesAPI
from astrocal_sdk.resources.waitlist import InviteeWaitlistAPI, WaitlistAPI
from astrocal_sdk.resources.webhooks import WebhooksAPI

__all__ = ["Resources"]


class Resources(Generic[M]):
    account: AccountAPI[M]
    accounts: AccountsAPI[M]
    api_keys: ApiKeysAPI[M]
    usage: UsageAPI[M]
    hosts: HostsAPI[M]
    schedules: SchedulesAPI[M]
    event_types: EventTypesAPI[M]
    availability: AvailabilityAPI[M]
    bookings: BookingsAPI[M]
    holds: HoldsAPI[M]
    waitlist: WaitlistAPI[M]
    invitee: InviteeAPI[M]
    invitee_waitlist: InviteeWaitlistAPI[M]
    webhooks: WebhooksAPI[M]
    calendar_connections: CalendarConnectionsAPI[M]

    def _attach_resources(self, client: Transport, *, raw: bool) -> None:
        for name, area in _AREAS.items():
            setattr(self, name, area(client, raw=raw))


# Each area annotated above, by attribute name: its class (``AccountAPI[M]`` → ``AccountAPI``).
_AREAS: dict[str, type[APIResource[Any]]] = {
    name: get_origin(hint) for name, hint in get_type_hints(Resources).items()
}
