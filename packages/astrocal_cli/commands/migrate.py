"""``astrocal migrate``: bring the server's database schema up to date."""

from __future__ import annotations

import typer

from astrocal_cli.commands.serve import DatabaseUrlOption

__all__ = ["register"]


def migrate_command(
    database_url: DatabaseUrlOption = None,
) -> None:
    """Create or upgrade the database schema, then exit."""
    import asyncio

    from astrocal_server.entrypoints import migrate

    from astrocal_cli.commands.serve import load_settings

    shown = asyncio.run(migrate(load_settings(database_url)))
    typer.echo(f"Database is up to date: {shown}")


def register(app: typer.Typer) -> None:
    app.command("migrate")(migrate_command)
