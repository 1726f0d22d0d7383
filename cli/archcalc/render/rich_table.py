"""Grids drawn as Rich tables: every table archcalc prints. The only module that imports rich."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from archcalc.printable import printable
from archcalc.render.grid import Grid, row_style, row_texts, without_optional_columns

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

    In a terminal the table fits its width: first its optional columns give way (unless `wide`),
    then text cells wrap at spaces, counts are never cut. A window narrower than the table's longest
    words gets the table at that minimum, and the terminal folds its lines. Piped, the table takes
    its natural width with every column: one whole row per line."""
    table = _table(grid)
    width = terminal.width
    if width is not None:
        natural = _console(terminal, PIPE_WIDTH).measure(table)
        if natural.maximum > width and not terminal.wide and any(column.optional for column in grid.columns):
            grid = without_optional_columns(grid)
            table = _table(grid)
            natural = _console(terminal, PIPE_WIDTH).measure(table)
        width = max(width, natural.minimum)
    console = _console(terminal, width or PIPE_WIDTH)
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
        table.add_row(*[Text(_lines(text)) for text in row_texts(row)], style=row_style(row))  # Text: a str would be read as markup
    return table


def _lines(text: str) -> str:
    """A cell printable line by line: an --explain cell is lines by design, a name from a model file
    may hold anything (archcalc/printable.py)."""
    return "\n".join(printable(line) for line in text.split("\n")) if text else text
