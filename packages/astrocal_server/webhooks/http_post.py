"""The HTTP leg of one attempt: POST an already signed body, no redirects, a hard deadline, the
answer truncated, every failure turned into an :class:`Outcome` (never an exception). Retries and
bookkeeping are ``attempts.py``'s job.

The client's network layer is the SSRF guard (:class:`~astrocal_server.webhooks.ssrf.GuardedNetworkBackend`),
so the address check happens at connect time for every new connection and the socket goes to the
address that was checked. :class:`GuardedTransport` plugs it in through public interfaces only
(``httpx.AsyncBaseTransport`` over ``httpcore.AsyncConnectionPool(network_backend=…)``);
tests/foundation/test_no_private_dependency_api.py keeps it that way.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpcore
import httpx

from astrocal_server.webhooks.ssrf import BlockedTarget, GuardedNetworkBackend, TargetGuard

__all__ = ["MAX_RESPONSE_CHARS", "GuardedTransport", "Outcome", "make_client", "post"]

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


# httpcore's errors and the httpx errors a client caller expects (both public, documented classes).
_HTTPX_ERROR_OF: dict[type[Exception], type[httpx.TransportError]] = {
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.ProxyError: httpx.ProxyError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    httpcore.ProtocolError: httpx.ProtocolError,
}


@contextmanager
def _as_httpx_errors(request: httpx.Request) -> Iterator[None]:
    """Re-raise an httpcore error as the most specific httpx one, chained (so a
    :class:`BlockedTarget` stays findable in ``__cause__``)."""
    try:
        yield
    except Exception as exc:
        for cls in type(exc).__mro__:
            mapped = _HTTPX_ERROR_OF.get(cls)
            if mapped is not None:
                raise mapped(str(exc), request=request) from exc
        raise


class _ResponseBody(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes], request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors(self._request):
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            await close()


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport over an ``httpcore.AsyncConnectionPool`` whose network layer is the SSRF
    guard: only the public interfaces of both libraries (``AsyncBaseTransport``,
    ``AsyncConnectionPool(network_backend=…)``), so an upgrade cannot silently drop the guard."""

    def __init__(
        self,
        network_backend: httpcore.AsyncNetworkBackend,
        *,
        limits: httpx.Limits,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._core = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=network_backend,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(request.stream, AsyncIterable):
            raise TypeError("GuardedTransport sends async request bodies only")
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors(request):
            response = await self._core.handle_async_request(core_request)
        if not isinstance(response.stream, AsyncIterable):
            raise TypeError("httpcore answered an async request with a sync body")
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseBody(response.stream, request),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._core.aclose()


def make_client(
    guard: TargetGuard,
    *,
    timeout: float,
    dialer: httpcore.AsyncNetworkBackend | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> httpx.AsyncClient:
    """The guarded client. ``dialer`` (opens the checked sockets) and ``ssl_context`` (which CAs
    are trusted; certifi's bundle by default, as in httpx) exist for tests."""
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50, keepalive_expiry=30)
    transport = GuardedTransport(
        GuardedNetworkBackend(guard, dialer), limits=limits, ssl_context=ssl_context
    )
    return httpx.AsyncClient(
        transport=transport,
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
