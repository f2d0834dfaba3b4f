"""The README's MCP client configurations are well-formed and name a command that exists."""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
BIN = Path(sys.executable).parent
KNOWN_ENV = {"ASTROCAL_API_KEY", "ASTROCAL_API_URL", "ASTROCAL_DEFAULT_EVENT_TYPE_ID"}


def section() -> str:
    text = README.read_text(encoding="utf-8")
    body = text.split("## MCP (agents)", 1)[1]
    return body.split("\n## ", 1)[0]


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.+?)\n```", section(), re.S)


def test_json_configs_parse_and_run_astrocal_mcp() -> None:
    configs = [json.loads(block) for block in blocks("json")]
    local = [c for c in configs if "command" in c["mcpServers"]["astrocal"]]
    assert len(local) == 2  # Claude Desktop and Cursor
    for config in local:
        server = config["mcpServers"]["astrocal"]
        assert server["command"] == "astrocal-mcp"
        assert (BIN / server["command"]).exists(), "the configured command is installed"
        assert "ASTROCAL_API_KEY" in server["env"]
        assert set(server["env"]) <= KNOWN_ENV


def test_claude_code_command_is_well_formed() -> None:
    [command] = blocks("sh")
    argv = shlex.split(command)
    assert argv[:4] == ["claude", "mcp", "add", "astrocal"]
    separator = argv.index("--")
    assert argv[separator + 1 :] == ["astrocal-mcp"]
    envs = [argv[i + 1] for i, arg in enumerate(argv[:separator]) if arg == "-e"]
    assert {e.split("=", 1)[0] for e in envs} <= KNOWN_ENV
    assert any(e.startswith("ASTROCAL_API_KEY=") for e in envs)


def test_remote_configs_name_the_mcp_url_and_a_bearer_key() -> None:
    remote = [
        c["mcpServers"]["astrocal"]
        for c in map(json.loads, blocks("json"))
        if "url" in c["mcpServers"]["astrocal"]
    ]
    assert len(remote) == 1  # Cursor
    assert remote[0]["url"] == "http://127.0.0.1:8000/mcp"
    assert remote[0]["headers"]["Authorization"].startswith("Bearer sk_test_")
    [command] = blocks("console")
    argv = shlex.split(command)
    assert argv[:6] == ["claude", "mcp", "add", "--transport", "http", "astrocal"]
    assert argv[6] == "http://127.0.0.1:8000/mcp"
    assert argv[7:] == ["--header", "Authorization: Bearer sk_test_..."]
