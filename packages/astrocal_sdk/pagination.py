"""Cursor pagination: a page iterates every item across pages, fetching the next as needed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any, Generic, TypeVar

__all__ = ["AsyncPage", "AsyncPaginator", "SyncPage", "async_paginate", "paginate"]

T = TypeVar("T")


class SyncPage(Generic[T]):
    """One page of a list (``data``, ``has_more``, ``next_cursor``).

    Iterating it yields every item of this page and of all the pages after it;
    :meth:`iter_pages` yields the pages themselves.
    """

    def __init__(
        self,
        *,
        data: list[T],
        has_more: bool,
        next_cursor: str | None,
        fetch: Callable[[str], SyncPage[T]],
    ) -> None:
        self.data = data
        self.has_more = has_more
        self.next_cursor = next_cursor
        self._fetch = fetch

    def has_next_page(self) -> bool:
        return self.has_more and bool(self.next_cursor)

    def get_next_page(self) -> SyncPage[T]:
        if not self.has_next_page() or self.next_cursor is None:
            raise RuntimeError("This is the last page; check has_next_page() first.")
        return self._fetch(self.next_cursor)

    def iter_pages(self) -> Iterator[SyncPage[T]]:
        page = self
        yield page
        while page.has_next_page():
            page = page.get_next_page()
            yield page

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.data

    def __repr__(self) -> str:
        return f"SyncPage(data=<{len(self.data)} items>, has_more={self.has_more}, next_cursor={self.next_cursor!r})"


class AsyncPage(Generic[T]):
    """The async twin of :class:`SyncPage`: ``async for item in page`` walks every page."""

    def __init__(
        self,
        *,
        data: list[T],
        has_more: bool,
        next_cursor: str | None,
        fetch: Callable[[str], Awaitable[AsyncPage[T]]],
    ) -> None:
        self.data = data
        self.has_more = has_more
        self.next_cursor = next_cursor
        self._fetch = fetch

    def has_next_page(self) -> bool:
        return self.has_more and bool(self.next_cursor)

    async def get_next_page(self) -> AsyncPage[T]:
        if not self.has_next_page() or self.next_cursor is None:
            raise RuntimeError("This is the last page; check has_next_page() first.")
        return await self._fetch(self.next_cursor)

    async def iter_pages(self) -> AsyncIterator[AsyncPage[T]]:
        page = self
        yield page
        while page.has_next_page():
            page = await page.get_next_page()
            yield page

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item

    def __repr__(self) -> str:
        return f"AsyncPage(data=<{len(self.data)} items>, has_more={self.has_more}, next_cursor={self.next_cursor!r})"


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
