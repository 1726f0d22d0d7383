"""Grids drawn by Rich: tables wider than the terminal window, wrapped to fit it. The only module
that imports rich. Tables that fit are drawn the same way, more cheaply, by render/text_table.py;
tests/test_text_table.py uses this module as the reference it is held to."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from archcalc.render.grid import Grid, row_style, row_texts

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
    footers = row_texts(grid.total) if grid.total is not None else [""] * len(grid.columns)
    for column, footer in zip(grid.columns, footers, strict=True):
        table.add_column(Text(column.title), footer=Text(footer), justify="right" if column.numeric else "left", no_wrap=column.numeric, overflow="fold")
    for row in grid.rows:
        table.add_row(*[Text(text) for text in row_texts(row)], style=row_style(row))  # Text: a str would be read as markup
    return table
