"""Where a meeting happens (pure; no I/O): the location types whose room is made per booking, and
the one line a location reads as in emails, invites, calendar events and the invitee's page.

``google_meet`` and ``microsoft_teams`` carry no ``value``: a booking's room is made by the provider
of a destination calendar (``calendars/writeback.py``) and its link kept as the booking's
``location.join_url``. Until then (or when no room could be made) the location reads as the
service's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ROOM_PROVIDERS", "location_text", "room_kind"]

# Location type → the calendar provider that makes its room.
ROOM_PROVIDERS: Mapping[str, str] = {"google_meet": "google", "microsoft_teams": "microsoft"}
_ROOM_NAMES = {"google_meet": "Google Meet", "microsoft_teams": "Microsoft Teams"}


def room_kind(location: Any) -> str | None:
    """The location's type when its room is made per booking, else ``None``."""
    if isinstance(location, Mapping) and location.get("type") in ROOM_PROVIDERS:
        return str(location["type"])
    return None


def location_text(location: Any) -> str | None:
    """The join link, else the fixed value, else the room service's name; ``None`` for none."""
    if not isinstance(location, Mapping):
        return None
    for key in ("join_url", "value"):
        value = location.get(key)
        if isinstance(value, str) and value:
            return value
    return _ROOM_NAMES.get(str(location.get("type")))
