"""``with_raw_response``: the same methods, returning :class:`APIResponse` instead of the object."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar, cast

from astrocal_sdk._base_client import RAW_RESPONSE_HEADER
from astrocal_sdk._response import APIResponse

__all__ = ["async_to_raw_response_wrapper", "to_raw_response_wrapper"]

P = ParamSpec("P")
R = TypeVar("R")


def _mark(kwargs: dict[str, Any]) -> dict[str, Any]:
    headers = dict(kwargs.get("extra_headers") or {})
    headers[RAW_RESPONSE_HEADER] = "true"
    return {**kwargs, "extra_headers": headers}


def to_raw_response_wrapper(func: Callable[P, R]) -> Callable[P, APIResponse[R]]:
    @functools.wraps(func)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> APIResponse[R]:
        return cast(APIResponse[R], func(*args, **_mark(kwargs)))

    return wrapped


def async_to_raw_response_wrapper(
    func: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[APIResponse[R]]]:
    @functools.wraps(func)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> APIResponse[R]:
        return cast(APIResponse[R], await func(*args, **_mark(kwargs)))

    return wrapped
