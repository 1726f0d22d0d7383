"""Several specs against the first: each figure's ratio, worked out once for every renderer."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from archcalc.arithmetic import quotient
from archcalc.engine.report import Report
from archcalc.values import value


def first_over(baseline: int, figure: int) -> float | None:
    """The first spec's figure over this one's (4.05: 4.05× fewer); None where this one's is 0, or
    where the ratio is past a float (nested repeats reach such counts)."""
    if not figure:
        return None
    ratio = quotient(baseline, figure)
    return ratio if math.isfinite(ratio) else None


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
    from archcalc.engine.memory import kv_cache_values

    tokens = report.input_shape[0]
    return PerToken(tokens, report.active_params, round(Fraction(report.total.macs, tokens)), round(Fraction(kv_cache_values(report), tokens)))


@value
class Against:
    """One spec, and the first spec's params, weights and MACs over its own; a language model's figures per token."""

    report: Report
    params: float | None
    weights: float | None
    macs: float | None
    per_token: PerToken | None = None


@value
class Comparison:
    """The specs in order, the first the baseline, each against it."""

    specs: tuple[Against, ...]

    @property
    def baseline(self) -> Report:
        return self.specs[0].report


def comparison(reports: Sequence[Report]) -> Comparison:
    first = reports[0].total
    return Comparison(
        tuple(
            Against(
                report,
                first_over(first.params, report.total.params),
                first_over(first.weights, report.total.weights),
                first_over(first.macs, report.total.macs),
                per_token(report),
            )
            for report in reports
        )
    )
