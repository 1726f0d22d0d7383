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
from archcalc.engine.report import Report, walk
from archcalc.errors import Origin
from archcalc.kinds.base import unnamed
from archcalc.model import Cost, LayerResult, Shape
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
    runs: tuple[int, int] | None = None  # a block run a different number of times: (in the spec, in the model)
    at: Origin | None = None  # where to point instead of the layer: the spec's `times:` for such a block


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
    disagreements = [Disagreement(layer, figures) for layer in difference.layers if (figures := _differing(layer))]
    return Drift(difference, _counted_once(disagreements, spec), _figures_apart(spec.total, model.total, spec.output_shape, model.output_shape))


def _counted_once(disagreements: list[Disagreement], spec: Report) -> tuple[Disagreement, ...]:
    """Layers that differ only in how many times their block runs (each figure in proportion to the
    runs) are one disagreement at the block's count (a repeat's `times:`), not one per inner layer."""
    blocks = {result.layer.position: result for result, _ in walk(spec.layers) if result.layer.COUNT_ARGUMENT}
    kept: list[Disagreement] = []
    pointed: set[str] = set()
    for disagreement in disagreements:
        base, head = disagreement.layer.base, disagreement.layer.head
        block = _enclosing(base.result.layer.position, blocks) if base is not None else None
        if base is None or head is None or block is None or not _only_the_runs_differ(base, head):
            kept.append(disagreement)
            continue
        if block.layer.position not in pointed:
            pointed.add(block.layer.position)
            count = block.layer.COUNT_ARGUMENT
            at = block.layer.argument_origin(count) if count else None
            kept.append(Disagreement(disagreement.layer, disagreement.figures, (base.occurrences, head.occurrences), at or block.layer.origin))
    return tuple(kept)


def _enclosing(position: str, blocks: dict[str, LayerResult]) -> LayerResult | None:
    """The innermost block run several times (a repeat) that holds the layer at `position`."""
    while "." in position:
        position = position.rpartition(".")[0]
        if position in blocks:
            return blocks[position]
    return None


def _only_the_runs_differ(base: ComparedLayer, head: ComparedLayer) -> bool:
    """The same layer and output, run a different number of times: its figures in proportion."""
    if base.occurrences == head.occurrences or base.result.output_shape != head.result.output_shape:
        return False
    return base.cost * head.occurrences == head.cost * base.occurrences and unnamed(base.result.layer) == unnamed(head.result.layer)


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
