"""The project cites only its own files (openapi.yaml, the README, its tests), never design notes
that live outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(r"\b(API|ARCHITECTURE|FIELD-NOTES|COMMON)\.md\b|\.\./shared")


def test_no_file_cites_a_document_outside_the_project() -> None:
    places = [ROOT / "README.md"]
    for folder in ("packages", "tests", "scripts", "bench"):
        places += sorted((ROOT / folder).rglob("*.py"))
    this = Path(__file__).resolve()
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in places
        if path.resolve() != this
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert found == [], "\n".join(found)
