"""openapi.yaml is a valid OpenAPI 3.1 document, and passes the project's linter when one is available."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]


def test_the_document_validates_as_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    validate(spec)  # raises on any structural error


def test_info_and_servers(spec: dict[str, Any]) -> None:
    info = spec["info"]
    assert info["version"] == "1.0.0"
    assert info["title"] and info["description"] and info["contact"] and info["license"]
    assert [s["url"] for s in spec["servers"]] == [
        "http://127.0.0.1:8000",
        "https://api.astrocal.dev",
    ]
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "sk_live_" in scheme["description"] and "sk_test_" in scheme["description"]
    assert spec["security"] == [{"bearerAuth": []}]


def test_the_file_is_plain_two_space_yaml() -> None:
    text = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert "\t" not in text
    for number, line in enumerate(text.splitlines(), 1):
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0, f"line {number} is indented by {indent} spaces"
        assert line == line.rstrip(), f"line {number} has trailing whitespace"


@pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "node_modules" / ".bin" / "redocly").exists(),
    reason="Redocly CLI not installed: run scripts/lint-spec once (needs node and npm)",
)
def test_the_linter_passes_clean() -> None:
    result = subprocess.run(
        [str(ROOT / "scripts" / "lint-spec")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
