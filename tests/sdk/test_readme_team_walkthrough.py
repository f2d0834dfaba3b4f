"""The README's team walkthrough runs as written against a real server, and the three bookings
spread over the two hosts by the documented round-robin rule (weights 1 and 2: Ana, Ben, Ben)."""

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


def _walkthrough() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("### Team walkthrough", 1)[1]
    match = re.search(r"```python\n(.+?)\n```", section, re.S)
    assert match, "no python block under '### Team walkthrough'"
    return match.group(1)


def test_the_team_walkthrough_spreads_bookings_by_the_rule(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # The real clock, as a reader's: the walkthrough books the first open slots from today on.
    with serve(tmp_path_factory.mktemp("team"), SystemClock()) as server:
        env = {**os.environ, "ASTROCAL_API_KEY": server.new_key(), "ASTROCAL_BASE_URL": server.url}
        result = subprocess.run(
            [sys.executable, "-c", _walkthrough()],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[1] for line in lines] == ["Ana", "Ben", "Ben"]
    starts = [line.split()[0] for line in lines]
    assert starts == sorted(set(starts))  # three different slots, in order
