"""Checks shared by the REST resource tests: what a deleted object, or one the caller may not
see (another account's, the other mode's), answers. Each asserts every status it names."""

from __future__ import annotations

import httpx

H = dict[str, str]


async def statuses(client: httpx.AsyncClient, url: str, headers: H, *methods: str) -> list[int]:
    """The status of ``method url`` for each of ``methods``, sent in order."""
    return [(await client.request(method, url, headers=headers)).status_code for method in methods]


async def assert_hidden(client: httpx.AsyncClient, url: str, *callers: H) -> None:
    """Each of ``callers`` gets 404 on GET and on DELETE of ``url``."""
    for headers in callers:
        assert await statuses(client, url, headers, "GET", "DELETE") == [404, 404], headers


async def assert_deleted(client: httpx.AsyncClient, url: str, headers: H) -> None:
    """DELETE of ``url`` answers 204; afterwards GET and DELETE answer 404."""
    assert await statuses(client, url, headers, "DELETE", "GET", "DELETE") == [204, 404, 404]
