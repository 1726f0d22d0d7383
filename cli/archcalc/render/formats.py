"""The output formats a command can print; each maps to one renderer."""

from __future__ import annotations

import enum

from archcalc.counting import Counting
from archcalc.text import exact_and_short


class OutputFormat(str, enum.Enum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"
    TERMINAL_SVG = "terminal-svg"  # the table as a terminal shows it, drawn by Rich as SVG


class ChartFormat(str, enum.Enum):
    """What a command that draws a chart prints: every OutputFormat, or `svg`, a chart of its figures
    (matplotlib's, the `plot` extra)."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"
    TERMINAL_SVG = "terminal-svg"
    SVG = "svg"

    @property
    def tabular(self) -> OutputFormat:
        """The OutputFormat of the same name; SVG has none."""
        if self is ChartFormat.SVG:
            raise ValueError("a chart is drawn from results, not grids")
        return OutputFormat(self.value)


class CheckFormat(str, enum.Enum):
    """`check` prints the tabular formats, JSON, or GitHub Actions annotations."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"
    GITHUB = "github"


def counting_note(counting: Counting, macs: int) -> str:
    """The total in this count, and for FLOPs how it comes from the MACs."""
    if counting is Counting.MACS:
        return f"MACs {exact_and_short(macs)}"
    return f"FLOPs {exact_and_short(counting.of(macs))} = 2 × {macs:,} MACs (a multiply and an add each)"
