"""``astrocal openapi``: print the API contract (openapi.yaml) that ships with the package."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from astrocal_cli.command_context import Cli
from astrocal_cli.command_registration import command
from astrocal_cli.error_reporting import CliError
from astrocal_cli.exit_codes import ExitCode

__all__ = ["bundled_spec", "register"]


def bundled_spec() -> Path | None:
    """The spec inside the installed package (or at a source checkout's root)."""
    import importlib.util

    spec = importlib.util.find_spec("astrocal_server")
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    for candidate in (package / "openapi.yaml", package.parents[1] / "openapi.yaml"):
        if candidate.is_file():
            return candidate
    return None


def openapi_command(cli: Cli) -> None:
    """Print the OpenAPI spec: the YAML as written, or with --json the same JSON as GET /v1/openapi.json."""
    path = bundled_spec()
    if path is None:
        raise CliError("openapi.yaml is not part of this installation.", ExitCode.ERROR)
    raw = path.read_text(encoding="utf-8")
    if cli.json_mode:
        try:
            import yaml
        except ImportError:
            raise CliError(
                "--json needs PyYAML: pip install 'astrocal[server]'", ExitCode.ERROR
            ) from None
        cli.out.raw_json(json.dumps(yaml.safe_load(raw), ensure_ascii=False))
    else:
        typer.echo(raw, nl=not raw.endswith("\n"))


def register(app: typer.Typer) -> None:
    command(app, "openapi", options=("json_mode",))(openapi_command)
