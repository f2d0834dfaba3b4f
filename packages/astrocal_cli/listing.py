"""Shared pieces of API commands: list paging options, page tables, SDK keyword arguments."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

import typer

from astrocal_cli.inputs import InputError
from astrocal_cli.runtime import ApiResult, Cli
from astrocal_cli.views import Field

__all__ = ["CursorOption", "LimitOption", "given", "sdk_kwargs", "show_one", "show_page"]

LimitOption = Annotated[
    int | None,
    typer.Option("--limit", min=1, max=100, help="How many per page (1–100; API default 20)."),
]
CursorOption = Annotated[
    str | None, typer.Option("--cursor", help="Continue after a previous page (its next_cursor).")
]


def given(**values: Any) -> dict[str, Any]:
    """Only the arguments the user actually set (the SDK leaves the rest out of the request)."""
    return {k: v for k, v in values.items() if v is not None}


def sdk_kwargs(method: Callable[..., Any], body: Mapping[str, Any], what: str) -> dict[str, Any]:
    """``body`` as keyword arguments of an SDK method; a field it does not take is a usage error."""
    accepted = {
        name
        for name, p in inspect.signature(method).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    unknown = sorted(set(body) - accepted - {"options"})
    if unknown:
        raise InputError(
            f"{what} does not take {', '.join(unknown)}; it takes {', '.join(sorted(accepted))}"
        )
    return dict(body)


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
