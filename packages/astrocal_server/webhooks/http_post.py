"""The HTTP leg of one attempt: POST an already signed body, no redirects, a hard deadline, the
answer truncated, every failure turned into an :class:`Outcome` (never an exception). Retries and
bookkeeping are ``attempts.py``'s job.

The client's network layer is the SSRF guard (:class:`~astrocal_server.webhooks.ssrf.GuardedNetworkBackend`),
so the address check happens at connect time for every new connection.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpcore
import httpx

from astrocal_server.webhooks.ssrf import BlockedTarget, GuardedNetworkBackend, TargetGuard

__all__ = ["MAX_RESPONSE_CHARS", "Outcome", "make_client", "post"]

MAX_RESPONSE_CHARS = 1000
_MAX_RESPONSE_BYTES = 4096


@dataclass(frozen=True)
class Outcome:
    status: int | None  # the HTTP status, or None when no answer came back
    body: str | None  # the start of the answer
    error: str | None  # the network or timeout error
    duration_ms: int
    retry_after: str | None = None  # the Retry-After header, as sent

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, guard: TargetGuard, limits: httpx.Limits) -> None:
        super().__init__(trust_env=False, limits=limits)
        # httpx has no public switch for the network backend; swap in a pool that uses ours.
        ssl_context = self._pool._ssl_context
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedNetworkBackend(guard),
        )


def make_client(guard: TargetGuard, *, timeout: float) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50, keepalive_expiry=30)
    return httpx.AsyncClient(
        transport=_GuardedTransport(guard, limits),
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(timeout),
    )


def _error_text(exc: BaseException) -> str:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, BlockedTarget):
            return str(cause)
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect: {exc}" if str(exc) else "could not connect"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def post(
    client: httpx.AsyncClient, url: str, *, body: bytes, headers: dict[str, str], deadline: float
) -> Outcome:
    """POST ``body`` to ``url``; never raises for anything the network or the receiver does."""
    started = time.perf_counter()

    def elapsed() -> int:
        return max(0, round((time.perf_counter() - started) * 1000))

    try:
        async with asyncio.timeout(deadline):
            async with client.stream("POST", url, content=body, headers=headers) as response:
                received = bytearray()
                async for chunk in response.aiter_bytes():
                    received += chunk
                    if len(received) >= _MAX_RESPONSE_BYTES:
                        break
                text = bytes(received[:_MAX_RESPONSE_BYTES]).decode("utf-8", errors="replace")
                return Outcome(
                    status=response.status_code,
                    body=text[:MAX_RESPONSE_CHARS],
                    error=None,
                    duration_ms=elapsed(),
                    retry_after=response.headers.get("retry-after"),
                )
    except TimeoutError:
        return Outcome(None, None, f"timed out after {deadline:g} s", elapsed())
    except httpx.TimeoutException:
        return Outcome(None, None, f"timed out after {deadline:g} s", elapsed())
    except httpx.HTTPError as exc:
        return Outcome(None, None, _error_text(exc), elapsed())
    except OSError as exc:
        return Outcome(None, None, f"network error: {exc}", elapsed())
