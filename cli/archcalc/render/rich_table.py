"""Grids drawn as Rich tables: every table archcalc prints. The only module that imports rich."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from rich._export_format import CONSOLE_SVG_FORMAT
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from archcalc.printable import printable
from archcalc.render.grid import Grid, Row, row_style, row_texts, without_optional_columns
from archcalc.values import replace

if TYPE_CHECKING:
    from archcalc.render import Terminal

PIPE_WIDTH = 10_000
"""Console width when output is not a terminal: a table that does not expand takes its natural
width, so a pipe or a file gets whole rows, never wrapped ones."""


class _Buffer(io.StringIO):
    """A string buffer that reports the encoding of the stream it stands for: where that cannot
    encode box characters, Rich draws ASCII boxes."""

    def __init__(self, encoding: str) -> None:
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


def rich_text(grid: Grid, terminal: Terminal) -> str:
    """The grid as a Rich table, then its notes, as one string (so nothing is half-printed).

    In a terminal the table fits its width: first its optional columns give way (unless `wide`),
    then text cells wrap between words (a path after a `/`, a shape after a `×`); a count is never
    cut. Where even that is too wide, the columns are shown in parts, one table under the other,
    each with the rows' names. The notes wrap at the terminal's width. Piped, the table takes its
    natural width with every column: one whole row per line."""
    parts: list[tuple[Grid, list[int] | None]] = [(grid, None)]
    if terminal.width is not None:
        if _natural(grid) > terminal.width and not terminal.wide and any(column.optional for column in grid.columns):
            grid = without_optional_columns(grid)
        split = [grid] if terminal.wide else in_parts(grid, terminal.width)  # --wide: every column in one table, however wide
        parts = [(part, fit(column_widths(part), terminal.width - 3 * len(part.columns) - 1)) for part in split]
    console = _console(terminal, PIPE_WIDTH)
    for part, fitted in parts:
        console.width = PIPE_WIDTH if fitted is None else max(terminal.width or 0, sum(fitted) + 3 * len(fitted) + 1)
        console.print(_table(part, fitted))
    if terminal.width is not None:
        console.width = terminal.width
    for note in grid.notes:
        console.print(Text(printable(note)), soft_wrap=terminal.width is None)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    if not terminal.color:  # Rich pads every line to the table's width; pipes and diffs want no trailing blanks
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return str(text)


def _natural(grid: Grid) -> int:
    """The table's width with every cell on one line, borders and padding included."""
    return sum(natural for _, natural in column_widths(grid)) + 3 * len(grid.columns) + 1


def in_parts(grid: Grid, width: int) -> list[Grid]:
    """The grid as it is where its columns fit `width` at their narrowest; else its columns in parts
    that do, each part with the rows' names (the first column, and the second after a `#`) and the
    total row, one under the other; the title on the first, the notes after the last."""
    widths = column_widths(grid)
    if sum(narrowest for narrowest, _ in widths) + 3 * len(widths) + 1 <= width:
        return [grid]
    names = [0, 1] if grid.columns[0].title == "#" and len(grid.columns) > 2 else [0]
    base = sum(widths[index][0] + 3 for index in names) + 1
    groups: list[list[int]] = [[]]
    used = base
    for index in range(len(names), len(grid.columns)):
        if groups[-1] and used + widths[index][0] + 3 > width:
            groups.append([])
            used = base
        groups[-1].append(index)
        used += widths[index][0] + 3
    return [select_columns(grid, [*names, *group], part) for part, group in enumerate(groups)]


def select_columns(grid: Grid, keep: list[int], part: int) -> Grid:
    def kept(row: Row) -> Row:
        return replace(row, cells=tuple(row.cells[index] for index in keep))

    return replace(
        grid,
        title=grid.title if part == 0 else f"{grid.title} (continued)",
        columns=tuple(grid.columns[index] for index in keep),
        rows=tuple(kept(row) for row in grid.rows),
        total=None if grid.total is None else kept(grid.total),
        notes=(),
    )


BREAK_AFTER = re.compile(r"(?<=[/_])|(?<=\d×)(?=\d)")
"""Where a word may break besides a space: after a path's `/`, a name's `_`, a shape's `×` (between digits)."""


def _pieces(line: str) -> list[tuple[str, str]]:
    """A line's unbreakable pieces, each with what joins it to the one before (a space, or nothing
    where BREAK_AFTER splits a word); a leading indent (a nested layer's) stays with the first piece."""
    indent = line[: len(line) - len(line.lstrip(" "))]
    pieces: list[tuple[str, str]] = []
    for number, word in enumerate(line[len(indent) :].split(" ")):
        for place, piece in enumerate(part for part in BREAK_AFTER.split(word) if part):
            pieces.append((piece, " " if number and not place else ""))
    if pieces:
        pieces[0] = (indent + pieces[0][0], "")
    return pieces


