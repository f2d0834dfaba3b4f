"""The API areas every client offers, declared once for ``Astrocal``, ``AsyncAstrocal`` and their
``with_raw_response`` views: the mode ``M`` decides what the methods return."""

from __future__ import annotations

from typing import Generic

from astrocal_sdk._endpoint import M, Transport
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
        self.account = AccountAPI(client, raw=raw)
        self.accounts = AccountsAPI(client, raw=raw)
        self.api_keys = ApiKeysAPI(client, raw=raw)
        self.usage = UsageAPI(client, raw=raw)
        self.hosts = HostsAPI(client, raw=raw)
        self.schedules = SchedulesAPI(client, raw=raw)
        self.event_types = EventTypesAPI(client, raw=raw)
        self.availability = AvailabilityAPI(client, raw=raw)
        self.bookings = BookingsAPI(client, raw=raw)
        self.holds = HoldsAPI(client, raw=raw)
        self.waitlist = WaitlistAPI(client, raw=raw)
        self.invitee = InviteeAPI(client, raw=raw)
        self.invitee_waitlist = InviteeWaitlistAPI(client, raw=raw)
        self.webhooks = WebhooksAPI(client, raw=raw)
        self.calendar_connections = CalendarConnectionsAPI(client, raw=raw)
