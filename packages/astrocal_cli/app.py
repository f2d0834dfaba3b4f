"""The ``astrocal`` Typer application. Command modules register themselves on :data:`app`.

Keep this module light: ``astrocal --help`` must stay fast, so commands import the server, the SDK,
Rich, SQLAlchemy, uvicorn… inside their functions, never at module level.
"""

from __future__ import annotations

import typer

from astrocal_cli.exit_codes import EPILOG

__all__ = ["app"]

app = typer.Typer(
    name="astrocal",
    help=(
        "Astrocal: scheduling infrastructure. Run the reference server or talk to an Astrocal API.\n\n"
        "Start with `astrocal init` and `astrocal serve`; every API command takes --json "
        "(the API's response, exactly) and --profile."
    ),
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
