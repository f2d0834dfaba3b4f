"""The raw HTTP answer of a call, with the parsed object one ``parse()`` away."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

import httpx

__all__ = ["APIResponse", "RateLimit", "no_content"]

R = TypeVar("R")


@dataclass(frozen=True)
class RateLimit:
    """The ``RateLimit-*`` headers: requests allowed per window, left, and seconds until reset."""

    limit: int | None
    remaining: int | None
    reset: int | None


class APIResponse(Generic[R]):
    """What ``client.with_raw_response.<resource>.<method>(...)`` returns."""

    def __init__(
        self, http_response: httpx.Response, parse: Callable[[], R], *, retries_taken: int
    ) -> None:
        self.http_response = http_response
        self.retries_taken = retries_taken
        self._parse = parse
        self._parsed: tuple[R] | None = None

    def parse(self) -> R:
        """The typed object the plain method would have returned (parsed once)."""
        if self._parsed is None:
            self._parsed = (self._parse(),)
        return self._parsed[0]

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def request_id(self) -> str | None:
        value: str | None = self.http_response.headers.get("x-request-id")
        return value

    @property
    def idempotent_replayed(self) -> bool:
        """Whether the server answered with a stored response for a repeated Idempotency-Key."""
        value: str = self.http_response.headers.get("idempotent-replayed", "")
        return value.lower() == "true"

    @property
    def rate_limit(self) -> RateLimit:
        h = self.http_response.headers
        return RateLimit(
            limit=_int(h.get("ratelimit-limit")),
            remaining=_int(h.get("ratelimit-remaining")),
            reset=_int(h.get("ratelimit-reset")),
        )

    @property
    def url(self) -> httpx.URL:
        return self.http_response.url

    @property
    def method(self) -> str:
        return self.http_response.request.method

    def json(self) -> object:
        return self.http_response.json()

    @property
    def text(self) -> str:
        return self.http_response.text

    def __repr__(self) -> str:
        return f"<APIResponse [{self.status_code}] {self.method} {self.url}>"


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def no_content(result: object) -> None:
    """A 204 answer is ``None``; under ``with_raw_response`` the :class:`APIResponse` passes through."""
    return cast(None, result)
