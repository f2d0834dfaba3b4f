"""One page of a cursor-paginated list, which fetches the pages after it as they are needed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeVar

from astrocal_sdk._page import BasePage

__all__ = ["AsyncPage"]

T = TypeVar("T")


class AsyncPage(BasePage[T]):
    """One page of a list (``data``, ``has_more``, ``next_cursor``).

    ``async for item in page`` yields every item of this page and of all the pages after it;
    :meth:`iter_pages` yields the pages themselves.
    """

    async def get_next_page(self) -> AsyncPage[T]:
        page: AsyncPage[T] = await self._fetch_next()
        return page

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
