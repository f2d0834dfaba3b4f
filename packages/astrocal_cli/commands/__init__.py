"""Command modules. Each exposes ``register(app)``; add yours to :data:`COMMAND_MODULES`.

Registration order is the order ``astrocal --help`` lists the commands (top-level commands first,
then the groups). Command modules import only light modules at import time (``app``,
``command_registration`` and what it uses); the SDK, Rich and the server are imported inside the
command functions, so ``astrocal --help`` stays fast.
"""

from __future__ import annotations

import importlib

from astrocal_cli.app import app

__all__ = ["COMMAND_MODULES", "register_all"]

COMMAND_MODULES = [
    "astrocal_cli.commands.serve",
    "astrocal_cli.commands.migrate",
    "astrocal_cli.commands.init",
    "astrocal_cli.commands.auth",
    "astrocal_cli.commands.openapi",
    "astrocal_cli.commands.mcp",
    "astrocal_cli.commands.event_types",
    "astrocal_cli.commands.schedules",
    "astrocal_cli.commands.hosts",
    "astrocal_cli.commands.availability",
    "astrocal_cli.commands.bookings",
    "astrocal_cli.commands.holds",
    "astrocal_cli.commands.waitlist",
    "astrocal_cli.commands.invitee",
    "astrocal_cli.commands.webhooks",
    "astrocal_cli.commands.calendars",
    "astrocal_cli.commands.keys",
    "astrocal_cli.commands.account",
    "astrocal_cli.commands.usage",
    "astrocal_cli.commands.worker",
]

_registered = False


def register_all() -> None:
    global _registered
    if _registered:
        return
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
    _registered = True
