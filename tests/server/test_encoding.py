"""Every JSON response is rendered by one encoder (``api/encoding.py``): orjson when installed,
the standard library otherwise, byte for byte the same for what the API sends."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.api import encoding

from tests.support.app import bearer

DOCUMENTS: list[Any] = [
    {"id": "acct_x", "name": "Zoë Ørsted — 東京", "time_zone": "Europe/Berlin", "plan": None},
    {"data": [{"start": "2026-04-07T09:00:00Z", "end": "2026-04-07T09:30:00Z"}], "has_more": False},
    {"error": {"type": "invalid_request_error", "message": 'tab\there "quote" \\ \u0001\u2028'}},
    {"count": 12345678901234, "ratio": 0.25, "nested": [[], {}, [True, False, None]]},
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_both_encoders_write_the_same_bytes(document: Any) -> None:
    fallback = encoding._dumps_stdlib(document)
    assert fallback == json.dumps(
        document, ensure_ascii=False, allow_nan=False, separators=(",", ":")
    ).encode("utf-8")
    if encoding.FAST:
        assert encoding._dumps_orjson(document) == fallback
    assert json.loads(encoding.dumps(document)) == document


def test_the_fallback_refuses_nan() -> None:
    with pytest.raises(ValueError):
        encoding._dumps_stdlib({"x": float("nan")})


async def test_responses_use_the_one_encoder(
    client: httpx.AsyncClient, account: NewAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = bearer(account.live_key.secret)
    fast = await client.get("/v1/account", headers=headers)
    missing = await client.get("/v1/nowhere", headers=headers)
    monkeypatch.setattr(encoding, "FAST", False)
    slow = await client.get("/v1/account", headers=headers)
    assert fast.status_code == slow.status_code == 200
    assert fast.content == slow.content == encoding._dumps_stdlib(fast.json())
    assert missing.content == encoding._dumps_stdlib(missing.json())
    assert fast.headers["content-type"] == "application/json"
