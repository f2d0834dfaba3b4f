"""Wire-shaped payloads shared by the SDK's mocked-transport tests.

``booking_json`` is the JSON body the API sends for one confirmed booking; each call returns a
fresh dict so a test may change it without touching another test's copy.
"""

from __future__ import annotations

from typing import Any


def booking_json(*, livemode: bool = False) -> dict[str, Any]:
    return {
        "id": "bk_1",
        "status": "confirmed",
        "event_type_id": "evt_1",
        "start": "2026-04-15T09:00:00Z",
        "end": "2026-04-15T09:30:00Z",
        "invitee": {"name": "Jo", "email": "jo@example.com"},
        "guests": [],
        "hosts": [{"id": "host_1", "name": "Ann Lee", "email": "ann@example.com"}],
        "metadata": {},
        "livemode": livemode,
        "created_at": "2026-04-13T08:00:00Z",
        "updated_at": "2026-04-13T08:00:00Z",
    }
