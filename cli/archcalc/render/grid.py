"""Show and compare results as a grid of cells, which every tabular format (Rich, Markdown, CSV) draws.

Keeping one grid per command means the formats cannot drift apart: they differ only in how a cell
is written (CSV keeps raw ints; tables add thousands separators).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archcalc.engine.report import Cost, LayerResult, Report
from archcalc.render.labels import label
from archcalc.render.text import exact_and_short, fewer_or_more, shape, times

Cell = str | int | None
"""Text, an exact count (formatted by the renderer), or nothing (drawn as '–' or left empty)."""


@dataclass(frozen=True)
class Column:
    title: str
    numeric: bool = False


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    depth: int = 0  # nesting inside composite layers; tables indent the layer column by it


@dataclass(frozen=True)
class Grid:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    total: Row | None = None
    notes: tuple[str, ...] = ()


SHOW_COLUMNS = (
    Column("#"),
    Column("layer"),
    Column("output"),
    Column("weights", numeric=True),
    Column("biases", numeric=True),
    Column("params", numeric=True),
    Column("MACs", numeric=True),
)


def show_grid(report: Report, depth: int) -> Grid:
    """One row per layer, children of composites indented below them down to `depth` levels."""
    rows: list[Row] = []
    _layer_rows(report.layers, 0, depth, rows)
    total = report.total
    title = f"{report.name} · input {shape(report.input_shape)} → output {shape(report.output_shape)}"
    notes = [
        f"params {exact_and_short(total.params)} = weights {exact_and_short(total.weights)} + biases {exact_and_short(total.biases)}",
        f"MACs {exact_and_short(total.macs)}",
    ]
    if total.non_trainable:
        notes.append(f"non-trainable state {exact_and_short(total.non_trainable)} (batch-norm running statistics, not counted in params)")
    return Grid(title, SHOW_COLUMNS, tuple(rows), Row(("", "total", shape(report.output_shape), *_figures(total))), tuple(notes))


def _layer_rows(results: Sequence[LayerResult], level: int, depth: int, rows: list[Row], times: int = 1) -> None:
    """Each row counts every occurrence it stands for, so a composite's children add up to it."""
    for result in results:
        occurrences = times * result.times
        cells = (result.layer.position, label(result, occurrences), shape(result.output_shape), *_figures(result.cost * occurrences))
        rows.append(Row(cells, level))
        if result.children and level < depth:
            _layer_rows(result.children, level + 1, depth, rows, occurrences)


def _figures(cost: Cost) -> tuple[Cell, ...]:
    return (cost.weights, cost.biases, cost.params, cost.macs)


COMPARE_COLUMNS = (
    Column("spec"),
    Column("input"),
    Column("output"),
    Column("weights", numeric=True),
    Column("biases", numeric=True),
    Column("params", numeric=True),
    Column("MACs", numeric=True),
    Column("params vs first"),
    Column("weights vs first"),
    Column("MACs vs first"),
)


def compare_grid(reports: Sequence[Report]) -> Grid:
    """Totals side by side, each against the first spec, and a sentence per spec saying the same."""
    first = reports[0].total
    rows = []
    notes = []
    for number, report in enumerate(reports):
        total = report.total
        against = (
            ("baseline",) * 3
            if number == 0
            else (
                fewer_or_more(first.params, total.params),
                fewer_or_more(first.weights, total.weights),
                fewer_or_more(first.macs, total.macs),
            )
        )
        rows.append(
            Row(
                (
                    report.name,
                    shape(report.input_shape),
                    shape(report.output_shape),
                    *_figures(total),
                    *against,
                )
            )
        )
    for report in reports[1:]:
        notes.append(_comparison_sentence(reports[0], report))
    return Grid(f"compared with {reports[0].name}", COMPARE_COLUMNS, tuple(rows), None, tuple(notes))


def _comparison_sentence(first: Report, other: Report) -> str:
    """Where each ratio comes from, e.g. 'params 154 / 38 = 4.1× fewer; weights only 144 / 34 = 4.2× fewer'."""
    a, b = first.total, other.total
    return (
        f"{other.name} against {first.name}: params {_quotient(a.params, b.params)}; "
        f"weights only {_quotient(a.weights, b.weights)}; MACs {_quotient(a.macs, b.macs)}"
    )


def _quotient(baseline: int, value: int) -> str:
    if baseline == value:
        return f"{value:,}, the same"
    if not baseline or not value:
        return f"{baseline:,} vs {value:,}"
    if value < baseline:
        return f"{baseline:,} / {value:,} = {times(baseline / value)} fewer"
    return f"{value:,} / {baseline:,} = {times(value / baseline)} more"
