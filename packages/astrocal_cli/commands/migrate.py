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

    from astrocal_server.storage.migrate import migrate

    from astrocal_cli.commands.serve import load_settings

    settings = load_settings(database_url)
    asyncio.run(migrate(settings.database_url))
    typer.echo(f"Database is up to date: {_display_url(settings.database_url)}")


def _display_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def register(app: typer.Typer) -> None:
    app.command("migrate")(migrate_command)
