"""Cursor pagination: a page iterates every item across pages, fetching the next as needed.

``AsyncPage`` is written in ``astrocal_sdk/_async/page.py``; ``SyncPage`` is derived from it by
scripts/unasync.py. An async ``list`` returns an :class:`AsyncPaginator` (``await`` it for the
first page, or ``async for`` over every item); a sync ``list`` returns its first page at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import Any, Generic, TypeVar

from astrocal_sdk._async.page import AsyncPage
from astrocal_sdk._sync.page import SyncPage

__all__ = ["AsyncPage", "AsyncPaginator", "SyncPage"]

T = TypeVar("T")


class AsyncPaginator(Generic[T]):
    """What async list methods return: ``await`` it for the first page, or ``async for`` over
    every item directly."""

    def __init__(self, first_page: Callable[[], Awaitable[AsyncPage[T]]]) -> None:
        self._first_page = first_page

    def __await__(self) -> Generator[Any, None, AsyncPage[T]]:
        return self._first_page().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        page = await self._first_page()
        async for item in page:
            yield item


def paginate(first_page: Callable[[], SyncPage[T]]) -> SyncPage[T]:
    """What a sync ``list`` returns: the first page, fetched now."""
    return first_page()


def async_paginate(first_page: Callable[[], Awaitable[AsyncPage[T]]]) -> AsyncPaginator[T]:
    """What an async ``list`` returns: nothing is fetched until it is awaited or iterated.

    The twin of :func:`paginate`, so that the sync resources derive from the async ones.
    """
    return AsyncPaginator(first_page)
