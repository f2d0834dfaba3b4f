"""Which code may import which: the package edges and the server's layers, read from the source.

An AST walk over ``packages/`` collects every import (module level, inside functions and under
``TYPE_CHECKING`` alike) as a ``(module, imported)`` edge; :func:`violations` checks a set of
edges against the rules below, so a test can also feed it edges that must fail.

Packages: ``astrocal_sdk`` imports no sibling; ``astrocal_mcp`` only the SDK; ``astrocal_server``
imports ``astrocal_mcp`` in ``astrocal_server.api.mcp`` only; ``astrocal_cli`` reaches the server
through ``astrocal_server.entrypoints`` only. No cycle between the four.

Server layers: ``api/`` (plus ``app.py``, the app factory) is the only code that knows HTTP: nothing
else imports FastAPI, Starlette or ``astrocal_server.api``; and no ``api/`` module imports
SQLAlchemy (routers call services, services and storage talk to the database); the pure rules
(the slot engine, ``*.rules``, retry schedules) and the serialisers import no I/O library at all.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

PACKAGES_DIR = Path(__file__).resolve().parents[2] / "packages"
PACKAGES = ("astrocal_sdk", "astrocal_mcp", "astrocal_cli", "astrocal_server")

# Sibling packages each package may import.
MAY_IMPORT: Mapping[str, frozenset[str]] = {
    "astrocal_sdk": frozenset(),
    "astrocal_mcp": frozenset({"astrocal_sdk"}),
    "astrocal_server": frozenset({"astrocal_sdk", "astrocal_mcp"}),
    "astrocal_cli": frozenset({"astrocal_sdk", "astrocal_mcp", "astrocal_server"}),
}
SERVER_MCP_MOUNT = "astrocal_server.api.mcp"
SERVER_FACADE = "astrocal_server.entrypoints"
HTTP_FRAMEWORKS = frozenset({"fastapi", "starlette"})
HTTP_LAYER = ("astrocal_server.api", "astrocal_server.app")
# Pure rules and serialisers: no I/O, no storage, no framework (their callers bring the data).
PURE = (
    "astrocal_server.availability.engine",
    "astrocal_server.availability.rules",
    "astrocal_server.bookings.rules",
    "astrocal_server.bookings.answers",
    "astrocal_server.event_types.rules",
    "astrocal_server.event_types.questions",
    "astrocal_server.event_types.reminders",
    "astrocal_server.holds.rules",
    "astrocal_server.schedules.rules",
    "astrocal_server.webhooks.schedule",
    "astrocal_server.errors",
    "astrocal_server.serialize",
)
IO_LIBRARIES = frozenset(
    {"sqlalchemy", "httpx", "aiosmtplib", "asyncpg", "aiosqlite", "fastapi", "starlette"}
)

# Modules that still break a layer rule while the layering work lands, rule -> modules.
# SHRINK ONLY: delete an entry as soon as its module complies (test_allow_list_has_no_stale_entries
# fails on an entry that is no longer needed); never add one.
ALLOWED: Mapping[str, frozenset[str]] = {
    "http-outside-api": frozenset(),
    "io-in-pure-rules": frozenset(),
    "sqlalchemy-in-api": frozenset(),
}


# --- collecting edges -------------------------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGES_DIR).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # Relative: resolve against this module's package.
                base = module.split(".")
                drop = node.level - 1 if is_package else node.level
                base = base[: len(base) - drop] if drop else base
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target
            # ``from pkg import sub`` imports the submodule ``pkg.sub`` when there is one; the
            # rule check below only cares about our own packages, so over-approximating is fine.
            for alias in node.names:
                if alias.name != "*":
                    yield f"{target}.{alias.name}"


def collect_edges(root: Path = PACKAGES_DIR) -> set[tuple[str, str]]:
    """Every ``(module, imported)`` pair in the four packages."""
    edges: set[tuple[str, str]] = set()
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            module = _module_name(path)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for imported in _imports(tree, module, _is_package(path)):
                edges.add((module, imported))
    return edges


# --- the rules ----------------------------------------------------------------------------------


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _package_cycles(edges: Iterable[tuple[str, str]]) -> list[str]:
    graph: dict[str, set[str]] = {p: set() for p in PACKAGES}
    for module, imported in edges:
        src, dst = _top(module), _top(imported)
        if src in graph and dst in graph and src != dst:
            graph[src].add(dst)
    found: list[str] = []
    for start in PACKAGES:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph[node]):
                if nxt == start:
                    found.append("package cycle: " + " -> ".join([*path, start]))
                elif nxt not in path:
                    stack.append((nxt, [*path, nxt]))
    return sorted(set(found))


def layer_problems(edges: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Modules breaking a layer rule, by rule (before the allow-list is applied)."""
    problems: dict[str, set[str]] = {
        "http-outside-api": set(),
        "sqlalchemy-in-api": set(),
        "io-in-pure-rules": set(),
    }
    for module, imported in edges:
        if not _within(module, "astrocal_server"):
            continue
        in_http_layer = any(_within(module, p) for p in HTTP_LAYER)
        if not in_http_layer and (
            _top(imported) in HTTP_FRAMEWORKS or _within(imported, "astrocal_server.api")
        ):
            problems["http-outside-api"].add(module)
        if _within(module, "astrocal_server.api") and _top(imported) == "sqlalchemy":
            problems["sqlalchemy-in-api"].add(module)
        if any(_within(module, p) for p in PURE) and (
            _top(imported) in IO_LIBRARIES or _within(imported, "astrocal_server.storage.db")
        ):
            problems["io-in-pure-rules"].add(module)
    return problems


