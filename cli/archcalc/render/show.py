"""`show`: one row per layer, children indented under their block."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.engine.arithmetic import volume
from archcalc.engine.memory import activation_bytes, param_bytes
from archcalc.engine.report import LayerResult, Report
from archcalc.render.grid import Cell, Column, Grid, Row, cost_cells
from archcalc.render.labels import label
from archcalc.render.options import DEFAULT_SHOW, ShowOptions
from archcalc.render.text import exact_and_short, shape

if TYPE_CHECKING:
    from archcalc.engine.receptive import Field, Fields

SHOW_COLUMNS = (
    Column("#"),
    Column("layer"),
    Column("output"),
    Column("weights", numeric=True),
    Column("biases", numeric=True),
    Column("params", numeric=True),
    Column("MACs", numeric=True),
)


def show_grid(report: Report, options: ShowOptions = DEFAULT_SHOW) -> Grid:
    """One row per layer, children of composites indented below them down to `options.depth`."""
    fields: Fields = {}
    if options.receptive_field:  # imported here: most runs of `show` do not ask for it
        from archcalc.engine.receptive import receptive_fields

        fields = receptive_fields(report)
    columns = list(SHOW_COLUMNS)
    if options.receptive_field:
        columns += [Column("receptive field"), Column("stride")]
    if options.memory:
        columns += [Column(f"param bytes ({options.dtype.value})", numeric=True), Column(f"output bytes ({options.dtype.value})", numeric=True)]
    if options.explain:
        columns.append(Column("arithmetic"))
    rows: list[Row] = []
    _layer_rows(report.layers, 0, options, fields, rows)
    total = report.total
    title = f"{report.name} · input {shape(report.input_shape)} → output {shape(report.output_shape)}"
    notes = [
        f"params {exact_and_short(total.params)} = weights {exact_and_short(total.weights)} + biases {exact_and_short(total.biases)}",
        f"MACs {exact_and_short(total.macs)}",
    ]
    if total.non_trainable:
        notes.append(f"non-trainable state {exact_and_short(total.non_trainable)} (batch-norm running statistics, not counted in params)")
    if options.memory:
        size = options.dtype.bytes
        stored = exact_and_short(param_bytes(report, options.dtype))
        peak = exact_and_short(activation_bytes(report, options.dtype))
        notes.append(
            f"memory at {options.dtype.value} ({size} byte{'s' if size > 1 else ''} a value): parameters {stored} bytes; "
            f"peak activations {peak} bytes (the largest input + output of any one layer)"
        )
    total_cells: list[Cell] = ["", "total", shape(report.output_shape), *cost_cells(total)]
    if options.receptive_field:
        total_cells += ["", ""]
    if options.memory:
        total_cells += [param_bytes(report, options.dtype), None]
    if options.explain:
        total_cells.append("")
    return Grid(title, tuple(columns), tuple(rows), Row(tuple(total_cells)), tuple(notes), nested=True)


def _layer_rows(results: Sequence[LayerResult], level: int, options: ShowOptions, fields: Fields, rows: list[Row], times: int = 1) -> None:
    """Each row counts every occurrence it stands for, so a composite's children add up to it."""
    for result in results:
        occurrences = times * result.times
        cost = result.cost * occurrences
        cells: list[Cell] = [result.layer.position, label(result, occurrences), shape(result.output_shape), *cost_cells(cost)]
        if options.receptive_field:
            cells += _field_cells(fields.get(id(result)))
        if options.memory:
            cells += [cost.params * options.dtype.bytes, volume(result.output_shape) * options.dtype.bytes]
        if options.explain:
            from archcalc.render.explain import explain

            cells.append(explain(result, occurrences))
        rows.append(Row(tuple(cells), level))
        if result.children and level < options.depth:
            _layer_rows(result.children, level + 1, options, fields, rows, occurrences)


def _field_cells(field: Field | None) -> list[Cell]:
    """'5×5' and '2', 'whole input', or '–' for a flat input (it has no positions)."""
    if field is None:
        return ["–", "–"]
    size = "whole input" if field.size is None else ("≈ " if field.approximate else "") + shape(field.size)
    return [size, shape(field.jump)]
