"""`compare`: totals side by side, each against the first spec, with where each ratio comes from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.arithmetic import quotient
from archcalc.render.grid import Column, Grid, Row, cost_cells
from archcalc.text import as_ratio, fewer_or_more, shape

if TYPE_CHECKING:
    from archcalc.engine.report import Report

COMPARE_COLUMNS = (
    Column("spec"),
    Column("input"),
    Column("output"),
    Column("weights", numeric=True, optional=True),
    Column("biases", numeric=True, optional=True),
    Column("params", numeric=True),
    Column("MACs", numeric=True),
    Column("params vs first"),
    Column("weights vs first", optional=True),
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
                    *cost_cells(total),
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
        return f"{baseline:,} / {value:,} = {as_ratio(quotient(baseline, value))} fewer"
    return f"{value:,} / {baseline:,} = {as_ratio(quotient(value, baseline))} more"
