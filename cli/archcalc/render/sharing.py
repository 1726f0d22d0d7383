"""`sharing`: each conv layer against the unshared layers that would do the same mapping."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.render.grid import Column, Grid, Row, Shown, shape_cell
from archcalc.render.layer_text import label
from archcalc.text import as_ratio, shape

if TYPE_CHECKING:
    from archcalc.engine.analysis import Analysis

SHARING_COLUMNS = (
    Column("#", key="position"),
    Column("layer"),
    Column("output"),
    Column("positions", numeric=True),
    Column("shared weights", numeric=True),
    Column("locally connected", numeric=True),
    Column("dense equivalent", numeric=True),
    Column("sharing factor", optional=True),  # the positions again, as a ratio: a narrow window leaves it out
)


def sharing_grid(analysis: Analysis) -> Grid:
    """Each conv against its unshared versions; a sentence per layer says what the numbers mean."""
    report, layers = analysis.report, analysis.sharing or ()
    rows = []
    notes = []
    for entry in layers:
        result = entry.result
        rows.append(
            Row(
                (
                    result.layer.position,
                    label(result, entry.occurrences),
                    shape_cell(result.output_shape),
                    entry.positions,
                    entry.shared_weights,
                    entry.locally_connected_weights,
                    entry.dense_weights,
                    Shown(f"{entry.positions:,}×", entry.positions),
                )
            )
        )
        notes.append(
            f"{result.layer.where}: each of its {entry.shared_weights:,} weights is used at {entry.positions:,} positions; "
            f"unshared, the same windows need {entry.positions:,} × {entry.shared_weights:,} = {entry.locally_connected_weights:,} weights, "
            f"and a dense layer from {shape(result.input_shape)} to {shape(result.output_shape)} needs "
            f"{entry.input_values:,} × {entry.output_values:,} = {entry.dense_weights:,}"
            + (f" ({as_ratio(entry.dense_over_shared)} the conv)" if entry.dense_over_shared is not None else "")
        )
    if not layers:
        notes.append(f"{report.name} has no conv or depthwise layer: nothing shares weights across positions")
    return Grid(f"{report.name} · parameter sharing per conv layer", SHARING_COLUMNS, tuple(rows), None, tuple(notes))
