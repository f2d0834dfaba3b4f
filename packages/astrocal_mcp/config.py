"""The MCP server's configuration, from the same environment variables as the official server."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_API_URL", "ConfigError", "McpConfig"]

DEFAULT_API_URL = "http://127.0.0.1:8000"
_EVENT_TYPE_ID = re.compile(r"^evt_[a-z0-9]+$")


class ConfigError(ValueError):
    """The environment does not describe a usable server; the message says what to set."""


@dataclass(frozen=True)
class McpConfig:
    api_key: str
    api_url: str = DEFAULT_API_URL
    default_event_type_id: str | None = None
    # The SDK's retry budget for connection errors, 5xx and 429 (its own default when None).
    max_retries: int | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> McpConfig:
        env = os.environ if env is None else env
        api_key = (env.get("ASTROCAL_API_KEY") or "").strip()
        if not api_key:
            raise ConfigError(
                "ASTROCAL_API_KEY is not set. Set it to an Astrocal API key (sk_live_… or sk_test_…) "
                "in the MCP client's server configuration."
            )
        if not api_key.startswith(("sk_live_", "sk_test_")):
            raise ConfigError("ASTROCAL_API_KEY must start with sk_live_ or sk_test_.")
        api_url = (env.get("ASTROCAL_API_URL") or DEFAULT_API_URL).strip().rstrip("/")
        if not re.match(r"^https?://[^/\s]+", api_url):
            raise ConfigError(
                f"ASTROCAL_API_URL {api_url!r} must be an http(s) URL such as https://api.astrocal.dev"
            )
        default = (env.get("ASTROCAL_DEFAULT_EVENT_TYPE_ID") or "").strip() or None
        if default is not None and not _EVENT_TYPE_ID.match(default):
            raise ConfigError(
                f"ASTROCAL_DEFAULT_EVENT_TYPE_ID {default!r} must be an event type id such as evt_abc123."
            )
        return cls(api_key=api_key, api_url=api_url, default_event_type_id=default)
