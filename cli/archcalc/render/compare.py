"""`compare`: totals side by side, each against the first spec, with where each ratio comes from."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.arithmetic import quotient
from archcalc.render.formats import Counting
from archcalc.render.grid import Column, Grid, Row, Shown, cost_cells, cost_columns, shape_cell
from archcalc.text import as_ratio, fewer_or_more, is_small_difference

if TYPE_CHECKING:
    from archcalc.engine.report import Report


def compare_grid(reports: Sequence[Report], counting: Counting = Counting.MACS) -> Grid:
    """Totals side by side, each against the first spec, and a sentence per spec saying the same.
    CSV gets each ratio as a number: the first spec's figure over this one's (4.05: 4.05× fewer)."""
    count = counting.heading
    columns = (
        Column("spec"),
        Column("input"),
        Column("output"),
        *cost_columns(counting),
        Column("params vs first", key="params_first_over_this"),
        Column("weights vs first", optional=True, key="weights_first_over_this"),
        Column(f"{count} vs first", key=f"{counting.value}_first_over_this"),
    )
    first = reports[0].total
    rows = []
    for report in reports:
        total = report.total
        against = tuple(_against(getattr(first, figure), getattr(total, figure), report is reports[0]) for figure in ("params", "weights", "macs"))
        rows.append(Row((report.name, shape_cell(report.input_shape), shape_cell(report.output_shape), *cost_cells(total, counting), *against)))
    notes = [_comparison_sentence(reports[0], report, counting) for report in reports[1:]]
    if counting is Counting.FLOPS:
        notes.append("FLOPs = 2 × MACs: a multiply and an add each")
    return Grid(f"compared with {reports[0].name}", columns, tuple(rows), None, tuple(notes))


def _against(baseline: int, value: int, is_first: bool) -> Shown:
    """'4.1× fewer' for people; baseline / value for scripts, as JSON's `first_over_this` (none where
    this spec's figure is 0, or the ratio is past a float)."""
    ratio = quotient(baseline, value) if value else None
    return Shown("baseline" if is_first else fewer_or_more(baseline, value), ratio if ratio is not None and math.isfinite(ratio) else None)


def _comparison_sentence(first: Report, other: Report, counting: Counting) -> str:
    """Where each ratio comes from, e.g. 'params 154 / 38 = 4.1× fewer; weights only 144 / 34 = 4.2× fewer'."""
    a, b = first.total, other.total
    return (
        f"{other.name} against {first.name}: params {_quotient(a.params, b.params)}; "
        f"weights only {_quotient(a.weights, b.weights)}; {counting.heading} {_quotient(counting.of(a.macs), counting.of(b.macs))}"
    )


def _quotient(baseline: int, value: int) -> str:
    if baseline == value:
        return f"{value:,}, the same"
    if not baseline or not value:
        return f"{baseline:,} vs {value:,}"
    if is_small_difference(baseline, value):
        return f"{baseline:,} → {value:,} = {fewer_or_more(baseline, value)}"
    if value < baseline:
        return f"{baseline:,} / {value:,} = {as_ratio(quotient(baseline, value))} fewer"
    return f"{value:,} / {baseline:,} = {as_ratio(quotient(value, baseline))} more"
