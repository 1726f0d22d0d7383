"""Grids drawn as Rich tables: every table archcalc prints. The only module that imports rich."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from rich._export_format import CONSOLE_SVG_FORMAT
from rich.cells import cell_len
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
    then text cells wrap between words; a count is never cut. A window narrower than the table's
    longest words gets the table at that minimum, and the terminal folds its lines. Piped, the
    table takes its natural width with every column: one whole row per line."""
    fitted: list[int] | None = None
    if terminal.width is not None:
        available = terminal.width - 3 * len(grid.columns) - 1  # each column's padding and border, and the left border
        if sum(natural for _, natural in column_widths(grid)) > available and not terminal.wide and any(column.optional for column in grid.columns):
            grid = without_optional_columns(grid)
            available = terminal.width - 3 * len(grid.columns) - 1
        fitted = fit(column_widths(grid), available)
    table = _table(grid, fitted)
    console = _console(terminal, PIPE_WIDTH if fitted is None else max(terminal.width or 0, sum(fitted) + 3 * len(fitted) + 1))
    console.print(table)
    for note in grid.notes:
        console.print(Text(printable(note)), soft_wrap=terminal.width is None)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    if not terminal.color:  # Rich pads every line to the table's width; pipes and diffs want no trailing blanks
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return str(text)


def terminal_svg(grid: Grid) -> str:
    """The grid as a colour terminal shows it, at its natural width, as SVG (Rich's export): for a
    README or a pull request. The same bytes on every run: Rich names its ids from the content."""
    table = _table(grid, None)
    width = Console(width=PIPE_WIDTH, file=io.StringIO()).measure(table).maximum
    console = Console(
        file=io.StringIO(),
        record=True,
        width=width,
        force_terminal=True,
        color_system="truecolor",
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
    )
    console.print(table)
    for note in grid.notes:
        console.print(Text(printable(note)))
    # Rich's SVG page without its web fonts: it fetches Fira Code from a CDN, and a picture pasted into
    # a README should fetch nothing (a local Fira Code, or any monospace font, draws it)
    page = re.sub(r"\s*@font-face \{\{.*?\}\}", "", CONSOLE_SVG_FORMAT, flags=re.DOTALL)
    return console.export_svg(title="archcalc", code_format=page)


def column_widths(grid: Grid) -> list[tuple[int, int]]:
    """Each column's narrowest width, below which a cell would be cut (its longest word; a count,
    which never wraps, whole), and its natural width (every cell on one line)."""
    rows = [row_texts(row) for row in (*grid.rows, *([grid.total] if grid.total is not None else []))]
    result = []
    for index, column in enumerate(grid.columns):
        cells = [_lines(row[index]) for row in rows]
        lines = [line for text in (column.title, *cells) for line in text.split("\n")]
        unbroken = cells if column.numeric else []  # counts never wrap; their heading does
        words = [word for line in lines for word in line.split(" ")] + unbroken
        result.append((max(cell_len(word) for word in words), max(cell_len(line) for line in lines)))
    return result


def fit(columns: list[tuple[int, int]], available: int) -> list[int]:
    """Column widths that fill `available` characters: each column's natural width, the widest
    narrowed first, one character at a time, never below its narrowest. Rich is handed these
    widths rather than left to fit the table itself, as its fitting can squeeze a column to
    nothing while another could still wrap."""
    fitted = [natural for _, natural in columns]
    for _ in range(sum(fitted) - available):
        shrinkable = [index for index, (narrowest, _) in enumerate(columns) if fitted[index] > narrowest]
        if not shrinkable:
            break
        fitted[max(shrinkable, key=lambda index: fitted[index])] -= 1
    return fitted


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


def _table(grid: Grid, fitted: list[int] | None) -> Table:
    table = Table(title=Text(printable(grid.title)), title_justify="left", show_footer=grid.total is not None, header_style="bold", footer_style="bold")
    footers = row_texts(grid.total) if grid.total is not None else [""] * len(grid.columns)
    for index, (column, footer) in enumerate(zip(grid.columns, footers, strict=True)):
        width = None if fitted is None else fitted[index]  # fixed where the window is narrow: Rich wraps each cell within it
        table.add_column(Text(column.title), footer=Text(footer), justify="right" if column.numeric else "left", overflow="fold", width=width)
    for row in grid.rows:
        table.add_row(*[Text(_lines(text)) for text in row_texts(row)], style=row_style(row))  # Text: a str would be read as markup
    return table


def _lines(text: str) -> str:
    """A cell printable line by line: an --explain cell is lines by design, a name from a model file
    may hold anything (archcalc/printable.py)."""
    return "\n".join(printable(line) for line in text.split("\n")) if text else text
