"""One resource class per API area, and its four views: ``Bookings`` (``Astrocal``'s),
``AsyncBookings`` (``AsyncAstrocal``'s), and their ``with_raw_response`` twins.

Each area's class (``BookingsAPI``, in its module here) declares the operations once, generic in
the mode; the views below name it in each mode.
"""

from __future__ import annotations

from astrocal_sdk._endpoint import Async, AsyncRaw, Sync, SyncRaw
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
from astrocal_sdk.resources.webhooks import DeliveriesAPI, WebhooksAPI

__all__ = [
    "AccountAPI",
    "AccountResource",
    "AccountResourceWithRawResponse",
    "Accounts",
    "AccountsAPI",
    "AccountsWithRawResponse",
    "ApiKeys",
    "ApiKeysAPI",
    "ApiKeysWithRawResponse",
    "AsyncAccountResource",
    "AsyncAccountResourceWithRawResponse",
    "AsyncAccounts",
    "AsyncAccountsWithRawResponse",
    "AsyncApiKeys",
    "AsyncApiKeysWithRawResponse",
    "AsyncAvailabilityResource",
    "AsyncAvailabilityResourceWithRawResponse",
    "AsyncBookings",
    "AsyncBookingsWithRawResponse",
    "AsyncCalendarConnections",
    "AsyncCalendarConnectionsWithRawResponse",
    "AsyncDeliveries",
    "AsyncDeliveriesWithRawResponse",
    "AsyncEventTypes",
    "AsyncEventTypesWithRawResponse",
    "AsyncHolds",
    "AsyncHoldsWithRawResponse",
    "AsyncHosts",
    "AsyncHostsWithRawResponse",
    "AsyncInviteeResource",
    "AsyncInviteeResourceWithRawResponse",
    "AsyncInviteeWaitlist",
    "AsyncInviteeWaitlistWithRawResponse",
    "AsyncSchedules",
    "AsyncSchedulesWithRawResponse",
    "AsyncUsageResource",
    "AsyncUsageResourceWithRawResponse",
    "AsyncWaitlist",
    "AsyncWaitlistWithRawResponse",
    "AsyncWebhooks",
    "AsyncWebhooksWithRawResponse",
    "AvailabilityAPI",
    "AvailabilityResource",
    "AvailabilityResourceWithRawResponse",
    "Bookings",
    "BookingsAPI",
    "BookingsWithRawResponse",
    "CalendarConnections",
    "CalendarConnectionsAPI",
    "CalendarConnectionsWithRawResponse",
    "Deliveries",
    "DeliveriesAPI",
    "DeliveriesWithRawResponse",
    "EventTypes",
    "EventTypesAPI",
    "EventTypesWithRawResponse",
    "Holds",
    "HoldsAPI",
    "HoldsWithRawResponse",
    "Hosts",
    "HostsAPI",
    "HostsWithRawResponse",
    "InviteeAPI",
    "InviteeResource",
    "InviteeResourceWithRawResponse",
    "InviteeWaitlist",
    "InviteeWaitlistAPI",
    "InviteeWaitlistWithRawResponse",
    "Schedules",
    "SchedulesAPI",
    "SchedulesWithRawResponse",
    "UsageAPI",
    "UsageResource",
    "UsageResourceWithRawResponse",
    "Waitlist",
    "WaitlistAPI",
    "WaitlistWithRawResponse",
    "Webhooks",
    "WebhooksAPI",
    "WebhooksWithRawResponse",
]

