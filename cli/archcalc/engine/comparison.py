"""Several specs against the first: each figure's ratio, worked out once for every renderer."""

from __future__ import annotations

import math
from collections.abc import Sequence

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
class ComparedSpec:
    """One spec, and the first spec's params, weights and MACs over its own."""

    report: Report
    params: float | None
    weights: float | None
    macs: float | None


@value
class Comparison:
    """The specs in order, the first the baseline, each against it."""

    specs: tuple[ComparedSpec, ...]

    @property
    def baseline(self) -> Report:
        return self.specs[0].report


def comparison(reports: Sequence[Report]) -> Comparison:
    first = reports[0].total
    return Comparison(
        tuple(
            ComparedSpec(
                report,
                first_over(first.params, report.total.params),
                first_over(first.weights, report.total.weights),
                first_over(first.macs, report.total.macs),
            )
            for report in reports
        )
    )
