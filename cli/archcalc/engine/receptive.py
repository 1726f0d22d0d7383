"""Receptive field and effective stride of every layer, per spatial axis.

Through a window of span e = d·(k−1) + 1 and stride s, the field grows by (e − 1) · jump and the jump
(the input distance between neighbouring outputs) multiplies by s. A flatten, a global pool, a
squeeze-excite scale or an adaptive pool to one position see the whole input. Other adaptive pools
have uneven windows, so their field is an estimate from the widest window, marked approximate.
"""

from __future__ import annotations

from archcalc.engine.arithmetic import ceil_div, window_span
from archcalc.engine.report import LayerResult, Report
from archcalc.spec.model import (
    AdaptivePool,
    Block,
    Concat,
    Conv,
    Depthwise,
    Flatten,
    GlobalPool,
    PerAxis,
    Pool,
    Repeat,
    Residual,
    SqueezeExcite,
    per_spatial_axis,
)
from archcalc.values import value

MAX_GROWING_ITERATIONS = 64
"""Past this many strided iterations the jump exceeds 2^64: the field is the whole input."""


@value
class Field:
    """`size` None: the whole input. `jump`: effective stride, in input positions."""

    size: tuple[int, ...] | None
    jump: tuple[int, ...]
    approximate: bool = False

    def widened(self, span: PerAxis, stride: PerAxis, approximate: bool = False) -> Field:
        """After a window of `span` positions moving by `stride` (both per axis)."""
        if self.size is None:
            return Field(None, tuple(j * s for j, s in zip(self.jump, stride, strict=True)), self.approximate or approximate)
        size = tuple(f + (e - 1) * j for f, e, j in zip(self.size, span, self.jump, strict=True))
        jump = tuple(j * s for j, s in zip(self.jump, stride, strict=True))
        return Field(size, jump, self.approximate or approximate)

    def whole(self) -> Field:
        return Field(None, self.jump, self.approximate)


Fields = dict[int, Field]
"""The field after each layer result, keyed by the result's id (results are not hashable by value:
two identical layers at different depths are different rows)."""


def receptive_fields(report: Report) -> Fields:
    """The field after every result at every depth; empty for a flat input (no positions)."""
    rank = len(report.input_shape) - 1
    fields: Fields = {}
    if rank >= 1:
        _sequence(report.layers, Field((1,) * rank, (1,) * rank), fields)
    return fields


def _sequence(results: tuple[LayerResult, ...], field: Field, fields: Fields) -> Field:
    for result in results:
        field = _apply(result, field, fields)
    return field


def _apply(result: LayerResult, field: Field, fields: Fields) -> Field:
    """The field after one occurrence of `result`, recorded (with its children's) in `fields`."""
    layer = result.layer
    rank = len(field.jump)
    match layer:
        case Conv() | Depthwise():
            span = tuple(window_span(k, d) for k, d in zip(per_spatial_axis(layer.kernel, rank), per_spatial_axis(layer.dilation, rank), strict=True))
            after = field.widened(span, per_spatial_axis(layer.stride, rank))
        case Pool():
            kernel = per_spatial_axis(layer.kernel, rank)
            after = field.widened(kernel, per_spatial_axis(layer.stride, rank) if layer.stride else kernel)
        case Flatten() | GlobalPool() | SqueezeExcite():
            after = field.whole()
        case AdaptivePool():
            inputs, outputs = result.input_shape[:-1], result.output_shape[:-1]
            if all(size == 1 for size in outputs):
                after = field.whole()
            else:  # PyTorch's windows: [⌊i·n/o⌋, ⌈(i+1)·n/o⌉); the widest, and the average step
                widest = tuple(max(ceil_div((i + 1) * n, o) - (i * n) // o for i in range(min(o, 4096))) for n, o in zip(inputs, outputs, strict=True))
                steps = tuple(max(n // o, 1) for n, o in zip(inputs, outputs, strict=True))
                after = field.widened(widest, steps, approximate=inputs != outputs)
        case Residual():  # children: the main path's results, then the shortcut's
            split = len(layer.layers)
            after = _widest(_sequence(result.children[:split], field, fields), _sequence(result.children[split:], field, fields))
        case Concat():
            after = field
            remaining = list(result.children)
            for branch in layer.branches:
                taken, remaining = tuple(remaining[: len(branch)]), remaining[len(branch) :]
                after = _widest(after, _sequence(taken, field, fields))
        case Block():
            after = _sequence(result.children, field, fields)
        case Repeat():
            after = _repeat(result, field, fields)
        case _:  # dense (on channels), norms, activations, dropout: each position on its own
            after = field
    fields[id(result)] = after
    return after


def _widest(first: Field, second: Field) -> Field:
    """Where two paths meet, an output sees what either path saw."""
    jump = tuple(max(a, b) for a, b in zip(first.jump, second.jump, strict=True))
    approximate = first.approximate or second.approximate
    if first.size is None or second.size is None:
        return Field(None, jump, approximate)
    return Field(tuple(max(a, b) for a, b in zip(first.size, second.size, strict=True)), jump, approximate)


def _repeat(result: LayerResult, field: Field, fields: Fields) -> Field:
    """The unrolled iterations in order; then the settled block (children with times > 1), whose
    field after n more passes is computed in closed form when it does not stride."""
    settled = tuple(child for child in result.children if child.times > 1)
    unrolled = tuple(child for child in result.children if child.times == 1)
    field = _sequence(unrolled, field, fields)
    if not settled:
        return field
    passes = settled[0].times
    if field.size is None:
        return _sequence(settled, field, fields)
    scratch: Fields = {}
    unit = (1,) * len(field.jump)
    once = _sequence(settled, Field(unit, unit), scratch)  # one pass from a single position
    if once.size is None:
        return _sequence(settled, field.whole(), fields)
    growth = tuple(size - 1 for size in once.size)  # per pass, in units of the jump before the pass
    if all(step == 1 for step in once.jump):
        before_last = Field(tuple(f + (passes - 1) * g * j for f, g, j in zip(field.size, growth, field.jump, strict=True)), field.jump, field.approximate)
        return _sequence(settled, before_last, fields)
    if passes - 1 > MAX_GROWING_ITERATIONS:
        return _sequence(settled, field.whole(), fields)
    for _ in range(passes - 1):
        field = _sequence(settled, field, scratch)
    return _sequence(settled, field, fields)
