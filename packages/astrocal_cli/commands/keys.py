"""``astrocal keys list|create|revoke``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from astrocal_cli.command_context import Cli
from astrocal_cli.command_registration import CommandGroup
from astrocal_cli.display_fields import API_KEY
from astrocal_cli.result_display import show_done, show_page
from astrocal_cli.shared_options import Paging

__all__ = ["register"]

GROUP = CommandGroup("keys", "API keys: list, create, revoke.")
register = GROUP.register


@GROUP.command("list")
def list_command(cli: Cli, page: Paging) -> None:
    """List API keys (secrets are never shown again)."""
    result = cli.call("Fetching keys", lambda c: c.api_keys.list(**page.params()))
    show_page(cli, result, API_KEY, title="API keys", empty="No API keys.")


@GROUP.command("create")
def create_command(
    cli: Cli,
    name: Annotated[str, typer.Option("--name", help="What the key is for.")],
    mode: Annotated[
        str, typer.Option("--mode", metavar="live|test", help="live or test.")
    ] = "test",
) -> None:
    """Create an API key; prints its secret once."""
    result = cli.call("Creating the key", lambda c: c.api_keys.create(name=name, mode=mode))

    def render(body: dict[str, Any]) -> None:
        cli.out.detail(body, API_KEY, title="Created key")
        cli.out.secret("Secret", body.get("secret", ""))

    cli.emit(result, render)


@GROUP.command("revoke", confirm=True)
def revoke_command(
    cli: Cli, key_id: Annotated[str, typer.Argument(metavar="KEY_ID", help="key_…")]
) -> None:
    """Revoke an API key at once (asks first)."""
    cli.confirm(f"Revoke {key_id}? Requests with it fail from now on.")
    result = cli.call("Revoking", lambda c: c.api_keys.revoke(key_id))
    show_done(cli, result, f"Revoked {key_id}.")
