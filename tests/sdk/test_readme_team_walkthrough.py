"""The README's team walkthrough runs as written against a real server, and the three bookings
spread over the two hosts by the documented round-robin rule (weights 1 and 2: Ana, Ben, Ben)."""

from __future__ import annotations

import pytest

from tests.support.sdk import run_readme_python


def test_the_team_walkthrough_spreads_bookings_by_the_rule(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    result = run_readme_python("### Team walkthrough", tmp_path_factory.mktemp("team"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[1] for line in lines] == ["Ana", "Ben", "Ben"]
    starts = [line.split()[0] for line in lines]
    assert starts == sorted(set(starts))  # three different slots, in order
