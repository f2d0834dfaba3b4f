"""Writing results: Rich tables for people, the API's JSON verbatim for scripts, errors on stderr.

Rich is imported on first use, never at import time (``astrocal --help`` must stay fast).
In ``--json`` mode stdout carries exactly the API's response body and nothing else; notes,
spinners and errors go to stderr.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Mapping, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from astrocal_cli.display_fields import Field, cell, lookup

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["Output"]

_MIN_CELL = 6  # narrower than this, a column is unreadable


class Output:
    def __init__(self, *, json_mode: bool, tz: tzinfo) -> None:
        self.json_mode = json_mode
        self.tz = tz
        self._out: Console | None = None
        self._err: Console | None = None

    @property
    def out(self) -> Console:
        if self._out is None:
            from rich.console import Console

            self._out = Console(soft_wrap=False, highlight=False)
        return self._out

    @property
    def err(self) -> Console:
        if self._err is None:
            from rich.console import Console

            self._err = Console(stderr=True, highlight=False)
        return self._err

    # -- scripts ---------------------------------------------------------------------------
    def raw_json(self, body: str) -> None:
        """The response body exactly as the API sent it (nothing for an empty body)."""
        if not body:
            return
        sys.stdout.write(body if body.endswith("\n") else body + "\n")
        sys.stdout.flush()

    # -- people ----------------------------------------------------------------------------
    def table(
        self,
        rows: Sequence[Mapping[str, Any]],
        fields: Sequence[Field],
        *,
        title: str | None = None,
        empty: str = "Nothing here yet.",
        more: str | None = None,
    ) -> None:
        if not rows:
            self.out.print(empty)
            return
        from rich.table import Table

        # Ids (what people copy) and times stay whole; other columns fold.
        cells = [[cell(lookup(r, f.path), f.kind, self.tz) for f in fields] for r in rows]
        whole = {
            i: max([len(row[i]) for row in cells] + [len(f.label)])
            for i, f in enumerate(fields)
            if f.kind in ("id", "time")
        }
        needed = sum(whole.values()) + _MIN_CELL * (len(fields) - len(whole))
        if needed + 3 * len(fields) + 1 > self.out.width:
            # Too narrow for a readable table: one block per row instead.
            for index, row in enumerate(rows):
                if index:
                    self.out.print()
                self.detail(row, fields, title=title if index == 0 else None)
            if more:
                self.out.print(more)
            return
        table = Table(title=title, title_justify="left", show_lines=False, header_style="bold")
        for i, field in enumerate(fields):
            if i in whole:
                style = "cyan" if field.kind == "id" else None
                table.add_column(field.label, no_wrap=True, min_width=whole[i], style=style)
            else:
                table.add_column(field.label, overflow="fold", min_width=_MIN_CELL)
        for row_cells in cells:
            table.add_row(*row_cells)
        self.out.print(table)
        if more:
            self.out.print(more)

    def detail(
        self, obj: Mapping[str, Any], fields: Sequence[Field], *, title: str | None = None
    ) -> None:
        from rich.table import Table

        table = Table(
            title=title, title_justify="left", show_header=False, box=None, pad_edge=False
        )
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for field in fields:
            value = lookup(obj, field.path)
            if value is None or value == [] or value == {}:
                continue
            style = "cyan" if field.kind == "id" else None
            table.add_row(field.label, cell(value, field.kind, self.tz), style=style)
        self.out.print(table)

    def line(self, text: str = "", *, style: str | None = None) -> None:
        """A message for people: stdout normally, stderr in ``--json`` mode (stdout is for jq)."""
        console = self.err if self.json_mode else self.out
        console.print(text, style=style, highlight=False, soft_wrap=True)

    def note(self, text: str, *, style: str | None = "dim") -> None:
        self.err.print(text, style=style, highlight=False, soft_wrap=True)

    def secret(self, label: str, value: str) -> None:
        """A secret shown once: on its own line, unstyled, so it can be copied whole."""
        self.line(f"{label} (shown once, store it now):")
        self.line(f"  {value}", style="bold yellow")

    @contextlib.contextmanager
    def spinner(self, text: str) -> Iterator[None]:
        """A spinner on stderr while waiting on the network; silent when stderr is not a terminal."""
        if not self.err.is_terminal:
            yield
            return
        with self.err.status(text, spinner="dots"):
            yield
