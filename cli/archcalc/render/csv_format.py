"""Grids as CSV, for scripts: one header row of named, unique, ASCII columns; one type per column;
numbers as numbers (no separators, no units, no words), and an empty cell where there is none."""

from __future__ import annotations

import csv
import io

from archcalc.printable import printable
from archcalc.render.grid import Cell, Grid, Shown

CsvValue = int | float | str | None


def csv_text(grid: Grid) -> str:
    header, rows = csv_records(grid)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if value is None else value for value in row] for row in rows])
    return buffer.getvalue()


def csv_records(grid: Grid) -> tuple[list[str], list[list[CsvValue]]]:
    """The header and the typed rows CSV writes: nested grids (show) say each row's depth."""
    header = [column.csv_name for column in grid.columns] + (["depth"] if grid.nested else [])
    rows = [[csv_value(cell) for cell in row.cells] + ([row.depth] if grid.nested else []) for row in grid.rows]
    if grid.total is not None:
        rows.append([csv_value(cell) for cell in grid.total.cells] + ([None] if grid.nested else []))
    return header, rows


def csv_value(cell: Cell) -> CsvValue:
    """Text printable (archcalc/printable.py), a line break kept only where a cell is lines by
    design (--explain): no CSV line can start with what a spec's name smuggled in."""
    value = cell.data if isinstance(cell, Shown) else cell
    if isinstance(value, str):
        return "\n".join(printable(line) for line in value.split("\n"))
    return value
