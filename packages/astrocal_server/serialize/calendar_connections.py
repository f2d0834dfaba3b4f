"""The calendar connection object (also the ``data`` of a ``calendar_connection.error`` webhook).

Credentials never leave the server; ``authorization_url`` is shown only while the connection waits
for OAuth consent, ``last_error`` only while it is broken.
"""

from __future__ import annotations

from typing import Any

from astrocal_server.calendars.base import CalendarInfo
from astrocal_server.serialize.common import format_datetime
from astrocal_server.storage.models import CalendarConnection

__all__ = ["connection_to_api"]


def connection_to_api(
    connection: CalendarConnection, *, authorization_url: str | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": connection.id,
        "host_id": connection.host_id,
        "provider": connection.provider,
        "status": connection.status,
    }
    if connection.account_email:
        out["account_email"] = connection.account_email
    if connection.provider == "caldav" and connection.server_url:
        out["server_url"] = connection.server_url
    out["calendars"] = [CalendarInfo.from_record(c).to_api() for c in connection.calendars or []]
    if authorization_url and connection.status == "pending":
        out["authorization_url"] = authorization_url
    if connection.last_error and connection.status in ("error", "expired"):
        out["last_error"] = connection.last_error
    out.update(
        livemode=connection.livemode,
        created_at=format_datetime(connection.created_at),
        updated_at=format_datetime(connection.updated_at),
    )
    return out
