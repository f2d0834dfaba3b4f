"""The README's SDK quickstart runs as written against a real server."""

from __future__ import annotations

import pytest

from tests.support.sdk import readme_python, run_readme_python


def _quickstart() -> str:
    return readme_python("### SDK quickstart")


def test_the_quickstart_is_short() -> None:
    code = [
        line
        for line in _quickstart().splitlines()
        if line.strip() and not line.startswith(("from", "import"))
    ]
    assert len(code) <= 14


def test_the_quickstart_runs_as_written(tmp_path_factory: pytest.TempPathFactory) -> None:
    result = run_readme_python("### SDK quickstart", tmp_path_factory.mktemp("readme"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    booking_id, status, start = lines[0].split()
    assert start.endswith("+00:00")  # aware, in UTC
    assert booking_id.startswith("bk_") and status == "confirmed"
    assert any(line.startswith(booking_id) for line in lines[1:])
