"""`astrocal-mcp` configuration: the official server's env vars, clear exits on bad config."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from astrocal_mcp.config import DEFAULT_API_URL, ConfigError, McpConfig

COMMAND = Path(sys.executable).with_name("astrocal-mcp")


def test_config_from_env() -> None:
    config = McpConfig.from_env(
        {
            "ASTROCAL_API_KEY": "sk_test_abc",
            "ASTROCAL_API_URL": "https://api.example.com/",
            "ASTROCAL_DEFAULT_EVENT_TYPE_ID": "evt_abc123",
        }
    )
    assert config == McpConfig("sk_test_abc", "https://api.example.com", "evt_abc123")
    assert McpConfig.from_env({"ASTROCAL_API_KEY": "sk_live_x"}).api_url == DEFAULT_API_URL


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "ASTROCAL_API_KEY is not set"),
        ({"ASTROCAL_API_KEY": "pk_nope"}, "sk_live_ or sk_test_"),
        ({"ASTROCAL_API_KEY": "sk_test_a", "ASTROCAL_API_URL": "ftp://x"}, "http(s) URL"),
        (
            {"ASTROCAL_API_KEY": "sk_test_a", "ASTROCAL_DEFAULT_EVENT_TYPE_ID": "intro"},
            "evt_abc123",
        ),
    ],
)
def test_bad_config_is_explained(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        McpConfig.from_env(env)


def test_command_exits_2_with_the_reason_on_stderr() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASTROCAL_")}
    done = subprocess.run(
        [str(COMMAND)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "ASTROCAL_API_KEY is not set" in done.stderr and done.stdout == ""
