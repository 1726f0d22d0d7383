"""One spec at many input sizes: how parameters and MACs grow with the side of the input, or with
the length of a sequence.

The spatial axes all take each size in turn; channels stay. Token ids (a flat input read by an
`embedding`) are a sequence whose length takes each size. A size too small for the network (a
kernel that no longer fits) or too large (a position table too short) is recorded with its error
rather than ending the sweep.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from archcalc.arithmetic import volume
from archcalc.engine import analyze
from archcalc.engine.report import Report, walk
from archcalc.errors import ArchcalcError, ShapeError, SizeLimit
from archcalc.model import LayerResult, Spec
from archcalc.values import replace, value

FASTER = 0.1
"""How much faster than its input a layer's MACs must grow (in the exponent) to be named: more than a
valid convolution's border effect between large sizes (0.02 from 128 to 224), less than attention's
N² term adds once the smaller length passes about a sixth of the width (for GPT-2, 119 tokens)."""


@value
class SweepPoint:
    """The spec at one input size: its report, or why that size does not fit."""

    size: int
    report: Report | None
    error: ArchcalcError | None = None

    @property
    def size_limit(self) -> SizeLimit | None:
        """Which way this size is wrong, where the layer that refused it says (a window larger than
        the input, a position table shorter than the sequence, figures counted for one size)."""
        return self.error.size_limit if isinstance(self.error, ShapeError) else None


@value
class FasterLayer:
    """A layer whose MACs grow faster than its input (attention's scores: N² for N tokens)."""

    result: LayerResult  # at the largest size that computed
    occurrences: int
    macs_exponent: float
    input_exponent: float


@value
class Sweep:
    """A spec at every size asked for, and how its figures grow: k in figure ∝ side^k at the largest
    sizes that computed (None when it cannot be measured), the layers whose parameters grow, and
    those whose MACs grow faster than their input. `axis` names what varies: `side` or `length`."""

    spec: Spec
    points: tuple[SweepPoint, ...]
    params_exponent: float | None
    macs_exponent: float | None
    growing_layers: tuple[LayerResult, ...]
    axis: str = "side"
    faster_layers: tuple[FasterLayer, ...] = ()

    @property
    def computed(self) -> tuple[int, ...]:
        """The sizes that computed, in the order asked."""
        return tuple(point.size for point in self.points if point.report is not None)

    @property
    def refused(self) -> tuple[SweepPoint, ...]:
        return tuple(point for point in self.points if point.error is not None)

    @property
    def suggested_sizes(self) -> tuple[int, ...] | None:
        """Three sizes to try when fewer than two computed, in the direction the refusals point:
        doubling from the size that computed (the network needs more), halving towards it (a
        position table is too short for more); None where only the size counted for can compute."""
        limits = {point.size_limit for point in self.refused}
        if SizeLimit.FIXED in limits:
            return None
        if SizeLimit.TOO_LARGE in limits and SizeLimit.TOO_SMALL not in limits:
            largest = self.computed[0] if self.computed else min(point.size for point in self.refused) // 2
            return tuple(size for size in (largest // 4, largest // 2, largest) if size >= 1) or None
        start = self.computed[0] if self.computed else 8
        return tuple(start * 2**step for step in range(3))

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


def faster_layers(points: Sequence[SweepPoint]) -> tuple[FasterLayer, ...]:
    """Layers at any depth, without layers inside, whose MACs grow faster than their input values
    between the two largest sizes that computed (a repeat unrolled differently at the two sizes
    cannot be matched layer by layer, and gives none)."""
    reports = [(point.size, point.report) for point in points if point.report is not None]
    if len(reports) < 2:
        return ()
    (small, before), (large, after) = reports[-2:]
    early, late = list(walk(before.layers)), list(walk(after.layers))
    if [result.layer for result, _ in early] != [result.layer for result, _ in late]:
        return ()
    found = []
    for (first, _), (last, occurrences) in zip(early, late, strict=True):
        if last.children:
            continue
        macs = growth_exponent([(small, first.cost.macs), (large, last.cost.macs)])
        values = growth_exponent([(small, volume(first.input_shape)), (large, volume(last.input_shape))])
        if macs is not None and values is not None and macs > values + FASTER:
            found.append(FasterLayer(last, occurrences, macs, values))
    return tuple(found)


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
    """The same spec with every spatial axis of its input set to `size` (token ids: `size` of them)."""
    if spec.reads_token_ids:
        return replace(spec, input_shape=(size,))
    *spatial, channels = spec.input_shape
    return replace(spec, input_shape=(*(size for _ in spatial), channels))


def varied_axis(spec: Spec) -> str:
    """What a sweep varies: a sequence's `length` (token ids, or one axis and channels), else an image's `side`."""
    return "length" if spec.reads_token_ids or len(spec.input_shape) == 2 else "side"


def sweep(spec: Spec, sizes: Sequence[int]) -> Sweep:
    """Raises ShapeError for a checkpoint, which holds no shapes, and for a flat input of features,
    which has no side to vary."""
    if spec.checkpoint is not None:
        hint = "its config.json has them (archcalc sweep config.json)"
        raise ShapeError("a checkpoint holds no shapes, so how its figures grow with its input cannot be counted", spec.origin, None, hint)
    if len(spec.input_shape) < 2 and not spec.reads_token_ids:
        raise ShapeError(
            f"{spec.name} has the flat input {list(spec.input_shape)}: there is no side to vary",
            spec.origin,
            hint="write the input as an image, e.g. chain: 4x4x1->8->2, or read token ids with an embedding",
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
        varied_axis(spec),
        faster_layers(points),
    )
