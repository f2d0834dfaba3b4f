"""The README's booking questions walkthrough runs as written against a real server and prints what
the README says it prints: the refused answer naming ``answers.team_size``, then the stored answers."""

from __future__ import annotations

import re

import pytest

from tests.support.sdk import README, run_readme_python

HEADING = "### Booking questions walkthrough"


def test_the_questions_walkthrough_prints_what_the_readme_shows(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    result = run_readme_python(HEADING, tmp_path_factory.mktemp("questions"))
    assert result.returncode == 0, result.stderr
    section = README.read_text().split(HEADING, 1)[1]
    shown = re.search(r"```text\n(.+?)\n```", section, re.S)
    assert shown is not None
    assert result.stdout.strip().splitlines() == shown.group(1).splitlines()
