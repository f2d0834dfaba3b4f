"""`astrocal mcp` runs the MCP server with the profile's key (an MCP client over stdio proves it),
and shell completion installs with `--install-completion`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters

from tests.support.cli import Run, RunningServer, RunProcess


async def test_mcp_runs_with_the_profiles_key(
    run: Run, server: RunningServer, api_key: str, config_dir: Path
) -> None:
    login = run("login", "-p", "agent", "--api-key", api_key, "--base-url", server.url,
                env={"ASTROCAL_API_KEY": None, "ASTROCAL_BASE_URL": None})  # fmt: skip
    assert login.exit_code == 0, login.output
    created = run("event-types", "create", "--title", "Agent call", "--slug", "agent-call",
                  "--duration", "20", "--json")  # fmt: skip
    assert created.exit_code == 0, created.output
    event_type_id = json.loads(created.stdout)["id"]

    env = {k: v for k, v in os.environ.items() if not k.startswith("ASTROCAL_")}
    env["ASTROCAL_CONFIG_DIR"] = str(config_dir)
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "astrocal_cli", "mcp", "--profile", "agent"], env=env
    )
    async with Client(params) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert {"list_event_types", "check_availability", "create_booking"} <= tools
        result: Any = await client.call_tool("list_event_types", {})
        assert not result.is_error, result
        assert event_type_id in json.dumps(result.structured_content)


def test_mcp_without_a_key_explains(run_process: RunProcess) -> None:
    done = run_process("mcp", env={"ASTROCAL_API_KEY": None})
    assert done.returncode == 2 and "ASTROCAL_API_KEY" in done.stderr


def test_install_completion(run_process: RunProcess, tmp_path: Path) -> None:
    # The shell is named, not detected: detection reads the process tree, which under a test
    # runner (xdist workers, CI) is no shell at all. Typer's switch makes the option take a value.
    env = {"HOME": str(tmp_path), "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    shown = run_process("--show-completion", "bash", env=env)
    assert shown.returncode == 0 and "_ASTROCAL_COMPLETE" in shown.stdout
    installed = run_process("--install-completion", "bash", env=env)
    assert installed.returncode == 0, installed.stderr
    assert "_ASTROCAL_COMPLETE" in (tmp_path / ".bash_completions" / "astrocal.sh").read_text()
    assert ".bash_completions/astrocal.sh" in (tmp_path / ".bashrc").read_text()
