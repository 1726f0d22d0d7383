"""Grids drawn as Rich tables for a terminal. The only module that imports rich."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from archcalc.render.grid import Cell, Grid, Row

PIPE_WIDTH = 10_000
"""Console width when output is not a terminal: a table that does not expand takes its natural
width, so a pipe or a file gets whole rows, never wrapped ones."""


def rich_text(grid: Grid, color: bool, width: int | None) -> str:
    """The grid as a Rich table, then its notes, as one string (so nothing is half-printed).

    `width` None means "as wide as the table needs": piped output never wraps a row.
    """
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width or PIPE_WIDTH,
        force_terminal=color,
        no_color=not color,
        color_system="auto" if color else None,
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
    )
    console.print(_table(grid))
    for note in grid.notes:
        console.print(Text(note), soft_wrap=width is None)
    text = buffer.getvalue()
    if not color:  # Rich pads every line to the table's width; pipes and diffs want no trailing blanks
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text


def _table(grid: Grid) -> Table:
    table = Table(title=Text(grid.title), title_justify="left", show_footer=grid.total is not None, header_style="bold", footer_style="bold")
    for index, column in enumerate(grid.columns):
        footer = Text(_cell(grid.total.cells[index])) if grid.total is not None else Text("")
        table.add_column(Text(column.title), footer=footer, justify="right" if column.numeric else "left", no_wrap=column.numeric)
    for row in grid.rows:
        style = "dim" if row.depth else None
        if row.verdict is not None:
            style = "green" if row.verdict else "bold red"
        table.add_row(*_cells(row), style=style)
    return table


def _cells(row: Row) -> list[Text]:
    """Text, not str: Rich would read a str as markup, and a layer named '[bold]' is a name."""
    cells = [_cell(cell) for cell in row.cells]
    if row.depth and len(cells) > 1:
        cells[1] = "  " * row.depth + "└ " + cells[1]
    return [Text(cell) for cell in cells]


def _cell(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, int):
        return f"{cell:,}" if cell else "–"
    return cell
