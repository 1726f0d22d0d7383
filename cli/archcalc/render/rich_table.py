"""Grids drawn as Rich tables for a terminal. The only module that imports rich."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from archcalc.render.grid import Cell, Grid, Row


def rich_text(grid: Grid, color: bool, width: int | None) -> str:
    """The grid as a Rich table, then its notes, as one string (so nothing is half-printed).

    `width` None means "as wide as the table needs": piped output never wraps a row.
    """
    table = _table(grid)
    measuring = Console(file=io.StringIO(), width=10_000)
    natural = measuring.measure(table).maximum
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width or max(natural, 40),
        force_terminal=color,
        no_color=not color,
        color_system="auto" if color else None,
        highlight=False,
        emoji=False,
        legacy_windows=False,
    )
    console.print(table)
    for note in grid.notes:
        console.print(Text(note), soft_wrap=width is None)
    text = buffer.getvalue()
    if not color:  # Rich pads every line to the table's width; pipes and diffs want no trailing blanks
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text


def _table(grid: Grid) -> Table:
    table = Table(title=grid.title, title_justify="left", show_footer=grid.total is not None, header_style="bold", footer_style="bold")
    for index, column in enumerate(grid.columns):
        footer = _cell(grid.total.cells[index]) if grid.total is not None else ""
        table.add_column(column.title, footer=footer, justify="right" if column.numeric else "left", no_wrap=column.numeric)
    for row in grid.rows:
        style = "dim" if row.depth else None
        if row.verdict is not None:
            style = "green" if row.verdict else "bold red"
        table.add_row(*_cells(row), style=style)
    return table


def _cells(row: Row) -> list[str]:
    cells = [_cell(cell) for cell in row.cells]
    if row.depth and len(cells) > 1:
        cells[1] = "  " * row.depth + "└ " + cells[1]
    return cells


def _cell(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, int):
        return f"{cell:,}" if cell else "–"
    return cell
