"""Writing one benchmark's section of bench/RESULTS.md, leaving the other sections as they are."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["RESULTS", "write_section"]

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(heading: str, text: str) -> None:
    """Replace the ``heading`` section (up to the next ``## ``) with ``text``, or append it."""
    text = text.rstrip("\n") + "\n\n"  # a blank line before the next section
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text, current)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(updated.rstrip("\n") + "\n", encoding="utf-8")
