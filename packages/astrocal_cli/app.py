"""The ``astrocal`` Typer application. Command modules register themselves on :data:`app`.

Keep this module light: ``astrocal --help`` must stay fast, so commands import the server, SQLAlchemy,
uvicorn… inside their functions, never at module level.
"""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(
    name="astrocal",
    help="Astrocal: scheduling infrastructure. Run the reference server or talk to an Astrocal API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
