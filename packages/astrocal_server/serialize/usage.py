"""The usage object: the plan, the current period and the bookings it has used."""

from __future__ import annotations

from typing import Any

from astrocal_server.accounts.plans import Usage
from astrocal_server.serialize.common import format_datetime

__all__ = ["usage_to_api"]


def usage_to_api(usage: Usage) -> dict[str, Any]:
    return {
        "plan": usage.plan,
        "period_start": format_datetime(usage.period_start),
        "period_end": format_datetime(usage.period_end),
        "bookings_used": usage.bookings_used,
        "bookings_limit": usage.bookings_limit,
        "requests_per_minute": usage.requests_per_minute,
    }
