"""Where the client's API key and base URL come from: arguments first, then the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping

from astrocal_sdk._exceptions import MissingAPIKeyError

__all__ = ["DEFAULT_BASE_URL", "resolve_api_key", "resolve_base_url"]

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def resolve_api_key(api_key: str | None, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    key = api_key if api_key is not None else env.get("ASTROCAL_API_KEY")
    if not key:
        raise MissingAPIKeyError(
            "No API key: pass api_key=... to the client or set ASTROCAL_API_KEY "
            "(keys look like sk_test_… or sk_live_…; `astrocal` prints one on first run)."
        )
    return key


def resolve_base_url(base_url: str | None, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    url = (
        base_url or env.get("ASTROCAL_BASE_URL") or env.get("ASTROCAL_API_URL") or DEFAULT_BASE_URL
    )
    return url.rstrip("/")
