"""``record_requests``: what the SDK sends, seen while the requests still reach the server.

For CLI and MCP tests that check which query parameters and body fields a command or tool sends
(the server may not act on every field the contract names yet): every ``httpx`` request, sync or
async, is recorded before it goes out unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

__all__ = ["SentRequests", "record_requests"]


@dataclass
class SentRequests:
    requests: list[httpx.Request] = field(default_factory=list)

    def to(self, method: str, path: str) -> list[httpx.Request]:
        """The requests sent as ``method path`` (path without the query), in order."""
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def last_query(self, method: str, path: str) -> dict[str, str]:
        return dict(self.to(method, path)[-1].url.params)

    def last_body(self, method: str, path: str) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.to(method, path)[-1].content)
        return body


def record_requests(monkeypatch: pytest.MonkeyPatch) -> SentRequests:
    """Record every request ``httpx.Client`` and ``httpx.AsyncClient`` send from now on."""
    sent = SentRequests()
    sync_send, async_send = httpx.Client.send, httpx.AsyncClient.send

    def send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        sent.requests.append(request)
        return sync_send(self, request, **kwargs)

    async def asend(
        self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any
    ) -> httpx.Response:
        sent.requests.append(request)
        return await async_send(self, request, **kwargs)

    monkeypatch.setattr(httpx.Client, "send", send)
    monkeypatch.setattr(httpx.AsyncClient, "send", asend)
    return sent
