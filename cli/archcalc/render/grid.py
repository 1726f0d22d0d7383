"""A grid of cells: what every tabular format (Rich, Markdown, CSV) draws, whatever the command.

Each command builds one grid (render/show.py, compare.py, check.py, ...), so the formats cannot
drift apart: they differ only in how a cell is written (CSV keeps raw ints; tables add separators).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.values import replace, value

if TYPE_CHECKING:
    from archcalc.model import Cost

Cell = str | int | None
"""Text, an exact count (formatted by the renderer), or nothing (drawn as '–' or left empty)."""


@value
class Column:
    """A column's heading, whether its cells are counts (right-aligned), and whether a terminal too
    narrow for the whole table may leave it out (figures the notes or other columns also give)."""

    title: str
    numeric: bool = False
    optional: bool = False


@value
class Row:
    """One line of cells."""

    cells: tuple[Cell, ...]
    depth: int = 0  # nesting inside composite layers; tables indent the layer column by it
    verdict: bool | None = None  # a pass (True) or a failure (False): a terminal colours it


@value
class Grid:
    """A titled table: columns, rows, an optional total row, and notes printed under it."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    total: Row | None = None
    notes: tuple[str, ...] = ()
    nested: bool = False  # rows can sit inside others (show): CSV then says each row's depth


def without_optional_columns(grid: Grid) -> Grid:
    """The grid without its optional columns, and a note naming them: for a window too narrow."""
    keep = [index for index, column in enumerate(grid.columns) if not column.optional]
    dropped = ", ".join(column.title for column in grid.columns if column.optional)

    def kept(row: Row) -> Row:
        return replace(row, cells=tuple(row.cells[index] for index in keep))

    return replace(
        grid,
        columns=tuple(grid.columns[index] for index in keep),
        rows=tuple(kept(row) for row in grid.rows),
        total=None if grid.total is None else kept(grid.total),
        notes=(*grid.notes, f"left out to fit the window: {dropped} (--wide keeps them; piped output has every column)"),
    )


def cost_cells(cost: Cost) -> tuple[Cell, ...]:
    """weights, biases, params, MACs: the four figures every layer row shows."""
    return (cost.weights, cost.biases, cost.params, cost.macs)


def cell_text(cell: Cell) -> str:
    """A cell as a table shows it: counts with thousands separators, zero as '–', nothing as ''."""
    if cell is None:
        return ""
    if isinstance(cell, int):
        return f"{cell:,}" if cell else "–"
    return cell


def row_texts(row: Row) -> list[str]:
    """A row's cells as a table shows them, the layer column (the second) indented by nesting."""
    texts = [cell_text(cell) for cell in row.cells]
    if row.depth and len(texts) > 1:
        texts[1] = "  " * row.depth + "└ " + texts[1]
    return texts


def row_style(row: Row) -> str | None:
    """How a terminal marks a row, in Rich's style names: a pass green, a failure bold red, a nested row dim."""
    if row.verdict is not None:
        return "green" if row.verdict else "bold red"
    return "dim" if row.depth else None
