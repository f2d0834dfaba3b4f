"""One distribution, four import packages; the SDK alone needs only httpx and pydantic."""

from __future__ import annotations

import importlib.metadata as md
import re
from pathlib import Path

from packaging.requirements import Requirement


def _requirements() -> list[Requirement]:
    return [Requirement(r) for r in md.requires("astrocal") or []]


def test_plain_install_pulls_only_the_sdk_dependencies() -> None:
    base = {r.name.lower() for r in _requirements() if r.marker is None}
    assert base == {"httpx", "pydantic"}


def test_extras_carry_the_heavy_dependencies() -> None:
    by_extra: dict[str, set[str]] = {}
    for req in _requirements():
        if req.marker is None:
            continue
        match = re.search(r'extra == "([a-z]+)"', str(req.marker))
        assert match, req
        by_extra.setdefault(match.group(1), set()).add(req.name.lower())
    assert {"cli", "mcp", "server", "all"} <= set(by_extra)
    assert {"fastapi", "sqlalchemy", "alembic", "uvicorn"} <= by_extra["server"]
    assert "mcp" in by_extra["mcp"]
    assert {"typer", "rich"} <= by_extra["cli"]
    # Nothing heavy sneaks into the SDK's own dependency list.
    assert not {"fastapi", "sqlalchemy", "typer", "mcp"} & {
        r.name.lower() for r in _requirements() if r.marker is None
    }


def test_console_scripts_exist() -> None:
    scripts = {ep.name: ep.value for ep in md.entry_points(group="console_scripts")}
    assert scripts["astrocal"] == "astrocal_cli.__main__:main"
    assert scripts["astrocal-mcp"] == "astrocal_mcp.__main__:main"


def test_import_packages_are_importable() -> None:
    for name in ("astrocal_sdk", "astrocal_server", "astrocal_mcp", "astrocal_cli"):
        assert md.packages_distributions()  # the distribution is installed
        __import__(name)


def test_the_wheel_ships_the_pages_templates_and_assets() -> None:
    """The invitee pages' templates, their stylesheet and script, and the vendored Redoc bundle
    behind ``/docs`` are files, not modules: the wheel must carry every one of them."""
    from hatchling.builders.wheel import WheelBuilder

    root = Path(__file__).resolve().parents[2]
    api = root / "packages" / "astrocal_server" / "api"
    needed = {
        "astrocal_server/" + path.relative_to(api.parent).as_posix()
        for folder in ("static", "templates")
        for path in (api / folder).rglob("*")
        if path.is_file()
    }
    assert "astrocal_server/api/static/vendor/redoc/redoc.standalone.js" in needed
    assert "astrocal_server/api/templates/manage.html" in needed
    shipped = {f.distribution_path for f in WheelBuilder(str(root)).recurse_included_files()}
    assert needed <= shipped, sorted(needed - shipped)
