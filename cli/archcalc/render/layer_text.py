"""A layer row's words, as its kind writes them: its label, and its arithmetic for `--explain`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.model import LayerResult
from archcalc.printable import printable

if TYPE_CHECKING:
    from archcalc.engine.analysis import LayerFigures


def label(result: LayerResult, occurrences: int = 1) -> str:
    """The kind's label with the layer's display name first, and `(×N)` when the row stands for N
    identical occurrences (inside a `repeat`)."""
    text = result.layer.label(result)
    if result.layer.name:
        text = f"{printable(result.layer.name)}: {text}"  # a name from a model file may hold anything
    if occurrences > 1:
        text += f" (×{occurrences:,})"
    return text


def explain(result: LayerResult, occurrences: int = 1) -> str:
    """The kind's lines of arithmetic for one occurrence, and the count when the row stands for several.
    A layer that runs only in training has its arithmetic written out as it runs there, then none of it
    counted for an inference pass."""
    if result.in_training is None:
        lines = result.layer.explain(result)
    else:
        lines = result.layer.explain(result.in_training)
        if result.in_training.cost.macs:
            lines.append(f"it runs only in training: an inference pass does {result.in_training.cost.macs:,} × 0 = 0 MACs")
    if occurrences > 1:
        lines.append(f"each of {occurrences:,} occurrences (the row counts all of them)")
    return "\n".join(lines)


def graph_label(figures: LayerFigures) -> str:
    """The label, and where the graph goes from this row: the rows that read its output by name
    (`read by #15, #23`) and whether it is a side output. A join's own label names what it reads."""
    text = label(figures.result, figures.occurrences)
    if figures.read_by:
        text += " · read by " + ", ".join(f"#{reader.layer.position}" for reader in figures.read_by)
    if figures.side_output:
        text += " · side output"
    return text
