"""One spec at many input sizes: how parameters and MACs grow with the side of the input.

The spatial axes all take each size in turn; channels stay. A size too small for the network (a
kernel that no longer fits) is recorded with its error rather than ending the sweep.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from archcalc.engine import analyze
from archcalc.engine.report import Report
from archcalc.errors import ArchcalcError, ShapeError
from archcalc.model import LayerResult, Spec
from archcalc.values import replace, value


@value
class SweepPoint:
    """The spec at one input size: its report, or why that size does not fit."""

    size: int
    report: Report | None
    error: ArchcalcError | None = None


@value
class Sweep:
    """A spec at every size asked for, and how its figures grow: k in figure ∝ side^k at the largest
    sizes that computed (None when it cannot be measured), and the layers whose parameters grow."""

    spec: Spec
    points: tuple[SweepPoint, ...]
    params_exponent: float | None
    macs_exponent: float | None
    growing_layers: tuple[LayerResult, ...]

    def values(self, figure: str) -> tuple[tuple[int, int], ...]:
        """(size, figure) for every size that computed; `figure` is a Cost field: params, macs..."""
        return points_of(self.points, figure)


def points_of(points: Sequence[SweepPoint], figure: str) -> tuple[tuple[int, int], ...]:
    return tuple((point.size, int(getattr(point.report.total, figure))) for point in points if point.report is not None)


def growing_layers(points: Sequence[SweepPoint]) -> tuple[LayerResult, ...]:
    """Top-level layers whose parameters differ between the smallest and the largest size that computed."""
    computed = [point.report for point in points if point.report is not None]
    if len(computed) < 2:
        return ()
    first, last = computed[0], computed[-1]
    return tuple(late for early, late in zip(first.layers, last.layers, strict=True) if early.cost.params != late.cost.params)


def growth_exponent(pairs: Sequence[tuple[int, int]]) -> float | None:
    """k in value ∝ size^k at scale: the log-log slope between the two largest sizes, where
    constant terms (biases, a classifier of fixed size) weigh least. 0 for a constant; None when it
    cannot be measured (fewer than two sizes, or a zero figure, whose logarithm does not exist)."""
    ordered = sorted(pairs)
    if len({size for size, _ in ordered}) < 2 or any(value <= 0 for _, value in ordered):
        return None
    (small_size, small_value), (large_size, large_value) = ordered[-2], ordered[-1]
    if small_value == large_value:
        return 0.0
    return (math.log(large_value) - math.log(small_value)) / (math.log(large_size) - math.log(small_size))  # no overflow: logs of ints


def resized(spec: Spec, size: int) -> Spec:
    """The same spec with every spatial axis of its input set to `size`."""
    *spatial, channels = spec.input_shape
    return replace(spec, input_shape=(*(size for _ in spatial), channels))


def sweep(spec: Spec, sizes: Sequence[int]) -> Sweep:
    """Raises ShapeError for a flat input, which has no side to vary."""
    if len(spec.input_shape) < 2:
        raise ShapeError(
            f"{spec.name} has the flat input {list(spec.input_shape)}: there is no side to vary",
            spec.origin,
            hint="write the input as an image, e.g. chain: 4x4x1->8->2",
        )
    points = []
    for size in sizes:
        try:
            points.append(SweepPoint(size, analyze(resized(spec, size))))
        except ShapeError as error:
            points.append(SweepPoint(size, None, error))
    return Sweep(
        spec,
        tuple(points),
        growth_exponent(points_of(points, "params")),
        growth_exponent(points_of(points, "macs")),
        growing_layers(points),
    )
