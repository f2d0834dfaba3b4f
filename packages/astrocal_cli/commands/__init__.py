"""Command modules. Each exposes ``register(app)``; add yours to :data:`COMMAND_MODULES`."""

from __future__ import annotations

import importlib

from astrocal_cli.app import app

__all__ = ["COMMAND_MODULES", "register_all"]

COMMAND_MODULES = [
    "astrocal_cli.commands.serve",
    "astrocal_cli.commands.migrate",
]

_registered = False


def register_all() -> None:
    global _registered
    if _registered:
        return
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
    _registered = True
