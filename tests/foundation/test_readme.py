"""The README's commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _sh_block_after(heading: str) -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split(heading, 1)[1]
    match = re.search(r"```sh\n(.+?)\n```", section, re.S)
    assert match, f"no sh block under {heading!r}"
    return match.group(1).strip()


def test_ci_runs_the_readme_test_command() -> None:
    command = _sh_block_after("## Test it")
    assert command in (ROOT / ".ci" / "run").read_text()
    assert command.endswith(".venv/bin/pytest")


def test_readme_run_command_installs_only_the_server_extra_and_serves() -> None:
    command = _sh_block_after("## Run it")
    assert "'.[server]'" in command
    assert command.endswith("astrocal serve")
