"""One resource class per API area (sync, async, and their raw-response twins)."""

from __future__ import annotations

from astrocal_sdk.resources.account import (
    AccountResource,
    Accounts,
    AsyncAccountResource,
    AsyncAccounts,
    AsyncUsageResource,
    UsageResource,
)
from astrocal_sdk.resources.api_keys import ApiKeys, AsyncApiKeys
from astrocal_sdk.resources.availability import AsyncAvailabilityResource, AvailabilityResource
from astrocal_sdk.resources.bookings import AsyncBookings, Bookings
from astrocal_sdk.resources.calendar_connections import (
    AsyncCalendarConnections,
    CalendarConnections,
)
from astrocal_sdk.resources.event_types import AsyncEventTypes, EventTypes
from astrocal_sdk.resources.holds import AsyncHolds, Holds
from astrocal_sdk.resources.hosts import AsyncHosts, Hosts
from astrocal_sdk.resources.invitee import AsyncInviteeResource, InviteeResource
from astrocal_sdk.resources.schedules import AsyncSchedules, Schedules
from astrocal_sdk.resources.waitlist import (
    AsyncInviteeWaitlist,
    AsyncWaitlist,
    InviteeWaitlist,
    Waitlist,
)
from astrocal_sdk.resources.webhooks import AsyncDeliveries, AsyncWebhooks, Deliveries, Webhooks

__all__ = [
    "AccountResource",
    "Accounts",
    "ApiKeys",
    "AsyncAccountResource",
    "AsyncAccounts",
    "AsyncApiKeys",
    "AsyncAvailabilityResource",
    "AsyncBookings",
    "AsyncCalendarConnections",
    "AsyncDeliveries",
    "AsyncEventTypes",
    "AsyncHolds",
    "AsyncHosts",
    "AsyncInviteeResource",
    "AsyncInviteeWaitlist",
    "AsyncSchedules",
    "AsyncUsageResource",
    "AsyncWaitlist",
    "AsyncWebhooks",
    "AvailabilityResource",
    "Bookings",
    "CalendarConnections",
    "Deliveries",
    "EventTypes",
    "Holds",
    "Hosts",
    "InviteeResource",
    "InviteeWaitlist",
    "Schedules",
    "UsageResource",
    "Waitlist",
    "Webhooks",
]
