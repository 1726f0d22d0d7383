"""Grids drawn as box tables without Rich: the characters and styles Rich draws, at a fraction of the cost.

A table whose rows fit on the screen needs no layout engine: its text is arithmetic on cell widths.
That takes about 1 ms here. Importing Rich and running its layout takes about 55 ms, and a shell
loop or a person at a prompt pays it on every start. So this module draws every table that fits:
always in a pipe, where the width is unbounded, and in a terminal when the table is no wider than
the window. Rich (render/rich_table.py) draws only what must be wrapped to fit a narrow window.
tests/test_text_table.py holds the two renderers to the same characters.

In a pipe one difference is deliberate, because a pipe wants whole lines: a title longer than its
table is not wrapped. Also, a character that does not print (a tab, say), other than a line break,
is written as its escape (`\\t`).
"""

from __future__ import annotations

import unicodedata

from archcalc.render.grid import Grid, row_style, row_texts

NARROWEST_TEXT_COLUMN = 6
"""Rich wraps text columns to fit a window, and would squeeze them to nothing rather than wrap a
count. Below this width a layer's description turns into syllables, so a window too narrow for it
gets the whole table and the terminal folds its lines."""

SGR = {"bold": "1", "dim": "2", "green": "32", "bold red": "1;31"}
"""The ANSI codes for the Rich style names that grid.row_style and Rich's table theme use."""


class PlainTable:
    """A grid's cells split into lines and measured: everything drawing it needs."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self.header = [_lines(column.title) for column in grid.columns]
        self.body = [[_lines(text) for text in row_texts(row)] for row in grid.rows]
        self.footer = [_lines(text) for text in row_texts(grid.total)] if grid.total is not None else None
        every_row = [self.header, *self.body, *([self.footer] if self.footer is not None else [])]
        self.widths = [max(cell_width(line) for row in every_row for line in row[index]) for index in range(len(self.header))]
        self.width = sum(self.widths) + 3 * len(self.widths) + 1  # a space either side of each cell, and the bars

    def narrowest(self, text_width: int = NARROWEST_TEXT_COLUMN) -> int:
        """The fewest terminal columns Rich can wrap this table into while each text column keeps
        `text_width` characters (counts are never wrapped)."""
        saved = (width - text_width for width, column in zip(self.widths, self.grid.columns, strict=True) if not column.numeric)
        return self.width - sum(saving for saving in saved if saving > 0)

    def fits_in(self, columns: int) -> bool:
        """Whether Rich, given `columns`, would draw what `text` draws: nothing needs wrapping."""
        titles_fit = all(cell_width(line) <= self.width for line in self.grid.title.split("\n"))
        notes_fit = all(cell_width(line) <= columns for note in self.grid.notes for line in note.split("\n"))
        return self.width <= columns and titles_fit and notes_fit

    def text(self, color: bool = False) -> str:
        """The table in Rich's default box (heavy head), then its notes; no trailing blanks on any line.
        With `color`, cells are styled as Rich styles them: header and total bold, rows by row_style."""
        numeric = [column.numeric for column in self.grid.columns]

        def rule(left: str, line: str, joint: str, right: str) -> str:
            return left + joint.join(line * (width + 2) for width in self.widths) + right

        def row_lines(cells: list[list[str]], bar: str, style: str | None, at_bottom: bool = False) -> list[str]:
            """A row as tall as its tallest cell; each cell's lines at its top (the header's at its
            bottom), as Rich sets them."""
            height = max(len(lines) for lines in cells)
            cells = [[""] * (height - len(lines)) + lines if at_bottom else lines for lines in cells]
            start, end = (f"\x1b[{SGR[style]}m", "\x1b[0m") if color and style else ("", "")
            drawn = []
            for index in range(height):
                texts = (lines[index] if index < len(lines) else "" for lines in cells)
                padded = (_pad(text, width, right) for text, width, right in zip(texts, self.widths, numeric, strict=True))
                drawn.append(bar + bar.join(f"{start} {text} {end}" for text in padded) + bar)
            return drawn

        lines = _lines(self.grid.title) if self.grid.title else []
        lines += [rule("┏", "━", "┳", "┓"), *row_lines(self.header, "┃", "bold", at_bottom=True), rule("┡", "━", "╇", "┩")]
        for cells, row in zip(self.body, self.grid.rows, strict=True):
            lines += row_lines(cells, "│", row_style(row))
        if self.footer is not None:
            lines += [rule("├", "─", "┼", "┤"), *row_lines(self.footer, "│", "bold")]
        lines.append(rule("└", "─", "┴", "┘"))
        text = "\n".join([*lines, *self.grid.notes]) + "\n"
        return "\n".join(line.rstrip() for line in text.split("\n"))


def cell_width(text: str) -> int:
    """Terminal columns `text` takes: 2 for wide East Asian characters and emoji, 0 for combining marks."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int, right: bool) -> str:
    if right:  # as Rich right-justifies: trailing blanks dropped, then padded on the left
        text = text.rstrip()
        return " " * (width - cell_width(text)) + text
    return text + " " * (width - cell_width(text))


def _lines(text: str) -> list[str]:
    """A cell's lines; other characters that do not print (a tab, a carriage return) written as escapes."""
    if not text.isprintable():
        text = "".join(char if char.isprintable() or char == "\n" else repr(char)[1:-1] for char in text)
    return text.split("\n")
