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
    for row in rows:
        values = ["" if value is None else value for value in row]
        first = values[0] if values else None
        if isinstance(first, str) and first.lstrip().startswith("::"):
            buffer.write(_quoted_first(values, first))
        else:
            writer.writerow(values)
    return buffer.getvalue()


def _quoted_first(values: list[int | float | str], first: str) -> str:
    """A record whose first field would start its line with `::`, which a CI log runs as a workflow
    command: that field quoted, so the line starts with `"` and a CSV reader still gets it as it is."""
    record = io.StringIO()
    csv.writer(record, lineterminator="\n").writerow(values)
    line = record.getvalue()
    return f'"{first}"{line[len(first) :]}' if line.startswith(first) else line  # else quoted already (a comma, a quote in it)


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
