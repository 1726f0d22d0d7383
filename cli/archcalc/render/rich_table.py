"""Grids drawn as Rich tables: every table archcalc prints. The only module that imports rich."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from archcalc.printable import printable
from archcalc.render.grid import Grid, row_style, row_texts

if TYPE_CHECKING:
    from archcalc.render import Terminal

PIPE_WIDTH = 10_000
"""Console width when output is not a terminal: a table that does not expand takes its natural
width, so a pipe or a file gets whole rows, never wrapped ones."""


class _Buffer(io.StringIO):
    """A string buffer that reports the encoding of the stream it stands for: where that cannot
    encode box characters, Rich draws ASCII boxes."""

    def __init__(self, encoding: str) -> None:
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


def rich_text(grid: Grid, terminal: Terminal) -> str:
    """The grid as a Rich table, then its notes, as one string (so nothing is half-printed).

    In a terminal the table fits its width, text cells folding onto more lines and counts never cut;
    a window narrower than the table's longest words gets the table at that minimum, and the
    terminal folds its lines. Piped, the table takes its natural width: one whole row per line."""
    table = _table(grid)
    console = _console(terminal, terminal.width or PIPE_WIDTH)
    if terminal.width is not None:
        narrowest = console.measure(table).minimum
        if narrowest > terminal.width:
            console = _console(terminal, narrowest)
    console.print(table)
    for note in grid.notes:
        console.print(Text(printable(note)), soft_wrap=terminal.width is None)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    if not terminal.color:  # Rich pads every line to the table's width; pipes and diffs want no trailing blanks
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return str(text)


def _console(terminal: Terminal, width: int) -> Console:
    return Console(
        file=_Buffer(terminal.encoding),
        width=width,
        force_terminal=terminal.color,
        no_color=not terminal.color,
        color_system="auto" if terminal.color else None,
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
    )


def _table(grid: Grid) -> Table:
    table = Table(title=Text(printable(grid.title)), title_justify="left", show_footer=grid.total is not None, header_style="bold", footer_style="bold")
    footers = row_texts(grid.total) if grid.total is not None else [""] * len(grid.columns)
    for column, footer in zip(grid.columns, footers, strict=True):
        table.add_column(Text(column.title), footer=Text(footer), justify="right" if column.numeric else "left", no_wrap=column.numeric, overflow="fold")
    for row in grid.rows:
        table.add_row(*[Text(text) for text in row_texts(row)], style=row_style(row))  # Text: a str would be read as markup
    return table
