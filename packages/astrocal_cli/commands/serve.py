"""``astrocal serve``: run the reference server (SQLite file by default, demo data on first run)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from astrocal_server.entrypoints import Settings

__all__ = ["DatabaseUrlOption", "load_settings", "register"]

# Every command that opens the server's database takes it the same way.
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLite or PostgreSQL URL (default: ASTROCAL_DATABASE_URL or ./astrocal.db).",
    ),
]


def load_settings(database_url: str | None) -> Settings:
    """Settings from the environment / .env, with ``--database-url`` on top; a clear exit on bad config."""
    from astrocal_server.entrypoints import InvalidSettings
    from astrocal_server.entrypoints import load_settings as server_settings

    try:
        return server_settings(database_url)
    except InvalidSettings as exc:
        lines = [f"  {problem}" for problem in exc.problems]
        typer.echo("Invalid configuration:\n" + "\n".join(lines), err=True)
        raise typer.Exit(2) from None


def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Run the Astrocal server. With no configuration it uses ./astrocal.db and creates demo data once."""
    from astrocal_server.entrypoints import serve

    serve(load_settings(database_url), host=host, port=port, echo=typer.echo)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
