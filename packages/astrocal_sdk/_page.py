"""What a page of a cursor-paginated list is, for ``SyncPage`` and ``AsyncPage`` alike; they add
only the fetching (``astrocal_sdk/_async/page.py`` and its derived sync twin)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["BasePage"]

T = TypeVar("T")


class BasePage(Generic[T]):
    """One page of a list: ``data``, ``has_more`` and ``next_cursor``."""

    def __init__(
        self, *, data: list[T], has_more: bool, next_cursor: str | None, fetch: Callable[[str], Any]
    ) -> None:
        self.data = data
        self.has_more = has_more
        self.next_cursor = next_cursor
        self._fetch = fetch

    def has_next_page(self) -> bool:
        return self.has_more and bool(self.next_cursor)

    def _fetch_next(self) -> Any:
        """What ``fetch`` returns for the next page (a page, or an awaitable of one)."""
        if not self.has_next_page() or self.next_cursor is None:
            raise RuntimeError("This is the last page; check has_next_page() first.")
        return self._fetch(self.next_cursor)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(data=<{len(self.data)} items>, has_more={self.has_more}, "
            f"next_cursor={self.next_cursor!r})"
        )
