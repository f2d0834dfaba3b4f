"""``astrocal worker`` relays as many rows at once as the server's own relay does by default."""

from __future__ import annotations

import inspect

from astrocal_cli.commands.worker import worker_command
from astrocal_server.config import RELAY_CONCURRENCY
from astrocal_server.entrypoints import run_worker
from astrocal_server.outbox.relay import RelayLoop


def test_the_worker_command_relays_as_many_rows_at_once_as_serve() -> None:
    defaults = [
        inspect.signature(worker_command).parameters["concurrency"].default,
        inspect.signature(run_worker).parameters["concurrency"].default,
        inspect.signature(RelayLoop).parameters["concurrency"].default,
    ]
    assert defaults == [RELAY_CONCURRENCY] * 3
