"""``astrocal openapi``: print the API contract (openapi.yaml)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from astrocal_cli.runtime import Cli, command

__all__ = ["bundled_spec", "register"]


def bundled_spec() -> Path | None:
    """The spec shipped with the server package (or at a source checkout's root), if installed."""
    import importlib.util

    spec = importlib.util.find_spec("astrocal_server")
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    for candidate in (package / "openapi.yaml", package.parents[1] / "openapi.yaml"):
        if candidate.is_file():
            return candidate
    return None


def openapi_command(
    cli: Cli,
    remote: Annotated[
        bool,
        typer.Option(
            "--remote",
            help="Fetch the spec from the configured server instead of the installed copy.",
        ),
    ] = False,
) -> None:
    """Print the OpenAPI spec: YAML as written, or JSON (as GET /v1/openapi.json) with --json."""
    path = None if remote else bundled_spec()
    if path is None:
        if cli.json_mode:
            result = cli.call("Fetching the spec", lambda c: c.meta.openapi_json())
        else:
            result = cli.call("Fetching the spec", lambda c: c.meta.openapi_yaml())
        cli.out.raw_json(result.text)
        return
    raw = path.read_text(encoding="utf-8")
    if cli.json_mode:
        import yaml

        cli.out.raw_json(json.dumps(yaml.safe_load(raw), ensure_ascii=False))
    else:
        typer.echo(raw, nl=not raw.endswith("\n"))


def register(app: typer.Typer) -> None:
    command(app, "openapi")(openapi_command)
