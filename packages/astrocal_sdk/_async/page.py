"""One page of a cursor-paginated list, which fetches the pages after it as they are needed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["AsyncPage"]

T = TypeVar("T")


class AsyncPage(Generic[T]):
    """One page of a list (``data``, ``has_more``, ``next_cursor``).

    ``async for item in page`` yields every item of this page and of all the pages after it;
    :meth:`iter_pages` yields the pages themselves.
    """

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
