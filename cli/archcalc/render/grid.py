"""Show and compare results as a grid of cells, which every tabular format (Rich, Markdown, CSV) draws.

Keeping one grid per command means the formats cannot drift apart: they differ only in how a cell
is written (CSV keeps raw ints; tables add thousands separators).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archcalc.engine.arithmetic import volume
from archcalc.engine.budget import BudgetCheck, SpecCheck
from archcalc.engine.diff import Change, LayerDiff, Occurrence, ReportDiff
from archcalc.engine.memory import activation_bytes, param_bytes
from archcalc.engine.receptive import Field, Fields, receptive_fields
from archcalc.engine.report import Cost, LayerResult, Report
from archcalc.engine.sharing import Sharing
from archcalc.engine.sweep import Sweep
from archcalc.render.explain import explain
from archcalc.render.labels import label
from archcalc.render.text import exact_and_short, fewer_or_more, percent, shape, signed_percent, times
from archcalc.spec.model import DType

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
    verdict: bool | None = None  # a pass (True) or a failure (False): a terminal colours it


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


@dataclass(frozen=True)
class ShowOptions:
    """What `show` adds to its table: nesting depth and the optional columns."""

    depth: int = 3
    explain: bool = False
    receptive_field: bool = False
    memory: bool = False
    dtype: DType = DType.FLOAT32


def show_grid(report: Report, options: ShowOptions = ShowOptions()) -> Grid:
    """One row per layer, children of composites indented below them down to `options.depth`."""
    fields = receptive_fields(report) if options.receptive_field else {}
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
    total_cells: list[Cell] = ["", "total", shape(report.output_shape), *_figures(total)]
    if options.receptive_field:
        total_cells += ["", ""]
    if options.memory:
        total_cells += [param_bytes(report, options.dtype), None]
    if options.explain:
        total_cells.append("")
    return Grid(title, tuple(columns), tuple(rows), Row(tuple(total_cells)), tuple(notes))


def _layer_rows(results: Sequence[LayerResult], level: int, options: ShowOptions, fields: Fields, rows: list[Row], times: int = 1) -> None:
    """Each row counts every occurrence it stands for, so a composite's children add up to it."""
    for result in results:
        occurrences = times * result.times
        cost = result.cost * occurrences
        cells: list[Cell] = [result.layer.position, label(result, occurrences), shape(result.output_shape), *_figures(cost)]
        if options.receptive_field:
            cells += _field_cells(fields.get(id(result)))
        if options.memory:
            cells += [cost.params * options.dtype.bytes, volume(result.output_shape) * options.dtype.bytes]
        if options.explain:
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


CHECK_COLUMNS = (
    Column("spec"),
    Column("budget"),
    Column("limit", numeric=True),
    Column("actual", numeric=True),
    Column("headroom", numeric=True),
    Column("status"),
)


def budget_name(check: BudgetCheck) -> str:
    """`params`, or `param_bytes (float16)` for the budgets that depend on a dtype."""
    name = check.limit.kind.value
    return f"{name} ({check.dtype.value})" if name.endswith("_bytes") else name


def check_grid(results: Sequence[SpecCheck]) -> Grid:
    """One row per budget of each spec: limit, actual figure, headroom, PASS or FAIL."""
    rows = []
    for result in results:
        if not result.checks:
            rows.append(Row((result.report.name, "–", None, None, None, "no budget")))
        for check in result.checks:
            status = "PASS" if check.passed else "FAIL"
            headroom = "–" if check.headroom is None else percent(check.headroom)
            rows.append(Row((result.report.name, budget_name(check), check.limit.maximum, check.actual, headroom, status), verdict=check.passed))
    return Grid("budgets", CHECK_COLUMNS, tuple(rows), None, (check_summary(results),))


def check_summary(results: Sequence[SpecCheck]) -> str:
    """'3 specs, 5 budgets: 4 within, 1 over.'"""
    checks = [check for result in results for check in result.checks]
    over = sum(not check.passed for check in checks)
    specs = f"{len(results)} spec{'s' if len(results) != 1 else ''}"
    return f"{specs}, {len(checks)} budget{'s' if len(checks) != 1 else ''}: {len(checks) - over} within, {over} over"


DIFF_COLUMNS = (
    Column(""),
    Column("#"),
    Column("layer"),
    Column("output"),
    Column("params", numeric=True),
    Column("Δ params", numeric=True),
    Column("Δ%"),
    Column("MACs", numeric=True),
    Column("Δ MACs", numeric=True),
    Column("Δ%"),
)
CHANGE_MARKS = {Change.SAME: " ", Change.CHANGED: "~", Change.ADDED: "+", Change.REMOVED: "-"}


def diff_grid(difference: ReportDiff, show_all: bool) -> Grid:
    """Changed, added and removed layers (all layers with `show_all`), then the totals' change."""
    rows = [_diff_row(layer) for layer in difference.layers if show_all or layer.change is not Change.SAME]
    base, head = difference.base.total, difference.head.total
    total = Row(
        (
            "",
            "",
            "total",
            _both(shape(difference.base.output_shape), shape(difference.head.output_shape)),
            head.params,
            _signed(head.params - base.params),
            signed_percent(base.params, head.params),
            head.macs,
            _signed(head.macs - base.macs),
            signed_percent(base.macs, head.macs),
        )
    )
    counts = {change: sum(layer.change is change for layer in difference.layers) for change in Change}
    notes = (
        f"{difference.base.name} → {difference.head.name}: params {base.params:,} → {head.params:,} ({signed_percent(base.params, head.params)}), "
        f"MACs {base.macs:,} → {head.macs:,} ({signed_percent(base.macs, head.macs)})",
        f"layers: {counts[Change.CHANGED]} changed, {counts[Change.ADDED]} added, {counts[Change.REMOVED]} removed, {counts[Change.SAME]} the same"
        + ("" if show_all else " (not listed; --all lists them)"),
    )
    return Grid(f"{difference.base.name} → {difference.head.name}", DIFF_COLUMNS, tuple(rows), total, notes)


