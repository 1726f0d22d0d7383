"""A grid of cells: what every tabular format (Rich, Markdown, CSV) draws, whatever the command.

Each command builds one grid (render/show.py, compare.py, check.py, ...), so the formats cannot
drift apart: they differ only in how a cell is written (CSV keeps raw ints; tables add separators).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import Cost

Cell = str | int | None
"""Text, an exact count (formatted by the renderer), or nothing (drawn as '–' or left empty)."""


@value
class Column:
    """A column's heading, and whether its cells are counts (right-aligned)."""

    title: str
    numeric: bool = False


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
