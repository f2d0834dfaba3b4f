"""``astrocal usage``: this period's bookings against the plan, and the request rate limit."""

from __future__ import annotations

import typer

from astrocal_cli.command_context import Cli
from astrocal_cli.command_registration import command
from astrocal_cli.display_fields import USAGE
from astrocal_cli.result_display import show_one

__all__ = ["register"]


def usage_command(cli: Cli) -> None:
    """This period's bookings against the plan's limit, and the request rate limit."""
    result = cli.call("Fetching usage", lambda c: c.usage.retrieve())
    show_one(cli, result, USAGE, title="Usage")


def register(app: typer.Typer) -> None:
    command(app, "usage")(usage_command)
