"""Grids as GitHub-flavoured Markdown tables, for pull-request comments and docs."""

from __future__ import annotations

from archcalc.printable import printable
from archcalc.render.grid import Cell, Grid, Row, Shown


def markdown_text(grid: Grid) -> str:
    lines = [f"**{_escape(grid.title)}**", ""]
    lines.append("| " + " | ".join(_escape(column.title) for column in grid.columns) + " |")
    lines.append("|" + "|".join("---:" if column.numeric else "---" for column in grid.columns) + "|")
    for row in grid.rows:
        lines.append(_line(row))
    if grid.total is not None:
        lines.append(_line(grid.total, bold=True))
    if grid.notes:
        lines.append("")
        lines.extend(f"- {_escape(note)}" for note in grid.notes)
    return "\n".join(lines) + "\n"


def _line(row: Row, bold: bool = False) -> str:
    cells = [_cell(cell) for cell in row.cells]
    if row.depth and len(cells) > 1:
        cells[1] = "&nbsp;&nbsp;" * row.depth + "└ " + cells[1]
    if bold:
        cells = [f"**{cell}**" if cell else cell for cell in cells]
    return "| " + " | ".join(cells) + " |"


def _cell(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, int):
        return f"{cell:,}"
    if isinstance(cell, Shown):
        return _escape(cell.text)
    return _escape(cell)


def _escape(text: str) -> str:
    """A cell is one line: pipes escaped, line breaks written as <br>, other control characters
    as escapes (archcalc/printable.py)."""
    return printable(text.replace("|", "\\|").replace("\n", "<br>"))