AccountResource = AccountAPI[Sync]
AsyncAccountResource = AccountAPI[Async]
AccountResourceWithRawResponse = AccountAPI[SyncRaw]
AsyncAccountResourceWithRawResponse = AccountAPI[AsyncRaw]
Accounts = AccountsAPI[Sync]
AsyncAccounts = AccountsAPI[Async]
AccountsWithRawResponse = AccountsAPI[SyncRaw]
AsyncAccountsWithRawResponse = AccountsAPI[AsyncRaw]
UsageResource = UsageAPI[Sync]
AsyncUsageResource = UsageAPI[Async]
UsageResourceWithRawResponse = UsageAPI[SyncRaw]
AsyncUsageResourceWithRawResponse = UsageAPI[AsyncRaw]
ApiKeys = ApiKeysAPI[Sync]
AsyncApiKeys = ApiKeysAPI[Async]
ApiKeysWithRawResponse = ApiKeysAPI[SyncRaw]
AsyncApiKeysWithRawResponse = ApiKeysAPI[AsyncRaw]
AvailabilityResource = AvailabilityAPI[Sync]
AsyncAvailabilityResource = AvailabilityAPI[Async]
AvailabilityResourceWithRawResponse = AvailabilityAPI[SyncRaw]
AsyncAvailabilityResourceWithRawResponse = AvailabilityAPI[AsyncRaw]
Bookings = BookingsAPI[Sync]
AsyncBookings = BookingsAPI[Async]
BookingsWithRawResponse = BookingsAPI[SyncRaw]
AsyncBookingsWithRawResponse = BookingsAPI[AsyncRaw]
CalendarConnections = CalendarConnectionsAPI[Sync]
AsyncCalendarConnections = CalendarConnectionsAPI[Async]
CalendarConnectionsWithRawResponse = CalendarConnectionsAPI[SyncRaw]
AsyncCalendarConnectionsWithRawResponse = CalendarConnectionsAPI[AsyncRaw]
EventTypes = EventTypesAPI[Sync]
AsyncEventTypes = EventTypesAPI[Async]
EventTypesWithRawResponse = EventTypesAPI[SyncRaw]
AsyncEventTypesWithRawResponse = EventTypesAPI[AsyncRaw]
Holds = HoldsAPI[Sync]
AsyncHolds = HoldsAPI[Async]
HoldsWithRawResponse = HoldsAPI[SyncRaw]
AsyncHoldsWithRawResponse = HoldsAPI[AsyncRaw]
Hosts = HostsAPI[Sync]
AsyncHosts = HostsAPI[Async]
HostsWithRawResponse = HostsAPI[SyncRaw]
AsyncHostsWithRawResponse = HostsAPI[AsyncRaw]
InviteeResource = InviteeAPI[Sync]
AsyncInviteeResource = InviteeAPI[Async]
InviteeResourceWithRawResponse = InviteeAPI[SyncRaw]
AsyncInviteeResourceWithRawResponse = InviteeAPI[AsyncRaw]
Schedules = SchedulesAPI[Sync]
AsyncSchedules = SchedulesAPI[Async]
SchedulesWithRawResponse = SchedulesAPI[SyncRaw]
AsyncSchedulesWithRawResponse = SchedulesAPI[AsyncRaw]
Waitlist = WaitlistAPI[Sync]
AsyncWaitlist = WaitlistAPI[Async]
WaitlistWithRawResponse = WaitlistAPI[SyncRaw]
AsyncWaitlistWithRawResponse = WaitlistAPI[AsyncRaw]
InviteeWaitlist = InviteeWaitlistAPI[Sync]
AsyncInviteeWaitlist = InviteeWaitlistAPI[Async]
InviteeWaitlistWithRawResponse = InviteeWaitlistAPI[SyncRaw]
AsyncInviteeWaitlistWithRawResponse = InviteeWaitlistAPI[AsyncRaw]
Deliveries = DeliveriesAPI[Sync]
AsyncDeliveries = DeliveriesAPI[Async]
DeliveriesWithRawResponse = DeliveriesAPI[SyncRaw]
AsyncDeliveriesWithRawResponse = DeliveriesAPI[AsyncRaw]
Webhooks = WebhooksAPI[Sync]
AsyncWebhooks = WebhooksAPI[Async]
WebhooksWithRawResponse = WebhooksAPI[SyncRaw]
AsyncWebhooksWithRawResponse = WebhooksAPI[AsyncRaw]
