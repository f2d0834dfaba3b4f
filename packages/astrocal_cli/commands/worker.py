"""``astrocal worker``: run the outbox relay (webhooks, emails, calendar write-back) on its own.

``astrocal serve`` relays too (unless ``ASTROCAL_RUN_RELAY=false``); run workers when API processes
and relaying should scale separately. Several workers may share one PostgreSQL database: rows are
claimed with leases (``FOR UPDATE SKIP LOCKED``), so none is taken twice and a killed worker's rows
come back when its lease runs out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from astrocal_cli.commands.serve import DatabaseUrlOption

if TYPE_CHECKING:
    from astrocal_server.config import Settings

__all__ = ["register", "run_worker"]


async def run_worker(settings: Settings, *, once: bool = False, concurrency: int = 32) -> int:
    """Relay until SIGTERM/SIGINT (or, with ``once``, until nothing is due); how many items ran."""
    import asyncio
    import signal
    from contextlib import AsyncExitStack

    from astrocal_server.availability import NoExternalBusy
    from astrocal_server.clock import SystemClock
    from astrocal_server.lifespan import LIFESPAN_HOOKS
    from astrocal_server.outbox.relay import OutboxRelay, RelayLoop, new_owner
    from astrocal_server.state import AppState
    from astrocal_server.storage.db import Database
    from astrocal_server.storage.migrate import migrate
    from astrocal_server.webhooks.dispatcher import DeliveryDispatcher

    db = Database(settings.database_url)
    try:
        if settings.migrate_on_start:
            await migrate(settings.database_url, database=db)
        # The hooks set up what handlers need (mailer, calendars…); the relay is driven here.
        state = AppState(
            settings=settings.with_overrides(run_relay=False),
            db=db,
            clock=SystemClock(),
            busy_source=NoExternalBusy(),
        )
        async with AsyncExitStack() as stack:
            for hook in LIFESPAN_HOOKS:
                await stack.enter_async_context(hook(state))
            owner = new_owner()
            if once:
                relay = OutboxRelay(state, owner=owner)
                dispatcher = DeliveryDispatcher(state, owner=owner)
                total = 0
                while True:
                    done = await relay.run_once() + await dispatcher.run_once()
                    total += done
                    if not done:
                        return total
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            relay_loop = RelayLoop(state, owner=owner, concurrency=concurrency)
            relay_loop.wake_on_commits(db)  # its own retries and results; others' rows by polling
            await relay_loop.run(stop)
            return 0
    finally:
        await db.dispose()


def worker_command(
    database_url: DatabaseUrlOption = None,
    once: Annotated[
        bool, typer.Option("--once", help="Relay everything that is due now, then exit.")
    ] = False,
    concurrency: Annotated[
        int, typer.Option(help="Items relayed at the same time, per kind of work.", min=1, max=1000)
    ] = 32,
) -> None:
    """Relay webhooks, emails and calendar write-backs from the outbox (no HTTP server)."""
    import asyncio
    import logging

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
