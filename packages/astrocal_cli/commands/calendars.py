"""``astrocal calendars list|connect caldav|connect google|connect microsoft|disconnect``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from astrocal_cli.command_context import Cli
from astrocal_cli.command_registration import CommandGroup
from astrocal_cli.display_fields import CALENDAR_CONNECTION, CALENDAR_CONNECTION_ROW
from astrocal_cli.request_fields import given
from astrocal_cli.resource_commands import get_command as get_command_for
from astrocal_cli.result_display import show_done, show_one, show_page
from astrocal_cli.shared_options import Paging

__all__ = ["register"]

GROUP = CommandGroup("calendars", "Calendar connections: Google, Microsoft and CalDAV.")
register = GROUP.register

IdArg = Annotated[str, typer.Argument(metavar="CONNECTION_ID", help="cal_…")]


@GROUP.command("list")
def list_command(cli: Cli, page: Paging) -> None:
    """List calendar connections and their calendars."""
    result = cli.call(
        "Fetching connections", lambda c: c.calendar_connections.list(**page.params())
    )
    show_page(
        cli, result, CALENDAR_CONNECTION_ROW, title="Calendar connections",
        empty="No calendars connected yet.",
    )  # fmt: skip


GROUP.add(
    "get",
    get_command_for("calendar_connections", IdArg, CALENDAR_CONNECTION, "Calendar connection"),
)


CONNECT = GROUP.group("connect", "Connect a calendar account.")

HostOption = Annotated[
    str | None,
    typer.Option(
        "--host", help="host_… whose calendar account it is (default: the account's default host)."
    ),
]


@CONNECT.command("caldav")
def caldav_command(
    cli: Cli,
    server_url: Annotated[str, typer.Option("--server-url", help="The CalDAV server's URL.")],
    username: Annotated[str, typer.Option("--username")],
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            envvar="ASTROCAL_CALDAV_PASSWORD",
            help="An (app) password. Omit it to be prompted (or pipe it on stdin), or set ASTROCAL_CALDAV_PASSWORD.",
        ),
    ] = None,
    host: HostOption = None,
) -> None:
    """Connect a CalDAV account (iCloud, Fastmail, Nextcloud, Radicale…) and list its calendars."""
    params = {
        "provider": "caldav",
        "server_url": server_url,
        "username": username,
        "password": password or cli.read_secret("Password"),
        **given(host_id=host),
    }
    result = cli.call("Discovering calendars", lambda c: c.calendar_connections.create(**params))
    show_one(cli, result, CALENDAR_CONNECTION, title="Connected")


def _oauth(
    cli: Cli, provider: str, redirect_uri: str, open_browser: bool, host: str | None
) -> None:
    params = given(host_id=host)
    result = cli.call(
        "Starting the connection",
        lambda c: c.calendar_connections.create(
            provider=provider, redirect_uri=redirect_uri, **params
        ),
    )

    def render(body: dict[str, Any]) -> None:
        url = body.get("authorization_url", "")
        cli.out.line(f"Connection {body.get('id')} is pending. Open this URL to grant access:")
        cli.out.line(url, style="bold")
        cli.out.line("Then check it with `astrocal calendars list` (status becomes active).")
        if open_browser and url:
            import webbrowser

            webbrowser.open(url)

    cli.emit(result, render)


RedirectUri = Annotated[
    str,
    typer.Option("--redirect-uri", help="Where the browser lands after consent (your app's page)."),
]
OpenBrowser = Annotated[bool, typer.Option("--open", help="Open the consent page in a browser.")]


@CONNECT.command("google")
def google_command(
    cli: Cli, redirect_uri: RedirectUri, open_: OpenBrowser = False, host: HostOption = None
) -> None:
    """Connect a Google account: prints the consent URL to open (for the host to open)."""
    _oauth(cli, "google", redirect_uri, open_, host)


@CONNECT.command("microsoft")
def microsoft_command(
    cli: Cli, redirect_uri: RedirectUri, open_: OpenBrowser = False, host: HostOption = None
) -> None:
    """Connect a Microsoft 365 / Outlook account: prints the consent URL to open (for the host
    to open)."""
    _oauth(cli, "microsoft", redirect_uri, open_, host)


@GROUP.command("disconnect", confirm=True)
def disconnect_command(cli: Cli, connection_id: IdArg) -> None:
    """Disconnect a calendar (asks first); its tokens are revoked and forgotten."""
    cli.confirm(f"Disconnect {connection_id}? Its busy times stop counting at once.")
    result = cli.call("Disconnecting", lambda c: c.calendar_connections.delete(connection_id))
    show_done(cli, result, f"Disconnected {connection_id}.")
