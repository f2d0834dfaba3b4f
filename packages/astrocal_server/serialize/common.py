"""What every API object's serialiser shares: timestamps and omitted optionals.

Serialisers turn domain objects into the contract's JSON (``openapi.yaml``), one module per
resource. They are pure and framework-free, because the same shapes travel over HTTP, in webhook
payloads and in emails. Times are RFC 3339 UTC with ``Z`` and second precision; absent optional
fields are omitted, not null (only fields the contract declares nullable are ever ``null``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

__all__ = ["format_datetime", "put"]


def format_datetime(value: datetime) -> str:
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    if value.year < 1000:  # strftime's %Y does not pad; isoformat does
        return value.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    # The same text as the strftime above, in half the time (a booking formats a dozen).
    return value.isoformat(timespec="seconds")[:19] + "Z"


def put(out: dict[str, Any], key: str, value: Any) -> None:
    """Set ``out[key]`` unless ``value`` is None (optional fields are omitted, not null)."""
    if value is not None:
        out[key] = value
