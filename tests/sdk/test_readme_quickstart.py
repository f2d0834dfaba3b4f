"""The README's SDK quickstart runs as written against a real server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from astrocal_server.clock import SystemClock

from tests.support.sdk import serve

ROOT = Path(__file__).resolve().parents[2]


def _quickstart() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("### SDK quickstart", 1)[1]
    match = re.search(r"```python\n(.+?)\n```", section, re.S)
    assert match, "no python block under '### SDK quickstart'"
    return match.group(1)


def test_the_quickstart_is_short() -> None:
    code = [
        line
        for line in _quickstart().splitlines()
        if line.strip() and not line.startswith(("from", "import"))
    ]
    assert len(code) <= 14


def test_the_quickstart_runs_as_written(tmp_path_factory: pytest.TempPathFactory) -> None:
    # The real clock: the quickstart asks for "today", as a reader's would.
    with serve(tmp_path_factory.mktemp("readme"), SystemClock()) as server:
        env = {
            **os.environ,
            "ASTROCAL_API_KEY": server.new_key(),
            "ASTROCAL_BASE_URL": server.url,
        }
        result = subprocess.run(
            [sys.executable, "-c", _quickstart()],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    booking_id, status, start = lines[0].split()
    assert start.endswith("+00:00")  # aware, in UTC
    assert booking_id.startswith("bk_") and status == "confirmed"
    assert any(line.startswith(booking_id) for line in lines[1:])
