"""``astrocal worker``: run the outbox relay (webhooks, emails, calendar write-back) on its own.

``astrocal serve`` relays too (unless ``ASTROCAL_RUN_RELAY=false``); run workers when API processes
and relaying should scale separately. Several workers may share one PostgreSQL database: rows are
claimed with leases (``FOR UPDATE SKIP LOCKED``), so none is taken twice and a killed worker's rows
come back when its lease runs out.
"""

from __future__ import annotations

from typing import Annotated

import typer

from astrocal_cli.commands.serve import DatabaseUrlOption

__all__ = ["register"]


def worker_command(
    database_url: DatabaseUrlOption = None,
    once: Annotated[
        bool, typer.Option("--once", help="Relay everything that is due now, then exit.")
    ] = False,
    concurrency: Annotated[
        int, typer.Option(help="Items relayed at the same time, per kind of work.", min=1, max=1000)
    ] = 128,  # the server's RELAY_CONCURRENCY (tests/cli/test_worker_defaults.py keeps them equal)
) -> None:
    """Relay webhooks, emails and calendar write-backs from the outbox (no HTTP server)."""
    import asyncio
    import logging

    from astrocal_server.entrypoints import run_worker

    from astrocal_cli.commands.serve import load_settings

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = load_settings(database_url)
    if not once:
        typer.echo("astrocal worker: relaying the outbox; stop with Ctrl-C (SIGTERM).", err=True)
    count = asyncio.run(run_worker(settings, once=once, concurrency=concurrency))
    if once:
        typer.echo(f"Relayed {count} item(s); nothing else is due.")


def register(app: typer.Typer) -> None:
    app.command("worker")(worker_command)
