"""List methods return pages that walk every item across pages, sync and async."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx
from astrocal_sdk import Astrocal, AsyncAstrocal, AsyncPage, SyncPage
from astrocal_sdk.types import ApiKey

BASE = "http://api.test"


def _key(n: int) -> dict[str, Any]:
    return {
        "id": f"key_{n}",
        "name": f"k{n}",
        "mode": "test",
        "prefix": "sk_test_ab",
        "created_at": "2026-04-13T08:00:00Z",
    }


def _pages(request: httpx.Request) -> httpx.Response:
    cursor = request.url.params.get("cursor")
    pages = {
        None: ([1, 2], "c2"),
        "c2": ([3, 4], "c3"),
        "c3": ([5], None),
    }
    ids, next_cursor = pages[cursor]
    return httpx.Response(
        200,
        json={
            "data": [_key(i) for i in ids],
            "has_more": next_cursor is not None,
            "next_cursor": next_cursor,
        },
    )


@respx.mock
def test_iterating_a_page_walks_every_page_with_the_same_query() -> None:
    route = respx.get(f"{BASE}/v1/api_keys").mock(side_effect=_pages)
    client = Astrocal(api_key="sk_test_x", base_url=BASE)
    page = client.api_keys.list(limit=2)
    assert isinstance(page, SyncPage)
    assert [k.id for k in page.data] == ["key_1", "key_2"]
    assert (page.has_more, page.next_cursor) == (True, "c2")
    assert route.call_count == 1  # nothing more until iterated
    assert [k.id for k in page] == [f"key_{i}" for i in range(1, 6)]
    assert all(isinstance(k, ApiKey) for k in page)
    params = [dict(call.request.url.params) for call in route.calls[:3]]
    assert params == [
        {"limit": "2"},
        {"limit": "2", "cursor": "c2"},
        {"limit": "2", "cursor": "c3"},
    ]


@respx.mock
def test_iter_pages_and_get_next_page() -> None:
    respx.get(f"{BASE}/v1/api_keys").mock(side_effect=_pages)
    client = Astrocal(api_key="sk_test_x", base_url=BASE)
    pages = list(client.api_keys.list().iter_pages())
    assert [len(p.data) for p in pages] == [2, 2, 1]
    assert pages[-1].next_cursor is None and not pages[-1].has_next_page()
    with pytest.raises(RuntimeError, match="last page"):
        pages[-1].get_next_page()
    second = client.api_keys.list().get_next_page()
    assert [k.id for k in second.data] == ["key_3", "key_4"]


@respx.mock
def test_a_cursor_can_be_resumed_by_hand() -> None:
    respx.get(f"{BASE}/v1/api_keys").mock(side_effect=_pages)
    client = Astrocal(api_key="sk_test_x", base_url=BASE)
    first = client.api_keys.list()
    assert first.next_cursor is not None
    resumed = client.api_keys.list(cursor=first.next_cursor)
    assert [k.id for k in resumed.data] == ["key_3", "key_4"]


@respx.mock
async def test_async_for_over_the_list_call_walks_every_page() -> None:
    respx.get(f"{BASE}/v1/api_keys").mock(side_effect=_pages)
    client = AsyncAstrocal(api_key="sk_test_x", base_url=BASE)
    ids = [k.id async for k in client.api_keys.list(limit=2)]
    assert ids == [f"key_{i}" for i in range(1, 6)]
    page = await client.api_keys.list(limit=2)
    assert isinstance(page, AsyncPage)
    assert [k.id for k in page.data] == ["key_1", "key_2"]
    assert [k.id async for k in page] == ids
    sizes = [len(p.data) async for p in page.iter_pages()]
    assert sizes == [2, 2, 1]
    nxt = await page.get_next_page()
    assert nxt.next_cursor == "c3"
    await client.close()


@respx.mock
def test_later_pages_keep_per_request_options() -> None:
    route = respx.get(f"{BASE}/v1/api_keys").mock(side_effect=_pages)
    client = Astrocal(api_key="sk_test_x", base_url=BASE)
    list(client.api_keys.list(extra_headers={"X-Trace": "t"}))
    assert all(call.request.headers["x-trace"] == "t" for call in route.calls)
