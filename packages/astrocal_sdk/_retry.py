"""When to retry and how long to wait: pure functions of attempts, statuses and headers."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping

import httpx

__all__ = [
    "INITIAL_DELAY",
    "MAX_DELAY",
    "MAX_RETRY_AFTER",
    "retry_delay",
    "should_retry_response",
]

INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
MAX_RETRY_AFTER = 60.0


def should_retry_response(response: httpx.Response) -> bool:
    """408, 429, 5xx, and 409 ``idempotency_key_in_use`` (the first attempt is still running)."""
    status = response.status_code
    if status in (408, 429) or status >= 500:
        return True
    if status == 409:
        try:
            body = response.json()
        except ValueError:
            return False
        error = body.get("error") if isinstance(body, dict) else None
        return isinstance(error, dict) and error.get("code") == "idempotency_key_in_use"
    return False


def retry_delay(
    retries_taken: int,
    headers: Mapping[str, str] | None = None,
    *,
    now: Callable[[], float] = time.time,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry number ``retries_taken + 1``.

    A usable ``Retry-After`` (seconds or an HTTP date, at most a minute) wins; otherwise
    exponential backoff from 0.5 s capped at 8 s, with up to 25 % jitter taken off so many
    clients retrying together spread out.
    """
    after = _retry_after(headers, now) if headers is not None else None
    if after is not None and 0 <= after <= MAX_RETRY_AFTER:
        return after
    base = min(INITIAL_DELAY * 2.0**retries_taken, MAX_DELAY)
    return base * (1 - 0.25 * rand())


def _retry_after(headers: Mapping[str, str], now: Callable[[], float]) -> float | None:
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    parsed = email.utils.parsedate_to_datetime(value) if value.strip() else None
    if parsed is None:
        return None
    return max(parsed.timestamp() - now(), 0.0)
