"""The packages use only the public API of their dependencies.

A private name of a library (``httpx``'s transport ``_pool``, ``httpcore._backends``, SQLAlchemy's
``_cached_bind_processor``) can change or vanish in any release without notice; code that leans on
one breaks silently on an upgrade — for the webhook client that would mean losing the SSRF guard.
An AST walk over ``packages/`` flags:

- importing a private module of another distribution (``import httpcore._backends``,
  ``from httpx._config import …``) or a private name from one (``from httpx import _x``);
- reading or writing a private attribute (``obj._name``, ``getattr(obj, "_name")``) whose name the
  project itself never defines — so it can only be a dependency's;
- the names known to be library internals (``_pool``, ``_transport``, ``_ssl_context``…) even when
  the project assigns them, which is how a subclass swaps a library's internals.

The project's own packages may use each other's underscored modules (``astrocal_sdk._types``).
Names that the standard library documents despite the underscore (``namedtuple._replace``,
``os._exit``) are allowed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ROOT / "packages"
OURS = {"astrocal_sdk", "astrocal_server", "astrocal_mcp", "astrocal_cli"}
DOCUMENTED = {"_replace", "_asdict", "_fields", "_field_defaults", "_make", "_exit"}
# Internals of httpx/httpcore/SQLAlchemy that a subclass could reach by assigning them.
KNOWN_INTERNALS = {
    "_pool",
    "_transport",
    "_transport_for_url",
    "_mounts",
    "_ssl_context",
    "_network_backend",
    "_connections",
    "_backend",
    "_result_columns",
    "_cached_bind_processor",
    "_cached_result_processor",
}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _trees() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(PACKAGES.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _attribute_names(node: ast.AST) -> Iterator[tuple[str, bool]]:
    """``(name, is_definition)`` for attribute reads/writes and ``getattr``-style strings."""
    if isinstance(node, ast.Attribute):
        yield node.attr, isinstance(node.ctx, ast.Store)
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"getattr", "setattr", "hasattr", "delattr"}
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    ):
        yield node.args[1].value, node.func.id == "setattr"


def _defined_names(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node.name
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            yield node.id
        elif isinstance(node, ast.arg):
            yield node.arg
        elif isinstance(node, ast.alias):
            yield (node.asname or node.name).split(".")[0]
        for name, defines in _attribute_names(node):
            if defines:
                yield name


def private_api_uses(trees: list[tuple[Path, ast.Module]]) -> list[str]:
    """``path:line: what`` for every use of a dependency's private module or attribute."""
    defined = {name for _, tree in trees for name in _defined_names(tree)}
    found: list[str] = []
    for path, tree in trees:
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.Import | ast.ImportFrom):
                module = node.module or "" if isinstance(node, ast.ImportFrom) else ""
                if isinstance(node, ast.ImportFrom) and node.level:
                    continue  # a relative import stays inside the project
                modules = [module] if module else [a.name for a in node.names]
                for dotted in modules:
                    parts = dotted.split(".")
                    if parts[0] not in OURS and any(_private(p) for p in parts):
                        found.append(f"{where}:{line}: imports private module {dotted}")
                if module and module.split(".")[0] not in OURS:
                    for alias in node.names:
                        if _private(alias.name):
                            found.append(f"{where}:{line}: imports private {module}.{alias.name}")
                continue
            for name, _defines in _attribute_names(node):
                if not _private(name) or name in DOCUMENTED:
                    continue
                if name in KNOWN_INTERNALS or name not in defined:
                    found.append(f"{where}:{line}: uses {name}, a dependency's private attribute")
    return found


def test_no_private_api_of_a_dependency() -> None:
    assert private_api_uses(list(_trees())) == []


def _uses(source: str) -> list[str]:
    return [
        use.split(": ", 1)[1]
        for use in private_api_uses([(PACKAGES / "example.py", ast.parse(source))])
    ]


def test_the_check_catches_what_it_is_meant_to() -> None:
    assert _uses("from httpcore._backends.auto import AutoBackend") == [
        "imports private module httpcore._backends.auto"
    ]
    assert _uses("import httpx._config") == ["imports private module httpx._config"]
    assert _uses("from httpx import _utils") == ["imports private httpx._utils"]
    swapped = (
        "class T:\n    def __init__(self):\n        self._pool = make(self._pool._ssl_context)"
    )
    assert sorted(_uses(swapped)) == [
        "uses _pool, a dependency's private attribute",
        "uses _pool, a dependency's private attribute",
        "uses _ssl_context, a dependency's private attribute",
    ]
    assert _uses("x = getattr(client, '_mounts')") == [
        "uses _mounts, a dependency's private attribute"
    ]
    assert _uses("compiled.binds[n].type._cached_bind_processor(d)") == [
        "uses _cached_bind_processor, a dependency's private attribute"
    ]
    assert _uses("v = row._other")[0].startswith("uses _other")  # not defined in the project


def test_the_projects_own_private_names_are_not_flagged() -> None:
    own = (
        "from astrocal_sdk._types import Omit\n"
        "class A:\n"
        "    def __init__(self):\n"
        "        self._state = 1\n"
        "    def same(self, other):\n"
        "        return other._state\n"
        "point = point._replace(x=1)\n"
    )
    assert _uses(own) == []
