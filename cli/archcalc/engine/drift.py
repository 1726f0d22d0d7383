"""A spec against the model file it describes: the layers where they disagree, and in which figures.

The drift gate of `archcalc check SPEC --against MODEL`. Layers are lined up by the diff machinery,
at the innermost level and without their names (a spec names its layers as its author likes); a pair
that agrees on output shape and figures is not drift, even when it is written differently (a conv's
`padding: same` against the file's explicit padding), nor is a layer on one side that changes nothing
(a dropout, which exporters leave out). Each disagreement says which figures differ, so that a report
shows exactly those: a pair whose parameters split differently between weights and biases differs in
weights and biases, not in parameters.
"""

from __future__ import annotations

import enum

from archcalc.engine.diff import ComparedLayer, LayerDiff, ReportDiff, diff_reports
from archcalc.engine.report import Report
from archcalc.model import Cost, Shape
from archcalc.values import value

INNERMOST = 1_000
"""Deeper than any spec nests: every composite gives way to the layers it holds."""


class Figure(enum.Enum):
    """A figure the drift gate compares, in the order a report lists them."""

    WEIGHTS = "weights"
    BIASES = "biases"
    NON_TRAINABLE = "non_trainable"
    MACS = "macs"
    OUTPUT_SHAPE = "output_shape"


COUNTED = (Figure.WEIGHTS, Figure.BIASES, Figure.NON_TRAINABLE, Figure.MACS)
"""The figures that are counts, each a field of Cost."""


@value
class Disagreement:
    """Layers lined up that disagree (or a layer on one side only), and the figures that differ: for a
    layer on one side, those it has at all (a cost, an output shape other than its input's)."""

    layer: LayerDiff
    figures: tuple[Figure, ...]


@value
class Drift:
    """The spec's report, the model's, their layers lined up, the pairs that disagree, and the figures
    in which the two totals (and output shapes) differ."""

    difference: ReportDiff
    disagreements: tuple[Disagreement, ...]
    totals: tuple[Figure, ...]
    notes: tuple[str, ...] = ()  # how they were compared, and what was left out (against a checkpoint: engine/named_drift.py)

    @property
    def agrees(self) -> bool:
        return not self.disagreements and not self.totals


def drift(spec: Report, model: Report) -> Drift:
    difference = diff_reports(spec, model, INNERMOST, ignore_names=True, unroll=True)
    disagreements = tuple(Disagreement(layer, figures) for layer in difference.layers if (figures := _differing(layer)))
    return Drift(difference, disagreements, _figures_apart(spec.total, model.total, spec.output_shape, model.output_shape))


def _differing(layer: LayerDiff) -> tuple[Figure, ...]:
    base, head = layer.base, layer.head
    if base is None or head is None:  # a layer on one side only is drift unless it changes nothing (dropout, exported away)
        alone = base or head
        assert alone is not None
        return _figures_held(alone)
    return _figures_apart(base.cost, head.cost, base.result.output_shape, head.result.output_shape)


def _figures_apart(here: Cost, there: Cost, here_shape: Shape, there_shape: Shape) -> tuple[Figure, ...]:
    apart = [figure for figure in COUNTED if getattr(here, figure.value) != getattr(there, figure.value)]
    return (*apart, Figure.OUTPUT_SHAPE) if here_shape != there_shape else tuple(apart)


def _figures_held(alone: ComparedLayer) -> tuple[Figure, ...]:
    held = [figure for figure in COUNTED if getattr(alone.cost, figure.value)]
    return (*held, Figure.OUTPUT_SHAPE) if alone.result.output_shape != alone.result.input_shape else tuple(held)
