"""``astrocal init``: an account and API keys on a local database, saved as a profile."""

from __future__ import annotations

from typing import Annotated

import typer

from astrocal_cli.command_context import Cli
from astrocal_cli.command_registration import command
from astrocal_cli.commands.serve import DatabaseUrlOption
from astrocal_cli.error_reporting import CliError
from astrocal_cli.exit_codes import ExitCode
from astrocal_cli.user_times import iana_name, local_zone, zone

__all__ = ["register"]


def init_command(
    cli: Cli,
    database_url: DatabaseUrlOption = None,
    name: Annotated[str, typer.Option(help="The account's name.")] = "My Astrocal",
    email: Annotated[str | None, typer.Option(help="The account's email.")] = None,
    time_zone: Annotated[
        str | None,
        typer.Option("--time-zone", help="The account's zone (default: this machine's zone)."),
    ] = None,
    base_url: Annotated[
        str,
        typer.Option("--base-url", help="Where the server will listen (saved in the profile)."),
    ] = "http://127.0.0.1:8000",
    save: Annotated[
        bool, typer.Option("--save/--no-save", help="Save the test key as the profile's key.")
    ] = True,
) -> None:
    """Create an account and its live and test keys directly in a local database.

    On an empty database this is the same first run `astrocal serve` does (with a sample event
    type). The test key is saved in the profile, so API commands work right away.
    """
    import asyncio

    from astrocal_cli.commands.serve import load_settings
    from astrocal_cli.profiles import Profile

    # An unknown zone is a usage error before anything is written; a machine that only knows its
    # offset gets UTC (the API wants IANA names).
    tz_name = iana_name(zone(time_zone)) if time_zone else iana_name(local_zone())
    tz_name = tz_name or "UTC"
    try:
        from astrocal_server.entrypoints import init_local_account

        settings = load_settings(database_url)
        result = asyncio.run(
            init_local_account(settings, name=name, email=email, time_zone=tz_name)
        )
    except ModuleNotFoundError as exc:
        raise CliError(
            f"`astrocal init` works on the server's database and needs the server package "
            f"({exc.name} is missing): pip install 'astrocal[server]'",
            ExitCode.ERROR,
        ) from None
    body = result.body
    if save:
        cli.config.set(
            cli.settings.profile,
            Profile(api_key=body["test_key"]["secret"], base_url=base_url.rstrip("/")),
        )
    if cli.json_mode:
        import json

        cli.out.raw_json(json.dumps(body))
    else:
        account = body["account"]
        cli.out.line(f"Created account {account['name']} ({account['id']}).", style="green")
        cli.out.secret("Live key", body["live_key"]["secret"])
        cli.out.secret("Test key", body["test_key"]["secret"])
        if result.sample_event_type_id:
            cli.out.line(
                f"Sample event type (test mode): {result.sample_event_type_id} (intro-call, 30 min)"
            )
    if save:
        cli.out.note(
            f"Saved the test key in profile {cli.settings.profile!r} ({cli.config.path}) for "
            f"{base_url}. Start the server with `astrocal serve`."
        )


def register(app: typer.Typer) -> None:
    command(app, "init", options=("json_mode", "profile"))(init_command)
