"""The standalone HTTP transport's guard: its own bearer token, compared exactly; loopback rules."""

from __future__ import annotations

import httpx
import pytest
from astrocal_mcp.http_auth import BearerGuard, is_loopback, new_token
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route


def _guarded(token: str) -> httpx.AsyncClient:
    inner = Starlette(routes=[Route("/mcp", lambda _: PlainTextResponse("ok"), methods=["POST"])])
    transport = httpx.ASGITransport(app=BearerGuard(inner, token))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer wrong",
        "bearer tok-1",
        "Bearer tok-1 ",
        "Basic dG9rLTE6",
        "tok-1",
    ],
)
async def test_requests_without_the_exact_token_get_401(authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with _guarded("tok-1") as client:
        response = await client.post("/mcp", headers=headers)
    assert response.status_code == 401
    assert (
        response.headers["www-authenticate"] == 'Bearer realm="astrocal-mcp", error="invalid_token"'
    )
    assert response.json()["error"] == "invalid_token"


async def test_the_token_passes_through() -> None:
    async with _guarded("tok-1") as client:
        response = await client.post("/mcp", headers={"Authorization": "Bearer tok-1"})
    assert (response.status_code, response.text) == (200, "ok")


def test_an_empty_token_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        BearerGuard(Starlette(), "")


def test_generated_tokens_are_long_and_distinct() -> None:
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50 and all(len(t) >= 43 for t in tokens)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
