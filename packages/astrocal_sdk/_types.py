"""Shared types: the "not given" sentinel and the per-request options every method accepts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, TypedDict

import httpx

__all__ = [
    "NOT_GIVEN",
    "NotGiven",
    "RequestOptions",
    "Timeout",
]

Timeout = float | httpx.Timeout | None
"""Seconds (one number for every phase), an ``httpx.Timeout``, or ``None`` for no limit."""


class NotGiven:
    """Marks an argument that was not passed, where ``None`` has a meaning (it clears a field)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


class RequestOptions(TypedDict, total=False):
    """Options accepted by every method, for that one call.

    - ``timeout``: overrides the client's timeout.
    - ``max_retries``: overrides the client's retry budget (0 disables retries).
    - ``extra_headers``: added to (and overriding) the default headers.
    - ``extra_query``: added to the query string.
    - ``idempotency_key``: the ``Idempotency-Key`` for a POST; by default one is generated per
      call and reused by its retries.
    """

    timeout: Timeout
    max_retries: int
    extra_headers: Mapping[str, str]
    extra_query: Mapping[str, str]
    idempotency_key: str
