"""A grid of cells: what every tabular format (Rich, Markdown, CSV) draws, whatever the command.

Each command builds one grid (render/show.py, compare.py, check.py, ...), so the formats cannot
drift apart: they differ only in how a cell is written (CSV keeps raw numbers; tables add separators).
Where a layout suits people but not scripts (diff's `a → b` cells, sweep's column per spec), the
command builds a second grid of records for CSV.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from archcalc.text import shape
from archcalc.values import replace, value

if TYPE_CHECKING:
    from archcalc.counting import Counting
    from archcalc.model import Cost


@value
class Shown:
    """A cell that tables show as `text` and CSV writes as `data`: '4.1× fewer' and 4.05,
    '2×2×2' and '2x2x2', '–' and nothing. Scripts get a number, people get words."""

    text: str
    data: int | float | str | None


Cell = str | int | Shown | None
"""Text, an exact count (formatted by the renderer), a cell with two faces, or nothing."""


@value
class Column:
    """A column's heading, whether its cells are counts (right-aligned), whether a terminal too
    narrow for the whole table may leave it out (figures the notes or other columns also give), and
    its CSV name (`key`; by default the heading in snake case). CSV names are ASCII, unique in their grid."""

    title: str
    numeric: bool = False
    optional: bool = False
    key: str = ""

    @property
    def csv_name(self) -> str:
        """'params vs first' -> 'params_vs_first'."""
        return self.key or re.sub(r"[^a-z0-9]+", "_", self.title.lower()).strip("_")


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
    dropped = ", ".join(dict.fromkeys(column.title for column in grid.columns if column.optional))  # diff's two Δ% named once

    def kept(row: Row) -> Row:
        return replace(row, cells=tuple(row.cells[index] for index in keep))

    return replace(
        grid,
        columns=tuple(grid.columns[index] for index in keep),
        rows=tuple(kept(row) for row in grid.rows),
        total=None if grid.total is None else kept(grid.total),
        notes=(*grid.notes, f"left out to fit the window: {dropped} (--wide keeps them; piped output has every column)"),
    )


def cost_columns(counting: Counting) -> tuple[Column, ...]:
    """weights, biases (optional: params gives their sum), params, and MACs (or FLOPs): the four
    figures every layer row shows."""
    return (
        Column("weights", numeric=True, optional=True),
        Column("biases", numeric=True, optional=True),
        Column("params", numeric=True),
        Column(counting.heading, numeric=True),
    )


def cost_cells(cost: Cost, counting: Counting) -> tuple[Cell, ...]:
    return (cost.weights, cost.biases, cost.params, counting.of(cost.macs))


def shape_cell(dimensions: Sequence[int | Fraction]) -> Shown:
    """'2×2×2' in a table, '2x2x2' in CSV (ASCII, as a spec writes it)."""
    return Shown(shape(dimensions), "x".join(str(size) for size in dimensions))


def cell_text(cell: Cell) -> str:
    """A cell as a table shows it: counts with thousands separators, zero as '–', nothing as ''."""
    if cell is None:
        return ""
    if isinstance(cell, int):
        return f"{cell:,}" if cell else "–"
    if isinstance(cell, Shown):
        return cell.text
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
