"""`show`: one row per layer, children indented under their block."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.render.formats import counting_note
from archcalc.render.grid import Cell, Column, Grid, Row, Shown, cost_cells, cost_columns, shape_cell
from archcalc.render.layer_text import explain, graph_label
from archcalc.render.options import DEFAULT_SHOW, ShowOptions
from archcalc.text import exact_and_short, shape

if TYPE_CHECKING:
    from archcalc.engine.analysis import Analysis, LayerFigures, Memory, Run
    from archcalc.model import ReceptiveField


def show_grid(analysis: Analysis, options: ShowOptions = DEFAULT_SHOW) -> Grid:
    """One row per layer, children of composites indented below them down to `options.depth`."""
    report, memory, with_fields, counting = analysis.report, analysis.memory, analysis.request.receptive_field, options.counting
    columns = [Column("#", key="position"), Column("layer"), Column("output"), *cost_columns(counting)]
    if with_fields:
        columns += [Column("receptive field"), Column("stride")]
    if memory is not None:
        dtype = memory.dtype.value
        at_batch = f", batch {memory.batch:,}" if memory.batch > 1 else ""
        columns += [
            Column(f"param bytes ({dtype})", numeric=True, optional=True, key="param_bytes"),  # params × bytes a value, which the notes give
            Column(f"output bytes ({dtype}{at_batch})", numeric=True, key="output_bytes"),
        ]
    cached = memory is not None and memory.kv_cache_values > 0
    if cached and memory is not None:
        columns.append(Column(f"KV cache bytes ({memory.dtype.value})", numeric=True, key="kv_cache_bytes"))
    if options.explain:
        columns.append(Column("arithmetic"))
    rows: list[Row] = []
    folds = False
    if analysis.runs is not None and options.fold and not options.explain:  # each layer's own arithmetic is never folded
        folds = _run_rows(analysis.runs, 0, options, with_fields, cached, rows)
    else:
        _layer_rows(analysis.layers, 0, options, with_fields, cached, rows)
    total = report.total
    title = f"{report.name} · input {shape(report.input_shape)} → output {shape(report.output_shape)}"
    notes = [
        f"params {exact_and_short(total.params)} = weights {exact_and_short(total.weights)} + biases {exact_and_short(total.biases)}",
        counting_note(counting, total.macs),
    ]
    if report.spec.checkpoint is not None:  # no input, so no shapes and no MACs: its notes say so
        title, notes = f"{report.name} · {report.spec.description}", notes[:1]
    if report.side_outputs:
        outputs = ", ".join(f"{side.layer.name or 'branch'} {shape(side.output_shape)} (#{side.layer.position})" for side in report.side_outputs)
        notes.append(f"side outputs, counted in the totals: {outputs}")
    if report.active_params != total.params:
        notes.append(f"active params {exact_and_short(report.active_params)}: what one token runs, the experts it does not choose left out")
    if total.non_trainable:
        notes.append(f"non-trainable state {exact_and_short(total.non_trainable)} ({', '.join(analysis.state_kinds)}; not counted in params)")
    notes += report.spec.notes
    if folds:
        notes.append("rows of identical layers one after another are folded into one (× N, the figures of all N); --no-fold lists every layer")
    if memory is not None:
        size = memory.dtype.bytes
        notes.append(
            f"memory at {memory.dtype.value} ({size} byte{'s' if size > 1 else ''} a value): parameters {exact_and_short(memory.param_bytes)} bytes; "
            f"peak activations {exact_and_short(memory.peak_activation_bytes)} bytes "
            + (f"for batch {memory.batch:,}, {memory.batch:,} × one sample's " if memory.batch > 1 else "")
            + "(the most live while one layer runs: its input and output, "
            "and outputs held for a later join" + (attention_words(memory) if memory.attends else "") + ")"
        )
        if cached:
            notes.append(
                f"key/value cache of causal attention: {exact_and_short(memory.kv_cache_values)} values = {exact_and_short(memory.kv_cache_bytes)} bytes "
                + (f"for {memory.batch:,} sequences " if memory.batch > 1 else "for one sequence ")
                + f"({'; '.join(memory.cache_rules)})"
            )
    total_cells: list[Cell] = [None, "total", shape_cell(report.output_shape), *cost_cells(total, counting)]
    if with_fields:
        total_cells += [None, None]
    if memory is not None:
        total_cells += [memory.param_bytes, None]
    if cached and memory is not None:
        total_cells.append(memory.kv_cache_bytes)
    if options.explain:
        total_cells.append(None)
    return Grid(title, tuple(columns), tuple(rows), Row(tuple(total_cells)), tuple(notes), nested=True)


def attention_words(memory: Memory) -> str:
    return "; eager attention's scores and their softmax too" if memory.eager_attention else "; attention as flash attention runs it, with no score matrix"


def _layer_rows(layers: Sequence[LayerFigures], level: int, options: ShowOptions, with_fields: bool, cached: bool, rows: list[Row]) -> None:
    for figures in layers:
        rows.append(_layer_row(figures, level, options, with_fields, cached))
        if figures.children and level < options.depth:
            _layer_rows(figures.children, level + 1, options, with_fields, cached, rows)


def _layer_row(figures: LayerFigures, level: int, options: ShowOptions, with_fields: bool, cached: bool) -> Row:
    result = figures.result
    cells: list[Cell] = [
        result.layer.position,
        graph_label(figures),
        shape_cell(result.output_shape),
        *cost_cells(figures.cost, options.counting),
    ]
    if with_fields:
        cells += _field_cells(figures.field)
    if figures.param_bytes is not None:
        cells += [figures.param_bytes, figures.output_bytes]
    if cached:
        cells.append(figures.kv_cache_bytes)
    if options.explain:
        cells.append(explain(result, figures.occurrences))
    return Row(tuple(cells), level)


def _run_rows(runs: Sequence[Run], level: int, options: ShowOptions, with_fields: bool, cached: bool, rows: list[Row]) -> bool:
    """A run of identical layers one after another as one row (`#` first–last, the layer × N, the
    figures of all N, which the engine added up); a layer unlike its neighbours as `_layer_rows` writes
    it. True if a row stands for several layers."""
    folds = False
    for run in runs:
        figures = run.first
        if run.count == 1:
            rows.append(_layer_row(figures, level, options, with_fields, cached))
            if run.inside and level < options.depth:
                folds = _run_rows(run.inside, level + 1, options, with_fields, cached, rows) or folds
            continue
        folds = True
        result = figures.result
        cells: list[Cell] = [
            f"{result.layer.position}–{run.last.result.layer.position}",
            f"{graph_label(figures)} × {run.count:,}",
            shape_cell(result.output_shape),
            *cost_cells(run.cost, options.counting),
        ]
        if with_fields:
            cells += _field_cells(figures.field)
        if run.param_bytes is not None:
            cells += [run.param_bytes, figures.output_bytes]
        if cached:
            cells.append(run.kv_cache_bytes)
        rows.append(Row(tuple(cells), level))
    return folds


def _field_cells(field: ReceptiveField | None) -> list[Cell]:
    """'5×5' and '2', 'whole input', or '–' for a flat input (it has no positions). CSV writes
    '5x5', 'whole input', '~5x5' for an estimate, and nothing for none."""
    if field is None:
        return [Shown("–", None), Shown("–", None)]
    if field.size is None:
        size: Cell = "whole input"
    else:
        approximate = "≈ " if field.approximate else ""
        written = shape_cell(field.size)
        size = Shown(approximate + written.text, ("~" if field.approximate else "") + str(written.data))
    return [size, shape_cell(field.jump)]