def _diff_row(layer: LayerDiff) -> Row:
    base, head = layer.base, layer.head
    shown = head or base
    assert shown is not None  # a LayerDiff has at least one side
    return Row(
        (
            CHANGE_MARKS[layer.change],
            _both(*(side.result.layer.position if side else "" for side in (base, head))),
            _both(*(_occurrence_label(side) for side in (base, head))),
            _both(*(shape(side.result.output_shape) if side else "" for side in (base, head))),
            shown.cost.params,
            _signed(layer.delta("params")),
            signed_percent(layer.figure(base, "params"), layer.figure(head, "params")),
            shown.cost.macs,
            _signed(layer.delta("macs")),
            signed_percent(layer.figure(base, "macs"), layer.figure(head, "macs")),
        ),
        verdict=None,
    )


def _occurrence_label(side: Occurrence | None) -> str:
    return "" if side is None else label(side.result, side.times)


def _both(before: str, after: str) -> str:
    """'a → b' when they differ, else the one that is there."""
    if before and after and before != after:
        return f"{before} → {after}"
    return after or before


def _signed(number: int) -> str:
    return f"{number:+,}" if number else "0"


def sweep_grid(sweeps: Sequence[Sweep], figure: str) -> Grid:
    """A row per input side, parameters and MACs of each spec; the fitted exponents below."""
    columns = [Column("side")]
    for result in sweeps:
        columns += [Column(f"{result.spec.name} params", numeric=True), Column(f"{result.spec.name} MACs", numeric=True)]
    sizes = sorted({point.size for result in sweeps for point in result.points})
    rows = []
    for size in sizes:
        cells: list[Cell] = [str(size)]
        for result in sweeps:
            point = next((p for p in result.points if p.size == size), None)
            report = point.report if point else None
            cells += [report.total.params, report.total.macs] if report else ["too small", "too small"]
        rows.append(Row(tuple(cells)))
    exponents: list[Cell] = ["k"]
    for result in sweeps:
        exponents += [_exponent(result.exponent("params")), _exponent(result.exponent("macs"))]
    notes = tuple(sweep_verdict(result) for result in sweeps)
    title = f"how {figure} grow with the input side (k: figure ∝ side^k between the two largest sides)"
    return Grid(title, tuple(columns), tuple(rows), Row(tuple(exponents)), notes)


def _exponent(value: float | None) -> str:
    return "–" if value is None else f"side^{value:.2f}"


def sweep_verdict(result: Sweep) -> str:
    """Why the parameters grow or do not, naming the layers that grow."""
    name = result.spec.name
    exponent = result.exponent("params")
    growing = result.growing_layers()
    failed = [point for point in result.points if point.error is not None]
    skipped = ""
    if failed and failed[0].error is not None:
        skipped = f" (too small at {', '.join(str(point.size) for point in failed)}: {failed[0].error.problem})"
    if exponent is None:
        return f"{name}: parameters cannot be fitted{skipped}"
    if not growing:
        return f"{name}: parameters do not depend on the input size (k = 0): every weight is shared across positions{skipped}"
    where = ", ".join(f"{layer.layer.where}" for layer in growing)
    return f"{name}: parameters grow as side^{exponent:.2f}, in {where}: after a flatten, weights are per input position{skipped}"


SHARING_COLUMNS = (
    Column("#"),
    Column("layer"),
    Column("output"),
    Column("positions", numeric=True),
    Column("shared weights", numeric=True),
    Column("locally connected", numeric=True),
    Column("dense equivalent", numeric=True),
    Column("sharing factor"),
)


def sharing_grid(report: Report, layers: Sequence[Sharing]) -> Grid:
    """Each conv against its unshared versions; a sentence per layer says what the numbers mean."""
    rows = []
    notes = []
    for entry in layers:
        result = entry.result
        rows.append(
            Row(
                (
                    result.layer.position,
                    label(result, entry.occurrences),
                    shape(result.output_shape),
                    entry.positions,
                    entry.shared_weights,
                    entry.locally_connected_weights,
                    entry.dense_weights,
                    f"{entry.positions:,}×",
                )
            )
        )
        notes.append(
            f"{result.layer.where}: each of its {entry.shared_weights:,} weights is used at {entry.positions:,} positions; "
            f"unshared, the same windows need {entry.positions:,} × {entry.shared_weights:,} = {entry.locally_connected_weights:,} weights, "
            f"and a dense layer from {shape(result.input_shape)} to {shape(result.output_shape)} needs "
            f"{volume(result.input_shape):,} × {volume(result.output_shape):,} = {entry.dense_weights:,}"
            + (f" ({times(entry.dense_weights / entry.shared_weights)} the conv)" if entry.shared_weights else "")
        )
    if not layers:
        notes.append(f"{report.name} has no conv or depthwise layer: nothing shares weights across positions")
    return Grid(f"{report.name} · parameter sharing per conv layer", SHARING_COLUMNS, tuple(rows), None, tuple(notes))
