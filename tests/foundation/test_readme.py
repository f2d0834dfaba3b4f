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


def test_the_layout_section_names_only_paths_that_exist() -> None:
    """README's "How the code is laid out" stays true: every path it names is in the tree."""
    section = (ROOT / "README.md").read_text().split("## How the code is laid out", 1)[1]
    section = section.split("\n## ", 1)[0]
    paths = set(re.findall(r"`((?:packages|tests|scripts)/[^`\s]+)`", section))
    assert len(paths) >= 10, paths
    placeholders = {"<resource>", "holds"}  # the walkthrough's example of a new resource
    missing = [
        path
        for path in sorted(paths)
        if not any(p in path for p in placeholders) and not (ROOT / path).exists()
    ]
    assert missing == [], f"README names paths that do not exist: {missing}"
