"""The README's booking questions walkthrough runs as written against a real server and prints what
the README says it prints: the refused answer naming ``answers.team_size``, then the stored answers."""

from __future__ import annotations

import pytest

from tests.support.sdk import assert_readme_python_prints_its_text

HEADING = "### Booking questions walkthrough"


def test_the_questions_walkthrough_prints_what_the_readme_shows(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    assert_readme_python_prints_its_text(HEADING, tmp_path_factory.mktemp("questions"))
