"""`diff`: the layers that changed between two specs, and by how much."""

from __future__ import annotations

from archcalc.engine.diff import Change, LayerDiff, Occurrence, ReportDiff
from archcalc.render.grid import Column, Grid, Row
from archcalc.render.layer_text import label
from archcalc.text import shape, signed_percent

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
