"""Grids as CSV: raw integers, no separators, one header row, for spreadsheets and scripts."""

from __future__ import annotations

import csv
import io

from archcalc.printable import printable
from archcalc.render.grid import Cell, Grid


def csv_text(grid: Grid) -> str:
    """Text cells printable, a line break kept only where a cell is lines by design (--explain)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    depth = ["depth"] if grid.nested else []
    writer.writerow([_snake(column.title) for column in grid.columns] + depth)
    for row in grid.rows:
        writer.writerow([_cell(cell) for cell in row.cells] + ([row.depth] if grid.nested else []))
    if grid.total is not None:
        writer.writerow([_cell(cell) for cell in grid.total.cells] + ([""] if grid.nested else []))
    return buffer.getvalue()


def _cell(cell: Cell) -> str | int:
    if cell is None:
        return ""
    if isinstance(cell, str):
        return "\n".join(printable(line) for line in cell.split("\n"))
    return cell


def _snake(title: str) -> str:
    """'params vs first' -> 'params_vs_first', '#' -> 'position'."""
    return "position" if title == "#" else title.lower().replace(" ", "_")
