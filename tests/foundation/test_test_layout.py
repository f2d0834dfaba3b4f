"""Test modules do not import each other: shared fixtures and helpers live in ``tests/support``.

An AST walk over every Python file under ``tests/`` outside ``tests/support`` flags:
- a relative import (``from .conftest import X``, ``from .helpers import Y``, ``from . import m``);
- an absolute import of a ``tests.*`` module other than ``tests.support.*``;
- loading a module by path (``importlib.util.spec_from_file_location``), except the project's
  own ``scripts/`` (tools under test, not test modules).
``tests/support`` modules may import each other, never a test module or a conftest.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"


def _is_test_module(path: Path) -> bool:
    return path.name == "conftest.py" or path.name.startswith("test_")


def _target(tests: Path, dotted: str) -> Path:
    """The file (or folder) under ``tests`` that a ``tests.*`` module name refers to."""
    parts = dotted.split(".")
    base = tests.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return base


def import_violations(tests: Path) -> list[str]:
    """``path:line: why`` for every import under ``tests`` that breaks the layout rule."""
    support = tests / "support"
    found: list[str] = []
    for path in sorted(tests.rglob("*.py")):
        if ".venv" in path.parts:
            continue
        in_support = path.is_relative_to(support)
        where = path.relative_to(tests.parent)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            modules: list[str] = []
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.ImportFrom):
                if node.level and not in_support:
                    found.append(f"{where}:{line}: relative import (use tests.support)")
                    continue
                if node.module:
                    modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "spec_from_file_location"
                and "scripts" not in ast.unparse(node)
            ):
                found.append(f"{where}:{line}: loads a module by path")
                continue
            names = [n for n in modules if n == "tests" or n.startswith("tests.")]
            test_modules = [n for n in names if _is_test_module(_target(tests, n))]
            helpers = [
                n for n in names if n != "tests.support" and not n.startswith("tests.support.")
            ]
            if test_modules:
                found.append(f"{where}:{line}: imports test module {test_modules[-1]}")
            elif helpers and not in_support:
                found.append(
                    f"{where}:{line}: imports {helpers[0]} (helpers live in tests.support)"
                )
    return found


def test_no_test_module_imports_another() -> None:
    assert import_violations(TESTS) == []


def test_the_check_catches_each_kind_of_import(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    (tests / "support").mkdir(parents=True)
    (tests / "area").mkdir()
    (tests / "support" / "helpers.py").write_text("from tests.area.test_a import X\n")
    (tests / "area" / "conftest.py").write_text("X = 1\n")
    (tests / "area" / "helper.py").write_text("Y = 1\n")
    (tests / "area" / "test_a.py").write_text(
        "import importlib.util\n"
        "from .conftest import X\n"
        "from tests.area.helper import Y\n"
        "from tests.area import conftest\n"
        "from tests.support.helpers import Z\n"
        "spec = importlib.util.spec_from_file_location('m', 'tests/area/test_b.py')\n"
    )
    (tests / "area" / "test_b.py").write_text("import tests.area.test_a\n")
    assert import_violations(tests) == [
        "tests/area/test_a.py:2: relative import (use tests.support)",
        "tests/area/test_a.py:3: imports tests.area.helper (helpers live in tests.support)",
        "tests/area/test_a.py:4: imports test module tests.area.conftest",
        "tests/area/test_a.py:6: loads a module by path",
        "tests/area/test_b.py:1: imports test module tests.area.test_a",
        "tests/support/helpers.py:1: imports test module tests.area.test_a",
    ]
