"""`astrocal --help` stays fast by importing nothing heavy (the timing itself is measured by
bench/cli_startup.py, never asserted in a test)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("astrocal_sdk", "httpx", "sqlalchemy", "fastapi", "uvicorn", "astrocal_server", "mcp")


def _imported(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "astrocal_cli", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_help_imports_neither_the_sdk_nor_the_server() -> None:
    imported = _imported("--help")
    assert "typer" in imported
    assert not imported & set(HEAVY), imported & set(HEAVY)
