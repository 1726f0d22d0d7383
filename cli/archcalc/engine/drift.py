"""A spec against the model file it describes: the layers where they disagree on shape, parameters or MACs.

The drift gate of `archcalc check SPEC --against MODEL`. Layers are lined up by the diff machinery,
at the innermost level and without their names (a spec names its layers as its author likes); a pair
that agrees on output shape and figures is not drift, even when it is written differently (a conv's
`padding: same` against the file's explicit padding), nor is a layer on one side that changes nothing
(a dropout, which exporters leave out).
"""

from __future__ import annotations

from archcalc.engine.diff import LayerDiff, ReportDiff, diff_reports
from archcalc.engine.report import Report
from archcalc.model import NO_COST
from archcalc.values import value

INNERMOST = 1_000
"""Deeper than any spec nests: every composite gives way to the layers it holds."""


@value
class Drift:
    """The spec's report, the model's, their layers lined up, and the pairs that disagree."""

    difference: ReportDiff
    disagreements: tuple[LayerDiff, ...]

    @property
    def agrees(self) -> bool:
        spec, model = self.difference.base, self.difference.head
        return not self.disagreements and spec.total == model.total and spec.output_shape == model.output_shape


def drift(spec: Report, model: Report) -> Drift:
    difference = diff_reports(spec, model, INNERMOST, ignore_names=True, unroll=True)
    return Drift(difference, tuple(layer for layer in difference.layers if not _agrees(layer)))


def _agrees(layer: LayerDiff) -> bool:
    base, head = layer.base, layer.head
    if base is None or head is None:  # a layer on one side only is drift unless it changes nothing (dropout, exported away)
        alone = base or head
        assert alone is not None
        return alone.cost == NO_COST and alone.result.output_shape == alone.result.input_shape
    return base.result.output_shape == head.result.output_shape and base.cost == head.cost
