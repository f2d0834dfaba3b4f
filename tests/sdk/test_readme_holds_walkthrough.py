"""The README's holds walkthrough runs as written against a real server and prints what the README
says it prints: the hold's lifetime, the refused booking of the held start, the booking made from
the hold (same start, hold converted), and a released hold."""

from __future__ import annotations

import pytest

from tests.support.sdk import assert_readme_python_prints_its_text, run_readme_python

HEADING = "### Holds walkthrough (SDK)"


def test_the_holds_walkthrough_prints_what_the_readme_shows(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    assert_readme_python_prints_its_text(HEADING, tmp_path_factory.mktemp("holds"))


def test_the_waitlist_lines_run_after_the_walkthrough(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Needs the waitlist server: the README's waitlist block, run after the walkthrough, prints
    what its comments say."""
    result = run_readme_python(HEADING, tmp_path_factory.mktemp("waitlist"), blocks=2)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-2:] == ["waiting 1", "promoted True"]
