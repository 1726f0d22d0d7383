"""`compare`: totals side by side, each against the first spec, with where each ratio comes from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.counting import Counting
from archcalc.render.grid import Cell, Column, Grid, Row, Shown, cost_cells, cost_columns, shape_cell
from archcalc.render.spec_names import SpecNames
from archcalc.text import as_ratio, fewer_or_more, plural

if TYPE_CHECKING:
    from archcalc.engine.comparison import ComparedSpec, Comparison
    from archcalc.engine.relative import Relative


def compare_grid(compared: Comparison, counting: Counting = Counting.MACS) -> Grid:
    """Totals side by side, each against the first spec, and a sentence per spec saying the same.
    CSV gets each ratio as a number: the first spec's figure over this one's (4.05: 4.05× fewer).
    Specs that share a name are told apart by their files."""
    count = counting.heading
    columns: tuple[Column, ...] = (
        Column("spec"),
        Column("input"),
        Column("output"),
        *cost_columns(counting),
        Column("params vs first", key="params_first_over_this"),
        Column("weights vs first", optional=True, key="weights_first_over_this"),
        Column(f"{count} vs first", key=f"{counting.value}_first_over_this"),
        *_memory_columns(compared),
    )
    language = all(spec.per_token is not None for spec in compared.specs)  # every spec a language model: its figures per token
    if language:
        columns += (
            Column("active params", numeric=True),
            Column(f"{count} per token", numeric=True, key=f"{counting.value}_per_token"),
            Column("KV cache per token", numeric=True, key="kv_cache_values_per_token"),
        )
    first = compared.baseline
    named = SpecNames(spec.report for spec in compared.specs)
    rows = []
    for spec in compared.specs:
        report, is_first = spec.report, spec.report is first
        against = (_against(spec.params, is_first), _against(spec.weights, is_first), _against(spec.macs, is_first))
        per_token: tuple[int, ...] = ()
        if spec.per_token is not None and language:
            per_token = (spec.per_token.active_params, counting.of(spec.per_token.macs), spec.per_token.kv_cache_values)
        cells = (named(report), shape_cell(report.input_shape), shape_cell(report.output_shape), *cost_cells(report.total, counting), *against)
        rows.append(Row((*cells, *_memory_cells(spec, compared), *per_token)))
    notes = [_comparison_sentence(named(first), named(spec.report), spec, counting) for spec in compared.specs[1:]]
    if language:
        notes.append("per token: the sequence's figures over its tokens, at its input's length; KV cache in values kept for each token by causal attention")
    if counting is Counting.FLOPS:
        notes.append("FLOPs = 2 × MACs: a multiply and an add each")
    if compared.specs[0].memory is not None:
        dtype = compared.memory_dtype
        at = f"{dtype.value} ({plural(dtype.bytes, 'byte')} a value)" if dtype is not None else "each spec's own dtype (its config's torch_dtype, else float32)"
        notes.append(
            f"memory at {at}, as `show --memory` counts it: peak activations are the most "
            "live while one layer runs; the KV cache is causal attention's, for one sequence"
        )
    return Grid(f"compared with {named(first)}", columns, tuple(rows), None, tuple(notes))


def _memory_columns(compared: Comparison) -> tuple[Column, ...]:
    """With --memory: the dtype, parameter and peak activation bytes, and the KV cache where a spec keeps one."""
    if compared.specs[0].memory is None:
        return ()
    dtype = compared.memory_dtype
    at = f" ({dtype.value})" if dtype is not None else ""  # specs at their own dtypes, which differ: the dtype column alone says each one's
    columns: tuple[Column, ...] = (
        Column("dtype", optional=dtype is not None, key="memory_dtype"),  # for CSV and Markdown too: a script reads which dtype each figure is at
        Column(f"param bytes{at}", numeric=True, key="param_bytes"),
        Column(f"peak activation bytes{at}", numeric=True, key="peak_activation_bytes"),
    )
    if _caches(compared):
        columns += (Column(f"KV cache bytes{at}", numeric=True, key="kv_cache_bytes"),)
    return columns


def _caches(compared: Comparison) -> bool:
    return any(spec.memory is not None and spec.memory.kv_cache_values for spec in compared.specs)


def _memory_cells(spec: ComparedSpec, compared: Comparison) -> tuple[Cell, ...]:
    if spec.memory is None:
        return ()
    cells: tuple[Cell, ...] = (spec.memory.dtype.value, spec.memory.param_bytes, spec.memory.peak_activation_bytes)
    return (*cells, spec.memory.kv_cache_bytes) if _caches(compared) else cells


def _against(relative: Relative, is_first: bool) -> Shown:
    """'4.1× fewer' for people; the engine's first-over-this ratio for scripts, as JSON has it."""
    return Shown("baseline" if is_first else fewer_or_more(relative), relative.first_over_this)


def _comparison_sentence(first: str, name: str, other: ComparedSpec, counting: Counting) -> str:
    """Where each ratio comes from, e.g. 'params 154 / 38 = 4.1× fewer; weights only 144 / 34 = 4.2× fewer'."""
    return (
        f"{name} against {first}: params {_quotient(other.params)}; "
        f"weights only {_quotient(other.weights)}; {counting.heading} {_quotient(other.macs, counting)}"
    )


def _quotient(relative: Relative, counting: Counting = Counting.MACS) -> str:
    """The division the ratio comes from, in the count asked for (FLOPs are 2 per MAC; the ratio is the same)."""
    baseline, figure = counting.of(relative.baseline), counting.of(relative.figure)
    if relative.delta == 0:
        return f"{figure:,}, the same"
    if relative.ratio is None:
        return f"{baseline:,} vs {figure:,}"
    if relative.small:
        return f"{baseline:,} → {figure:,} = {fewer_or_more(relative)}"
    if relative.delta < 0:
        return f"{baseline:,} / {figure:,} = {as_ratio(relative.ratio)} fewer"
    return f"{figure:,} / {baseline:,} = {as_ratio(relative.ratio)} more"
