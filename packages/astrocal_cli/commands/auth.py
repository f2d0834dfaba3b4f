"""``astrocal login`` / ``logout`` / ``whoami``: saved profiles of API key + base URL."""

from __future__ import annotations

from typing import Annotated

import typer

from astrocal_cli.command_context import Cli
from astrocal_cli.command_registration import command
from astrocal_cli.display_fields import ACCOUNT
from astrocal_cli.error_reporting import CliError
from astrocal_cli.exit_codes import ExitCode
from astrocal_cli.profiles import DEFAULT_BASE_URL, Profile, Resolved, mask_key

__all__ = ["register"]


def login_command(
    cli: Cli,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            help="The key to save. Omit it to be prompted (or pipe it on stdin).",
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help=f"The API's base URL (default: {DEFAULT_BASE_URL})."),
    ] = None,
    verify: Annotated[
        bool, typer.Option("--verify/--no-verify", help="Check the key against the API first.")
    ] = True,
) -> None:
    """Save an API key and base URL as a profile (mode 0600 in your config directory)."""
    key = api_key.strip() if api_key else cli.read_secret("API key (sk_test_… or sk_live_…)")
    if not key.startswith(("sk_live_", "sk_test_")):
        raise CliError(
            "That does not look like an API key (sk_live_… or sk_test_…).", ExitCode.USAGE
        )
    name = cli.settings.profile
    stored = cli.config.get(name)
    url = (base_url or (stored.base_url if stored else None) or DEFAULT_BASE_URL).rstrip("/")
    account = None
    if verify:
        cli.settings = Resolved(name, key, url, "--api-key", "--base-url")
        result = cli.call("Checking the key", lambda c: c.account.retrieve())
        account = result.data
    cli.config.set(name, Profile(api_key=key, base_url=url))
    if cli.json_mode and account is not None:
        cli.out.raw_json(result.text)
        return
    who = f" as {account['name']} ({account['id']})" if account else ""
    cli.out.line(f"Logged in to {url}{who} with {mask_key(key)}.", style="green")
    cli.out.line(f"Saved in profile {name!r}: {cli.config.path}")


def logout_command(cli: Cli) -> None:
    """Forget a profile's saved key and base URL."""
    name = cli.settings.profile
    if cli.config.get(name) is None:
        raise CliError(f"There is no saved profile {name!r}.", ExitCode.NOT_FOUND)
    cli.confirm(f"Forget the API key saved in profile {name!r}?")
    cli.config.remove(name)
    cli.out.line(f"Logged out of profile {name!r}.")


def whoami_command(cli: Cli) -> None:
    """Show which account, key and server the current profile uses."""
    settings = cli.settings
    result = cli.call("Asking the API", lambda c: c.account.retrieve())
    if cli.json_mode:
        cli.out.raw_json(result.text)
        return
    assert settings.api_key is not None  # client() refused otherwise
    cli.out.detail(result.data, ACCOUNT, title="Account")
    cli.out.line()
    cli.out.line(f"Profile:  {settings.profile}")
    cli.out.line(f"Base URL: {settings.base_url}  (from {settings.base_url_source})")
    cli.out.line(f"API key:  {mask_key(settings.api_key)}  (from {settings.api_key_source})")
    mode = "test" if settings.api_key.startswith("sk_test_") else "live"
    cli.out.line(f"Mode:     {mode}")


def register(app: typer.Typer) -> None:
    command(app, "login", options=("json_mode", "profile"))(login_command)
    command(app, "logout", confirm=True, options=("profile",))(logout_command)
    command(app, "whoami")(whoami_command)
