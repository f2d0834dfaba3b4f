"""How an API command shows its result: with ``--json`` the response body verbatim (nothing for a
``204``), otherwise a table of a page, the detail of one object, or one line saying what was done.

The columns and fields shown come from :mod:`astrocal_cli.display_fields`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from astrocal_cli.command_context import ApiResult, Cli
from astrocal_cli.display_fields import Field

__all__ = ["show_done", "show_one", "show_page"]


def show_page(
    cli: Cli, result: ApiResult, fields: Sequence[Field], *, title: str, empty: str
) -> None:
    def render(page: Mapping[str, Any]) -> None:
        more = None
        if page.get("has_more") and page.get("next_cursor"):
            more = f"More results: add --cursor {page['next_cursor']}"
        cli.out.table(page.get("data") or [], fields, title=title, empty=empty, more=more)

    cli.emit(result, render)


def show_one(cli: Cli, result: ApiResult, fields: Sequence[Field], *, title: str) -> None:
    cli.emit(result, lambda obj: cli.out.detail(obj, fields, title=title))


def show_done(cli: Cli, result: ApiResult, message: str) -> None:
    """A step with nothing to show but its outcome (deletes, revocations): ``message`` for people."""
    cli.emit(result, lambda _body: cli.out.line(message))
