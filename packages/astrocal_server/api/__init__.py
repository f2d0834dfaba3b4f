"""HTTP routers, one module per resource. Add yours to :data:`ROUTERS` with one line."""

from __future__ import annotations

from fastapi import APIRouter

from astrocal_server.api import (
    accounts,
    api_keys,
    availability,
    bookings,
    calendar_connections,
    event_types,
    holds,
    hosts,
    invitee,
    mcp,
    meta,
    pages,
    schedules,
    usage,
    waitlist,
    webhooks,
)

__all__ = ["ROUTERS"]

# Routes are matched in this order, one by one: the hottest reads (the account, availability)
# come first. No other router has a path availability's could match, so nothing else changes.
ROUTERS: list[APIRouter] = [
    meta.router,
    accounts.router,
    availability.router,
    api_keys.router,
    hosts.router,
    schedules.router,
    event_types.router,
    bookings.router,
    holds.router,
    waitlist.router,  # also /v1/invitee/waitlist/{token}: the token is the credential
    invitee.router,  # /v1/invitee/…: the token is the credential, no API key
    usage.router,
    webhooks.router,
    mcp.router,  # /mcp: the MCP tools over streamable HTTP, same API keys
    calendar_connections.router,
    pages.router,  # /manage/{token}…: the invitee pages (HTML, no API key)
]
