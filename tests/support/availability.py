"""Reading one day's open starts over the API, as the availability tests compare them."""

from __future__ import annotations

import httpx

WEDNESDAY = "2026-04-15"


async def starts_on(
    client: httpx.AsyncClient, headers: dict[str, str], event_type_id: str, day: str = WEDNESDAY
) -> list[str]:
    """The ``start`` of every open slot ``GET /v1/availability`` lists for ``day``."""
    r = await client.get(
        "/v1/availability", headers=headers, params={"event_type_id": event_type_id, "date": day}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    return [slot["start"] for slot in r.json()["data"]]
