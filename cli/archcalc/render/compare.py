"""`compare`: totals side by side, each against the first spec, with where each ratio comes from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.arithmetic import quotient
from archcalc.render.formats import Counting
from archcalc.render.grid import Column, Grid, Row, Shown, cost_cells, cost_columns, shape_cell
from archcalc.text import as_ratio, fewer_or_more, is_small_difference

if TYPE_CHECKING:
    from archcalc.engine.comparison import Comparison
    from archcalc.engine.report import Report


def compare_grid(compared: Comparison, counting: Counting = Counting.MACS) -> Grid:
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
    language = all(spec.per_token is not None for spec in compared.specs)  # every spec a language model: its figures per token
    if language:
        columns += (
            Column("active params", numeric=True),
            Column(f"{count} per token", numeric=True, key=f"{counting.value}_per_token"),
            Column("KV cache per token", numeric=True, key="kv_cache_values_per_token"),
        )
    first = compared.baseline
    rows = []
    for spec in compared.specs:
        report, total = spec.report, spec.report.total
        against = (
            _against(first.total.params, total.params, spec.params, report is first),
            _against(first.total.weights, total.weights, spec.weights, report is first),
            _against(first.total.macs, total.macs, spec.macs, report is first),
        )
        cells: tuple[int, ...] = ()
        if spec.per_token is not None and language:
            cells = (spec.per_token.active_params, counting.of(spec.per_token.macs), spec.per_token.kv_cache_values)
        rows.append(Row((report.name, shape_cell(report.input_shape), shape_cell(report.output_shape), *cost_cells(total, counting), *against, *cells)))
    notes = [_comparison_sentence(first, spec.report, counting) for spec in compared.specs[1:]]
    if language:
        notes.append("per token: the sequence's figures over its tokens, at its input's length; KV cache in values kept for each token by causal attention")
    if counting is Counting.FLOPS:
        notes.append("FLOPs = 2 × MACs: a multiply and an add each")
    return Grid(f"compared with {first.name}", columns, tuple(rows), None, tuple(notes))


def _against(baseline: int, value: int, first_over_this: float | None, is_first: bool) -> Shown:
    """'4.1× fewer' for people; the engine's first-over-this ratio for scripts, as JSON has it."""
    return Shown("baseline" if is_first else fewer_or_more(baseline, value), first_over_this)


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
