"""``astrocal serve``: run the reference server (SQLite file by default, demo data on first run)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from astrocal_server.bootstrap import FirstRun
    from astrocal_server.config import Settings

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
    from astrocal_server.config import Settings
    from pydantic import ValidationError

    try:
        settings = Settings()
        if database_url:
            settings = settings.with_overrides(database_url=database_url)
    except ValidationError as exc:
        lines = [
            f"  {'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}"
            for e in exc.errors()
        ]
        typer.echo("Invalid configuration:\n" + "\n".join(lines), err=True)
        raise typer.Exit(2) from None
    return settings


def _first_run_banner(first: FirstRun, base_url: str, day: str) -> str:
    test_key = first.created.test_key.secret
    live_key = first.created.live_key.secret
    return (
        "\nAstrocal is set up. These API keys are shown once — store them now:\n"
        f"  live key: {live_key}\n"
        f"  test key: {test_key}\n"
        f"Sample event type (test mode): {first.test_event_type_id}  (slug: intro-call, 30 minutes)\n\n"
        "Try it:\n"
        f'  curl {base_url}/v1/availability -H "Authorization: Bearer {test_key}" '
        f'-d "event_type_id={first.test_event_type_id}&date={day}"\n'
    )


def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Run the Astrocal server. With no configuration it uses ./astrocal.db and creates demo data once."""
    import asyncio

    import uvicorn
    from astrocal_server.app import create_app
    from astrocal_server.bootstrap import ensure_initialised, next_weekday
    from astrocal_server.clock import SystemClock

    settings = load_settings(database_url)
    clock = SystemClock()
    first = asyncio.run(ensure_initialised(settings, clock))
    display_host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104
    base_url = f"http://{display_host}:{port}"
    if first is not None:
        typer.echo(_first_run_banner(first, base_url, next_weekday(clock.now().date()).isoformat()))
    else:
        typer.echo(
            "\nUsing the existing database; its API keys were shown when it was first set up.\n"
            "Lost them? Create another key with POST /v1/api_keys using any key you still have,\n"
            "or start over with a fresh database (--database-url sqlite:///another.db).\n"
        )
    typer.echo(f"API reference: {base_url}/docs\n", nl=True)
    app = create_app(settings.with_overrides(migrate_on_start=False), clock=clock)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