def wrapped(text: str, width: int) -> str:
    """Each line of a text cell filled to `width`, broken only between pieces."""
    lines: list[str] = []
    for line in text.split("\n"):
        current = ""
        for piece, joiner in _pieces(line):
            if current and cell_len(current + joiner + piece) > width:
                lines.append(current)
                current = piece
            else:
                current += joiner + piece if current else piece
        lines.append(current)
    return "\n".join(lines)


def terminal_svg(grid: Grid) -> str:
    """The grid as a colour terminal shows it, at its natural width, as SVG (Rich's export): for a
    README or a pull request. The same bytes on every run: Rich names its ids from the content."""
    table = _table(grid, None)
    width = Console(width=PIPE_WIDTH, file=io.StringIO()).measure(table).maximum
    console = Console(
        file=io.StringIO(),
        record=True,
        width=width,
        force_terminal=True,
        color_system="truecolor",
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
    )
    console.print(table)
    for note in grid.notes:
        console.print(Text(printable(note)))
    # Rich's SVG page without its web fonts: it fetches Fira Code from a CDN, and a picture pasted into
    # a README should fetch nothing (a local Fira Code, or any monospace font, draws it)
    page = re.sub(r"\s*@font-face \{\{.*?\}\}", "", CONSOLE_SVG_FORMAT, flags=re.DOTALL)
    return console.export_svg(title="archcalc", code_format=page)


def column_widths(grid: Grid) -> list[tuple[int, int]]:
    """Each column's narrowest width, below which a cell would be cut (its longest word; a count,
    which never wraps, whole), and its natural width (every cell on one line)."""
    rows = [row_texts(row) for row in (*grid.rows, *([grid.total] if grid.total is not None else []))]
    result = []
    for index, column in enumerate(grid.columns):
        cells = [_lines(row[index]) for row in rows]
        lines = [line for text in (column.title, *cells) for line in text.split("\n")]
        unbroken = cells if column.numeric else []  # counts never wrap; their heading does
        words = [piece for line in lines for piece, _ in _pieces(line)] + unbroken
        result.append((max((cell_len(word) for word in words), default=0), max(cell_len(line) for line in lines)))
    return result


def fit(columns: list[tuple[int, int]], available: int) -> list[int]:
    """Column widths that fill `available` characters: each column's natural width, the widest
    narrowed first, one character at a time, never below its narrowest. Rich is handed these
    widths rather than left to fit the table itself, as its fitting can squeeze a column to
    nothing while another could still wrap."""
    fitted = [natural for _, natural in columns]
    for _ in range(sum(fitted) - available):
        shrinkable = [index for index, (narrowest, _) in enumerate(columns) if fitted[index] > narrowest]
        if not shrinkable:
            break
        fitted[max(shrinkable, key=lambda index: fitted[index])] -= 1
    return fitted


def _console(terminal: Terminal, width: int) -> Console:
    return Console(
        file=_Buffer(terminal.encoding),
        width=width,
        force_terminal=terminal.color,
        no_color=not terminal.color,
        color_system="auto" if terminal.color else None,
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
    )


def _table(grid: Grid, fitted: list[int] | None) -> Table:
    table = Table(title=Text(printable(grid.title)), title_justify="left", show_footer=grid.total is not None, header_style="bold", footer_style="bold")
    footers = row_texts(grid.total) if grid.total is not None else [""] * len(grid.columns)
    for index, (column, footer) in enumerate(zip(grid.columns, footers, strict=True)):
        width = None if fitted is None else fitted[index]  # fixed where the window is narrow: Rich wraps each cell within it
        table.add_column(Text(column.title), footer=Text(footer), justify="right" if column.numeric else "left", overflow="fold", width=width)
    for row in grid.rows:
        texts = [_lines(text) for text in row_texts(row)]
        if fitted is not None:  # text wraps where archcalc says it may (a path at a `/`, a shape at a `×`), not where Rich would
            texts = [text if column.numeric else wrapped(text, fitted[index]) for index, (column, text) in enumerate(zip(grid.columns, texts, strict=True))]
        table.add_row(*[Text(text) for text in texts], style=row_style(row))  # Text: a str would be read as markup
    return table


def _lines(text: str) -> str:
    """A cell printable line by line: an --explain cell is lines by design, a name from a model file
    may hold anything (archcalc/printable.py)."""
    return "\n".join(printable(line) for line in text.split("\n")) if text else text
