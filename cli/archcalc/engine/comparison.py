"""Several specs against the first: each figure against the first spec's, worked out once for every renderer."""

from __future__ import annotations

from collections.abc import Sequence

from archcalc.engine.relative import Relative
from archcalc.engine.report import Report
from archcalc.values import value


@value
class ComparedSpec:
    """One spec, and its params, weights and MACs each against the first spec's."""

    report: Report
    params: Relative
    weights: Relative
    macs: Relative


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
                Relative(first.params, report.total.params),
                Relative(first.weights, report.total.weights),
                Relative(first.macs, report.total.macs),
            )
            for report in reports
        )
    )
