"""``astrocal mcp``: run the MCP server with the current profile's key and base URL."""

from __future__ import annotations

import os

import typer

from astrocal_cli.command_context import Cli
from astrocal_cli.command_registration import command
from astrocal_cli.error_reporting import CliError
from astrocal_cli.exit_codes import ExitCode

__all__ = ["register"]


def mcp_command(cli: Cli, ctx: typer.Context) -> None:
    """Run the Astrocal MCP server for AI agents (stdio by default; `astrocal mcp --transport http`). Other arguments go to the server: `astrocal mcp -- --help`."""
    settings = cli.settings
    # The MCP server reads its configuration from the environment (like the official server does).
    if settings.api_key:
        os.environ["ASTROCAL_API_KEY"] = settings.api_key
    os.environ["ASTROCAL_API_URL"] = settings.base_url
    try:
        import mcp  # noqa: F401 - the [mcp] extra; without it, say how to install it
        from astrocal_mcp.__main__ import main
    except ModuleNotFoundError as exc:
        raise CliError(
            f"`astrocal mcp` needs the MCP extra ({exc.name} is missing): pip install 'astrocal[mcp]'",
            ExitCode.ERROR,
        ) from None
    main(list(ctx.args))


def register(app: typer.Typer) -> None:
    command(
        app,
        "mcp",
        options=("profile",),
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )(mcp_command)
