"""One HTTP/1.1 request read off an asyncio stream, as the loopback receivers need it (the webhook
receiver of ``tests/support/webhooks.py`` and the one of ``bench/webhooks.py``): the request line,
the headers (names lower-cased) and a ``Content-Length`` body; no chunked bodies.

Imports nothing from pytest or the app, so the benchmark scripts import it too.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

__all__ = ["Received", "read_request"]


@dataclass(frozen=True)
class Received:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


async def read_request(reader: asyncio.StreamReader) -> Received | None:
    """The next request on ``reader``; None once the client closed the connection (or sent a
    blank line where a request line belongs). A body cut short raises ``IncompleteReadError``."""
    line = await reader.readline()
    if not line.strip():
        return None
    method, target, _version = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Received(method, target, headers, body)