def violations(
    edges: Iterable[tuple[str, str]], allowed: Mapping[str, frozenset[str]] = ALLOWED
) -> list[str]:
    """Every broken rule, one line each (empty when the edges comply)."""
    edges = set(edges)
    found: list[str] = []
    for module, imported in sorted(edges):
        src, dst = _top(module), _top(imported)
        if src not in MAY_IMPORT or dst not in MAY_IMPORT or src == dst:
            continue
        if dst not in MAY_IMPORT[src]:
            found.append(f"{module} imports {imported}: {src} may not import {dst}")
        elif src == "astrocal_server" and dst == "astrocal_mcp" and module != SERVER_MCP_MOUNT:
            found.append(f"{module} imports {imported}: only {SERVER_MCP_MOUNT} may")
        elif (
            src == "astrocal_cli"
            and dst == "astrocal_server"
            and not _within(imported, SERVER_FACADE)
            and imported != "astrocal_server"  # `from astrocal_server import entrypoints`
        ):
            found.append(f"{module} imports {imported}: the CLI uses only {SERVER_FACADE}")
    found += _package_cycles(edges)
    for rule, modules in layer_problems(edges).items():
        for module in sorted(modules - allowed.get(rule, frozenset())):
            found.append(f"{module} breaks {rule}")
    return found


# --- the tests ----------------------------------------------------------------------------------


def test_the_packages_follow_the_dependency_rules() -> None:
    edges = collect_edges()
    assert len({m for m, _ in edges}) > 100  # the walk found the code
    assert violations(edges) == []


def test_allow_list_has_no_stale_entries() -> None:
    problems = layer_problems(collect_edges())
    stale = {rule: sorted(mods - problems[rule]) for rule, mods in ALLOWED.items()}
    assert all(not mods for mods in stale.values()), f"remove from ALLOWED: {stale}"


def test_a_reintroduced_cycle_fails() -> None:
    edges = collect_edges() | {("astrocal_mcp.remote", "astrocal_server.state")}
    found = violations(edges)
    assert (
        "astrocal_mcp.remote imports astrocal_server.state: astrocal_mcp may not import "
        "astrocal_server" in found
    )
    assert any(line.startswith("package cycle: astrocal_mcp -> astrocal_server") for line in found)


def test_each_forbidden_edge_fails() -> None:
    forbidden = {
        ("astrocal_sdk._client", "astrocal_mcp.server"): "astrocal_sdk may not import astrocal_mcp",
        ("astrocal_server.lifespan", "astrocal_mcp.hosted"): "only astrocal_server.api.mcp may",
        ("astrocal_cli.commands.worker", "astrocal_server.outbox.relay"): "the CLI uses only",
        ("astrocal_server.state", "fastapi"): "astrocal_server.state breaks http-outside-api",
        ("astrocal_server.clock", "astrocal_server.api.deps"): "breaks http-outside-api",
        ("astrocal_server.api.meta", "sqlalchemy.orm"): "breaks sqlalchemy-in-api",
        ("astrocal_server.availability.engine", "sqlalchemy"): "breaks io-in-pure-rules",
        ("astrocal_server.serialize.bookings", "httpx"): "breaks io-in-pure-rules",
    }
    for edge, message in forbidden.items():
        found = violations({edge}, allowed={})
        assert any(message in line for line in found), (edge, found)


def test_allowed_edges_pass() -> None:
    assert (
        violations(
            {
                ("astrocal_mcp.server", "astrocal_sdk"),
                ("astrocal_server.api.mcp", "astrocal_mcp.hosted"),
                ("astrocal_cli.commands.serve", "astrocal_server.entrypoints"),
                ("astrocal_cli.commands.mcp", "astrocal_mcp.__main__"),
                ("astrocal_server.app", "fastapi"),
                ("astrocal_server.api.bookings", "astrocal_server.bookings.service"),
                ("astrocal_server.storage.db", "sqlalchemy.ext.asyncio"),
            },
            allowed={},
        )
        == []
    )


def test_relative_imports_are_resolved() -> None:
    tree = ast.parse("from . import deps\nfrom ..storage import db\n")
    found = set(_imports(tree, "astrocal_server.api", is_package=True))
    assert {"astrocal_server.api.deps", "astrocal_server.storage.db"} <= found
