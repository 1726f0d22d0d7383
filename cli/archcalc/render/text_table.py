"""Grids drawn as plain box tables for pipes and files: the characters Rich draws, without Rich.

Output that goes to a pipe has no colour and no width to fit, so laying out its table is arithmetic
on cell widths. Doing that here takes about 1 ms. Importing Rich and running its layout takes about
55 ms, on every start of a shell loop. Terminals still get Rich (render/rich_table.py), and
tests/test_text_table.py holds the two renderers to the same characters.

Two differences are deliberate, since a pipe wants whole lines: a title longer than its table is not
wrapped, and a character that does not print (a tab, say), other than a line break, is written as its
escape (`\\t`).
"""

from __future__ import annotations

import unicodedata

from archcalc.render.grid import Grid, row_texts


def plain_table(grid: Grid) -> str:
    """The grid in Rich's default box (heavy head), then its notes; no trailing blanks on any line."""
    numeric = [column.numeric for column in grid.columns]
    header = [_lines(column.title) for column in grid.columns]
    body = [[_lines(text) for text in row_texts(row)] for row in grid.rows]
    footer = [_lines(text) for text in row_texts(grid.total)] if grid.total is not None else None
    every_row = [header, *body, *([footer] if footer is not None else [])]
    widths = [max(cell_width(line) for row in every_row for line in row[index]) for index in range(len(header))]

    def rule(left: str, line: str, joint: str, right: str) -> str:
        return left + joint.join(line * (width + 2) for width in widths) + right

    def row_lines(cells: list[list[str]], bar: str, at_bottom: bool = False) -> list[str]:
        """A row as tall as its tallest cell; each cell's lines at its top (the header's at its
        bottom), as Rich sets them."""
        height = max(len(lines) for lines in cells)
        cells = [[""] * (height - len(lines)) + lines if at_bottom else lines for lines in cells]
        drawn = []
        for index in range(height):
            texts = (lines[index] if index < len(lines) else "" for lines in cells)
            padded = (_pad(text, width, right) for text, width, right in zip(texts, widths, numeric, strict=True))
            drawn.append(bar + bar.join(f" {text} " for text in padded) + bar)
        return drawn

    lines = [*_lines(grid.title)] if grid.title else []
    lines += [rule("┏", "━", "┳", "┓"), *row_lines(header, "┃", at_bottom=True), rule("┡", "━", "╇", "┩")]
    for cells in body:
        lines += row_lines(cells, "│")
    if footer is not None:
        lines += [rule("├", "─", "┼", "┤"), *row_lines(footer, "│")]
    lines.append(rule("└", "─", "┴", "┘"))
    text = "\n".join([*lines, *grid.notes]) + "\n"
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
