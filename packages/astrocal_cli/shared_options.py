"""Options that commands of several groups take, declared once as
:class:`~astrocal_cli.command_registration.OptionGroup` classes.

Flag names, help texts and defaults are part of the CLI's interface (``astrocal … --help``); the
API parameters they become are those of ``openapi.yaml``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from astrocal_cli.command_registration import OptionGroup
from astrocal_cli.request_fields import given

__all__ = ["Paging", "host_option"]


class Paging(OptionGroup):
    """``--limit`` and ``--cursor`` of every list command (the API's cursor pagination)."""

    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, max=100, help="How many per page (1–100; API default 20)."),
    ] = None
    cursor: Annotated[
        str | None,
        typer.Option("--cursor", help="Continue after a previous page (its next_cursor)."),
    ] = None

    def params(self) -> dict[str, Any]:
        """The list call's ``limit``/``cursor`` keyword arguments, only those given."""
        return given(limit=self.limit, cursor=self.cursor)


def host_option(help: str) -> Any:
    """``--host HOST_ID`` (a ``host_…`` id), meaning what ``help`` says for the command."""
    return typer.Option("--host", metavar="HOST_ID", help=help)
