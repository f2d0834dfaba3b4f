"""``astrocal account show|update``: the account the key belongs to, and its settings."""

from __future__ import annotations

from typing import Annotated

import typer

from astrocal_cli.command_context import Cli
from astrocal_cli.command_registration import CommandGroup
from astrocal_cli.display_fields import ACCOUNT
from astrocal_cli.error_reporting import CliError
from astrocal_cli.exit_codes import ExitCode
from astrocal_cli.result_display import show_one

__all__ = ["register"]

GROUP = CommandGroup("account", "The account the API key belongs to, and its settings.")
register = GROUP.register


@GROUP.command("show")
def show_command(cli: Cli) -> None:
    """Show the account: name, email, zone, plan and settings."""
    result = cli.call("Fetching the account", lambda c: c.account.retrieve())
    show_one(cli, result, ACCOUNT, title="Account")


@GROUP.command("update")
def update_command(
    cli: Cli,
    invitee_url_template: Annotated[
        str | None,
        typer.Option(
            "--invitee-url-template",
            metavar="URL|none",
            help="Point invitee links at your own pages: an absolute URL with {token} (and "
            "optionally {action}), e.g. https://app.example.com/manage/{token}; none goes back "
            "to this server's pages.",
        ),
    ] = None,
) -> None:
    """Change account settings (only those given)."""
    if invitee_url_template is None:
        raise CliError("Nothing to change: give --invitee-url-template.", ExitCode.USAGE)
    template = None if invitee_url_template.strip().lower() == "none" else invitee_url_template
    result = cli.call(
        "Updating the account", lambda c: c.account.update(invitee_url_template=template)
    )
    show_one(cli, result, ACCOUNT, title="Account")
