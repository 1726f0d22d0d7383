"""`diff`: the layers that changed between two specs, and by how much."""

from __future__ import annotations

from archcalc.counting import Counting
from archcalc.engine.diff import Change, ComparedLayer, LayerDiff, ReportDiff
from archcalc.engine.relative import Relative
from archcalc.render.grid import Cell, Column, Grid, Row, Shown, shape_cell
from archcalc.render.layer_text import label
from archcalc.text import shape, signed_percent

CHANGE_MARKS = {Change.SAME: " ", Change.CHANGED: "~", Change.RENAMED: "r", Change.ADDED: "+", Change.REMOVED: "-"}


def diff_grid(difference: ReportDiff, show_all: bool, counting: Counting = Counting.MACS) -> Grid:
    """Changed, added and removed layers (all layers with `show_all`), then the totals' change.
    A narrow window keeps each layer's changes (Δ params, Δ MACs) and leaves out its figures after
    the change and the percentages: the notes give the totals' in full."""
    count = counting.heading
    columns = (
        Column("", key="change"),
        Column("#", key="position"),
        Column("layer"),
        Column("output"),
        Column("params", numeric=True, optional=True),
        Column("Δ params", numeric=True, key="params_delta"),
        Column("Δ%", optional=True, key="params_delta_percent"),
        Column(count, numeric=True, optional=True),
        Column(f"Δ {count}", numeric=True, key=f"{counting.value}_delta"),
        Column("Δ%", optional=True, key=f"{counting.value}_delta_percent"),
    )
    rows = [_diff_row(layer, counting) for layer in _listed(difference, show_all)]
    params, macs = difference.total("params"), difference.total("macs")
    total = Row(
        (
            "",
            "",
            "total",
            _both(shape(difference.base.output_shape), shape(difference.head.output_shape)),
            params.figure,
            _signed(params.delta),
            signed_percent(params),
            counting.of(macs.figure),
            _signed(counting.of(macs.delta)),
            signed_percent(macs),
        )
    )
    counts = difference.counts
    notes = [
        f"{difference.base.name} → {difference.head.name}: params {params.baseline:,} → {params.figure:,} ({signed_percent(params)}), "
        f"{count} {counting.of(macs.baseline):,} → {counting.of(macs.figure):,} ({signed_percent(macs)})",
        f"layers: {counts[Change.CHANGED]} changed, "
        + (f"{counts[Change.RENAMED]} renamed, " if counts[Change.RENAMED] else "")
        + f"{counts[Change.ADDED]} added, {counts[Change.REMOVED]} removed, {counts[Change.SAME]} the same"
        + ("" if show_all else " (not listed; --all lists them)"),
    ]
    if counting is Counting.FLOPS:
        notes.append("FLOPs = 2 × MACs: a multiply and an add each")
    return Grid(f"{difference.base.name} → {difference.head.name}", columns, tuple(rows), total, tuple(notes))


def diff_records(difference: ReportDiff, show_all: bool, counting: Counting = Counting.MACS) -> Grid:
    """The same rows for scripts (CSV): each side in columns of its own, the change as a word,
    deltas and percentages as numbers (a percentage is empty where the base figure is 0)."""
    figure = counting.value
    columns = tuple(
        Column(key, numeric=key not in TEXT_RECORDS)
        for key in (
            "change",
            *("base_position", "head_position", "base_layer", "head_layer", "base_output", "head_output"),
            *("base_params", "head_params", "params_delta", "params_delta_percent"),
            *(f"base_{figure}", f"head_{figure}", f"{figure}_delta", f"{figure}_delta_percent"),
        )
    )
    rows = []
    for layer in _listed(difference, show_all):
        base, head = layer.base, layer.head
        rows.append(
            Row(
                (
                    layer.change.value,
                    *(None if side is None else side.result.layer.position for side in (base, head)),
                    *(None if side is None else label(side.result, side.occurrences) for side in (base, head)),
                    *(None if side is None else shape_cell(side.result.output_shape) for side in (base, head)),
                    *_figure_records(layer.relative("params"), _figure(base, "params"), _figure(head, "params")),
                    *_figure_records(layer.relative("macs"), _figure(base, "macs", counting), _figure(head, "macs", counting), counting),
                )
            )
        )
    base_report, head_report = difference.base, difference.head
    total = Row(
        (
            None,
            None,
            None,
            "total",
            "total",
            shape_cell(base_report.output_shape),
            shape_cell(head_report.output_shape),
            *_figure_records(difference.total("params"), base_report.total.params, head_report.total.params),
            *_figure_records(difference.total("macs"), counting.of(base_report.total.macs), counting.of(head_report.total.macs), counting),
        )
    )
    return Grid(f"{base_report.name} → {head_report.name}", columns, tuple(rows), total)


TEXT_RECORDS = {"change", "base_position", "head_position", "base_layer", "head_layer", "base_output", "head_output"}


def _figure_records(relative: Relative, base: int | None, head: int | None, counting: Counting = Counting.MACS) -> tuple[Cell, ...]:
    """base, head (none for a side without the layer) in the count asked for, head − base (a missing
    side counts 0), and the change in percent of base (none where base is missing or 0)."""
    return (base, head, counting.of(relative.delta), Shown(signed_percent(relative), relative.percent_change))


def _figure(side: ComparedLayer | None, name: str, counting: Counting = Counting.MACS) -> int | None:
    """One side's figure in the count asked for; None for a side without the layer."""
    return None if side is None else counting.of(getattr(side.cost, name)) if name == "macs" else int(getattr(side.cost, name))


def _listed(difference: ReportDiff, show_all: bool) -> list[LayerDiff]:
    return [layer for layer in difference.layers if show_all or layer.change is not Change.SAME]


def _diff_row(layer: LayerDiff, counting: Counting) -> Row:
    base, head = layer.base, layer.head
    shown = head or base
    assert shown is not None  # a LayerDiff has at least one side
    return Row(
        (
            CHANGE_MARKS[layer.change],
            _both(*(side.result.layer.position if side else "" for side in (base, head))),
            _both(*(_compared_label(side) for side in (base, head))),
            _both(*(shape(side.result.output_shape) if side else "" for side in (base, head))),
            shown.cost.params,
            _signed(layer.delta("params")),
            signed_percent(layer.relative("params")),
            counting.of(shown.cost.macs),
            _signed(counting.of(layer.delta("macs"))),
            signed_percent(layer.relative("macs")),
        ),
        verdict=None,
    )


def _compared_label(side: ComparedLayer | None) -> str:
    return "" if side is None else label(side.result, side.occurrences)


def _both(before: str, after: str) -> str:
    """'a → b' when they differ, else the one that is there."""
    if before and after and before != after:
        return f"{before} → {after}"
    return after or before


def _signed(number: int) -> str:
    return f"{number:+,}" if number else "0"
