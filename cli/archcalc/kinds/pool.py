"""Pooling: windowed (`maxpool`, `avgpool`), global, and adaptive. No parameters, no MACs."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from archcalc.arithmetic import ceil_div, volume
from archcalc.backward import Kept, Needs, Stored, Which, keeps_input
from archcalc.errors import Origin
from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import SeesWhole, per_axis, spatial_axes
from archcalc.kinds.window import axes_text, kept_input_of_window, output_lengths, widened, window_extras, windows
from archcalc.model import NO_COST, Layer, LayerResult, Padding, PerAxis, ReceptiveField, Shape
from archcalc.text import shape as shape_text
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext, FieldContext


class PoolMode(enum.Enum):
    MAX = "max"
    AVG = "avg"


def mode_of(written: str) -> PoolMode:
    """`maxpool`, `global_maxpool`, `adaptive_maxpool` -> MAX; the `avg` names -> AVG."""
    return PoolMode.MAX if "max" in written else PoolMode.AVG


@value(kw_only=True)
class Pooling(Layer):
    """What the pooling kinds share: a max or an average, set by the name a layer is written with
    (each kind has a `max` name and an `avg` one), and reported by that name."""

    mode: PoolMode

    @classmethod
    def build(cls, written: str, arguments: dict[str, Any], origin: Origin, position: str, name: str | None) -> Layer:
        return cls(origin=origin, position=position, name=name, mode=mode_of(written), **arguments)

    @property
    def kind(self) -> str:
        return next(written for written in type(self).NAMES if mode_of(written) is self.mode)

    def with_indices(self, result: LayerResult, kept: tuple[Kept, ...]) -> tuple[Kept, ...]:
        """A max keeps where each maximum was, as int64 indices the size of its output."""
        return (*kept, Kept(Which.OWN, volume(result.output_shape), Stored.INT64)) if self.mode is PoolMode.MAX else kept


@value(kw_only=True)
class Pool(Pooling):
    """Max or average pooling over windows (torch.nn.MaxPool*d / AvgPool*d)."""

    kernel: PerAxis
    stride: PerAxis | None = None  # None: the kernel, as in PyTorch
    padding: Padding = (0,)
    ceil_mode: bool = False

    NAMES = {"maxpool": "maxpool", "avgpool": "avgpool"}
    EXAMPLE = ("8x8x4", "maxpool: {kernel: 3, stride: 2, padding: 1}")
    ARGUMENTS = (
        Argument("kernel", Reading.PER_AXIS, "window size"),
        Argument("stride", Reading.PER_AXIS, "step between windows (default: the kernel)"),
        Argument("padding", Reading.PADDING, "added on each side, at most half the kernel", minimum=0),
        Argument("ceil_mode", Reading.FLAG, "round the output length up, as PyTorch's ceil_mode"),
    )
    MAIN = "kernel"
    PARAMETERS = "no parameters"
    MACS = "0 (not multiply-accumulates with weights)"
    KEEPS = "its input (with padding 'same', its padded input); a max also its int64 indices"

    @property
    def window_stride(self) -> PerAxis:
        return self.stride if self.stride is not None else self.kernel

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        spatial = spatial_axes(self, shape)
        kernel = per_axis(self, "kernel", self.kernel, len(spatial))
        if isinstance(self.padding, tuple):
            for axis, (size, pad) in enumerate(zip(kernel, per_axis(self, "padding", self.padding, len(spatial)), strict=True), start=1):
                if 2 * pad > size:  # PyTorch refuses this: "pad should be at most half of kernel size"
                    raise self.error(f"padding {pad} is more than half the kernel {size} on axis {axis}; PyTorch refuses it")
        if self.mode is PoolMode.AVG and len(spatial) == 3:
            for axis, (length, size) in enumerate(zip(spatial, kernel, strict=True), start=1):
                if length < size:  # PyTorch's avg_pool3d alone checks the unpadded input (pool3d_shape_check)
                    raise self.error(f"a 3-D average pool needs each input axis at least as long as the kernel; axis {axis} is {length}, the kernel {size}")
        stride = self.stride if self.stride is not None else kernel
        output = windows(self, spatial, kernel, stride, self.padding, (1,), self.ceil_mode)
        return LayerResult(self, shape, (*output, shape[-1]), NO_COST)

    def receptive_field(self, result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        return widened(field, self.kernel, self.window_stride, (1,))

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        return self.with_indices(result, kept_input_of_window(self.padding, self.kernel, self.window_stride, (1,), result.input_shape))

    def label(self, result: LayerResult) -> str:
        rank = max(len(result.input_shape) - 1, 1)
        text = f"{self.kind} {axes_text(self.kernel, rank)}" + window_extras(self.window_stride, self.padding, (1,), rank, default_stride=self.kernel)
        return text + (", ceil" if self.ceil_mode else "")

    def explain(self, result: LayerResult) -> list[str]:
        return [
            output_lengths(result, self.kernel, self.window_stride, self.padding, (1,), self.ceil_mode),
            "no weights: a pool takes the max or mean of each window",
        ]


@value(kw_only=True)
class GlobalPool(Pooling, SeesWhole):
    """Max or average over every spatial position: one value per channel, output [C]."""

    NAMES = {"global_maxpool": "global_maxpool", "global_avgpool": "global_avgpool"}
    EXAMPLE = ("7x7x8", "global_avgpool")
    PARAMETERS = "no parameters; output [C]"
    MACS = "0"
    KEEPS = "an average nothing (it is a mean); a max its input and int64 indices"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        return self.with_indices(result, keeps_input(volume(result.input_shape))) if self.mode is PoolMode.MAX else ()

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        spatial_axes(self, shape)
        return LayerResult(self, shape, (shape[-1],), NO_COST)

    def label(self, result: LayerResult) -> str:
        return self.kind

    def explain(self, result: LayerResult) -> list[str]:
        return [f"{shape_text(result.input_shape[:-1])} positions → 1 value per channel: {result.output_shape[-1]:,}", "no weights"]


@value(kw_only=True)
class AdaptivePool(Pooling):
    """Pooling to a fixed output size (torch.nn.AdaptiveMaxPool*d / AdaptiveAvgPool*d)."""

    output: PerAxis

    NAMES = {"adaptive_maxpool": "adaptive_maxpool", "adaptive_avgpool": "adaptive_avgpool"}
    EXAMPLE = ("13x13x8", "adaptive_avgpool: 6")
    ARGUMENTS = (Argument("output", Reading.PER_AXIS, "output size per spatial axis"),)
    MAIN = "output"
    PARAMETERS = "no parameters"
    MACS = "0"
    KEEPS = "its input (an average to one position: nothing, it is a mean); a max also int64 indices"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        if self.mode is PoolMode.AVG and all(size == 1 for size in result.output_shape[:-1]):
            return ()
        return self.with_indices(result, keeps_input(volume(result.input_shape)))

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        output = per_axis(self, "output", self.output, len(spatial_axes(self, shape)))
        return LayerResult(self, shape, (*output, shape[-1]), NO_COST)

    def receptive_field(self, result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        """To one position: the whole input. Otherwise PyTorch's windows [⌊i·n/o⌋, ⌈(i+1)·n/o⌉) are
        uneven, so the field is estimated from the widest window and the average step."""
        inputs, outputs = result.input_shape[:-1], result.output_shape[:-1]
        if all(size == 1 for size in outputs):
            return field.whole()
        widest = tuple(max(ceil_div((i + 1) * n, o) - (i * n) // o for i in range(min(o, 4096))) for n, o in zip(inputs, outputs, strict=True))
        steps = tuple(max(n // o, 1) for n, o in zip(inputs, outputs, strict=True))
        return field.widened(widest, steps, approximate=inputs != outputs)

    def label(self, result: LayerResult) -> str:
        return f"{self.kind} → {axes_text(self.output, max(len(result.input_shape) - 1, 1))}"

    def explain(self, result: LayerResult) -> list[str]:
        return [f"{shape_text(result.input_shape[:-1])} → {shape_text(result.output_shape[:-1])} windows sized to fit", "no weights"]
