"""Several specs against the first: each figure against the first spec's, worked out once for every renderer."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from archcalc.engine.analysis import Memory, memory_of
from archcalc.engine.memory import kv_cache_values
from archcalc.engine.relative import Relative
from archcalc.engine.report import Report
from archcalc.model import DType
from archcalc.values import value


@value
class PerToken:
    """A language model's figures for one token of its sequence of `tokens` token ids: the parameters
    a token runs, MACs (the sequence's over its tokens, to the nearest MAC) and the key/value cache."""

    tokens: int
    active_params: int
    macs: int
    kv_cache_values: int


def per_token(report: Report) -> PerToken | None:
    """For a spec that reads a sequence of token ids; None for any other."""
    if not report.spec.reads_token_ids:
        return None
    tokens = report.input_shape[0]
    return PerToken(tokens, report.active_params, round(Fraction(report.total.macs, tokens)), round(Fraction(kv_cache_values(report), tokens)))


@value
class ComparedSpec:
    """One spec, and its params, weights and MACs each against the first spec's; a language model's
    figures per token; with --memory, its memory at a dtype."""

    report: Report
    params: Relative
    weights: Relative
    macs: Relative
    per_token: PerToken | None = None
    memory: Memory | None = None  # with --memory: parameters, peak activations and cache at a dtype (memory.dtype)


@value
class Comparison:
    """The specs in order, the first the baseline, each against it."""

    specs: tuple[ComparedSpec, ...]

    @property
    def baseline(self) -> Report:
        return self.specs[0].report

    @property
    def memory_dtype(self) -> DType | None:
        """The one dtype every spec's memory is at; None without --memory, or when specs are at their own, and differ."""
        dtypes = {spec.memory.dtype for spec in self.specs if spec.memory is not None}
        return dtypes.pop() if len(dtypes) == 1 else None


def comparison(reports: Sequence[Report], memory: bool = False, dtype: DType | None = None) -> Comparison:
    """Each spec against the first; with `memory`, each one's memory too, at `dtype` or, without it,
    at the spec's own (Spec.memory_dtype), as `show --memory` counts it."""
    first = reports[0].total
    return Comparison(
        tuple(
            ComparedSpec(
                report,
                Relative(first.params, report.total.params),
                Relative(first.weights, report.total.weights),
                Relative(first.macs, report.total.macs),
                per_token(report),
                memory_of(report, dtype or report.spec.memory_dtype) if memory else None,
            )
            for report in reports
        )
    )
