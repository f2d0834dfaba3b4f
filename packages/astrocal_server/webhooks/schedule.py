"""When to try a failed delivery again, when to give up, when to disable an endpoint (pure).

The delays grow from seconds to half a day; a delivery keeps being retried until it is at least
:data:`RETRY_WINDOW` old (so retries always span at least 72 hours, whatever the jitter drew), then it
is failed. Jitter spreads the retries of many deliveries that failed together (an endpoint outage)
so they do not all come back at the same instant.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

__all__ = [
    "DISABLE_AFTER",
    "MAX_RETRY_AFTER",
    "RETRY_DELAYS",
    "RETRY_WINDOW",
    "Decision",
    "decide",
    "next_delay",
    "parse_retry_after",
]

RETRY_WINDOW = timedelta(hours=72)
DISABLE_AFTER = timedelta(days=5)
MAX_RETRY_AFTER = timedelta(hours=24)
_MIN_RETRY_AFTER = timedelta(seconds=1)
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
    timedelta(hours=8),
    timedelta(hours=12),
)
_JITTER = 0.2  # ±20 %


def next_delay(failed_attempts: int, rng: random.Random | None = None) -> timedelta:
    """The wait after the ``failed_attempts``-th failed attempt (1-based), jittered ±20 %."""
    if failed_attempts < 1:
        raise ValueError("failed_attempts counts from 1")
    base = RETRY_DELAYS[min(failed_attempts, len(RETRY_DELAYS)) - 1]
    factor = 1 + (rng or random).uniform(-_JITTER, _JITTER)
    return base * factor


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as a delay clamped to [1 s, 24 h]."""
    if value is None:
        return None
    value = value.strip()
    delay: timedelta | None = None
    if value.isdigit():
        delay = timedelta(seconds=int(value[:9]))
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        delay = when - now
    return min(max(delay, _MIN_RETRY_AFTER), MAX_RETRY_AFTER)


@dataclass(frozen=True)
class Decision:
    """What one attempt's outcome means for its delivery and its endpoint."""

    status: str  # pending | succeeded | failed
    next_attempt_at: datetime | None
    failing_since: datetime | None  # the endpoint's, after this attempt
    disable_reason: str | None = None  # set: disable the endpoint, fail its pending deliveries


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def decide(
    *,
    now: datetime,
    status_code: int | None,
    error: str | None,
    retry_after: str | None,
    attempts_made: int,
    created_at: datetime,
    failing_since: datetime | None,
    rng: random.Random | None = None,
) -> Decision:
    """The rules: 2xx succeeds; 410 disables; otherwise retry (``Retry-After`` first, else the
    backoff) until the delivery is :data:`RETRY_WINDOW` old; an endpoint whose every attempt has
    failed for :data:`DISABLE_AFTER` is disabled."""
    if status_code is not None and 200 <= status_code < 300:
        return Decision("succeeded", None, None)
    if status_code == 410:
        return Decision(
            "failed",
            None,
            failing_since,
            disable_reason=(
                f"The endpoint answered 410 Gone at {_when(now)}, so deliveries stopped. "
                "Fix the URL if needed and re-enable it with PATCH /v1/webhooks/{id} "
                '{"enabled": true}.'
            ),
        )
    since = failing_since or now
    if now - since >= DISABLE_AFTER:
        last = f"HTTP {status_code}" if status_code is not None else (error or "no answer")
        return Decision(
            "failed",
            None,
            since,
            disable_reason=(
                f"Every delivery attempt since {_when(since)} failed (5 days; the last one: "
                f"{last}), so the endpoint was disabled. Fix it and re-enable it with "
                'PATCH /v1/webhooks/{id} {"enabled": true}.'
            ),
        )
    if now - created_at >= RETRY_WINDOW:
        return Decision("failed", None, since)
    delay = parse_retry_after(retry_after, now) if status_code is not None else None
    if delay is None:
        delay = next_delay(attempts_made, rng)
    return Decision("pending", _whole_second(now + delay), since)


def _whole_second(at: datetime) -> datetime:
    """Rounded up, so the time the API shows (second precision) is never before the real one."""
    return at if at.microsecond == 0 else at.replace(microsecond=0) + timedelta(seconds=1)
