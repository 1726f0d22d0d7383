"""Layers that widen the spatial axes: `conv_transpose`, `upsample` and `pixel_shuffle`.

Neighbouring outputs of these layers are a fraction of an input position apart, so past them a
receptive field's jump is a fraction (½ after a doubling). Outputs that fall between the same two
inputs then see spans that differ by where they fall, so from an upsampling on the field is an
estimate, marked approximate.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from archcalc.arithmetic import volume, window_span
from archcalc.backward import Kept, Needs, ParameterTensor, keeps_input, weight_and_bias
from archcalc.errors import Origin
from archcalc.kinds.arguments import Argument, ArgumentProblem, Reading
from archcalc.kinds.base import bracketed, per_axis, per_spatial_axis, spatial_axes
from archcalc.kinds.window import axes_text, check_groups, compact, per_axis_text
from archcalc.model import NO_COST, Cost, Layer, LayerResult, PerAxis, ReceptiveField, Shape
from archcalc.text import shape as shape_text
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext, FieldContext


def transposed_length(length: int, kernel: int, stride: int, padding: int, output_padding: int, dilation: int) -> int:
    """PyTorch's output length of a transposed convolution: (n − 1)·s − 2p + d·(k − 1) + output_padding + 1."""
    return (length - 1) * stride - 2 * padding + window_span(kernel, dilation) + output_padding


def output_padding_fits(output_padding: int, stride: int, dilation: int) -> bool:
    """PyTorch's rule: "output padding must be smaller than either stride or dilation" (and not negative)."""
    return 0 <= output_padding < max(stride, dilation)


def inputs_reached(kernel: int, stride: int, dilation: int) -> int:
    """How many input steps apart the farthest two inputs that reach one output of a transposed
    convolution are. Output o takes input i through tap t when o + p = i·s + t·d; the taps that
    reach one output are those with t·d ≡ o + p (mod s): every s/g-th tap, g = gcd(d, s), so at most
    ⌈k / (s/g)⌉ of them, d/g input steps apart."""
    common = math.gcd(dilation, stride)
    taps = -(-kernel // (stride // common))
    return (taps - 1) * (dilation // common)


@value(kw_only=True)
class ConvTranspose(Layer):
    """A transposed convolution (torch.nn.ConvTranspose1d/2d/3d), the rank taken from the input:
    every input position multiplies every weight of its group, and the products land on a window of
    the output, the windows `stride` apart. It is the gradient of a convolution, used to upsample."""

    filters: int
    kernel: PerAxis
    stride: PerAxis = (1,)
    padding: PerAxis = (0,)
    output_padding: PerAxis = (0,)
    dilation: PerAxis = (1,)
    groups: int = 1
    bias: bool = True
    spatial_rank: int | None = None  # set by conv_transpose1d/2d/3d

    NAMES = {
        "conv_transpose": "conv_transpose",
        "conv_transpose1d": "conv_transpose",
        "conv_transpose2d": "conv_transpose",
        "conv_transpose3d": "conv_transpose",
    }
    EXAMPLE = ("4x4x8", "conv_transpose: {filters: 4, kernel: 4, stride: 2, padding: 1}")
    ARGUMENTS = (
        Argument("filters", Reading.COUNT, "output channels"),
        Argument("kernel", Reading.PER_AXIS, "window size"),
        Argument("stride", Reading.PER_AXIS, "step between the windows on the output: the upsampling factor"),
        Argument("padding", Reading.PER_AXIS, "positions cut from each side of the output, d·(k−1)/2 undoes a conv's", minimum=0),
        Argument("output_padding", Reading.PER_AXIS, "positions added on one side of the output (less than the stride or the dilation)", minimum=0),
        Argument("dilation", Reading.PER_AXIS, "spacing between the window's taps"),
        Argument("groups", Reading.COUNT, "split channels into groups that do not see each other"),
        Argument("bias", Reading.FLAG, "add a learned bias per filter"),
    )
    PARAMETERS = "C·k·(filters/groups) + filters"
    MACS = "input positions · C · k · (filters/groups): each input meets every weight of its group"
    QUANTIZED = True
    KEEPS = "its input (for the weights' gradient)"

    @classmethod
    def build(cls, written: str, arguments: dict[str, Any], origin: Origin, position: str, name: str | None) -> Layer:
        rank = None if written == "conv_transpose" else int(written[-2])
        return cls(origin=origin, position=position, name=name, spatial_rank=rank, **arguments)

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        spatial = spatial_axes(self, shape)
        rank, channels = len(spatial), shape[-1]
        if self.spatial_rank is not None and self.spatial_rank != rank:
            raise self.error(
                f"conv_transpose{self.spatial_rank}d needs an input with {self.spatial_rank} spatial axes and channels last, got {bracketed(shape)}"
            )
        check_groups(self, channels, self.filters, self.groups)
        kernel, stride, dilation = (
            per_axis(self, key, values, rank) for key, values in (("kernel", self.kernel), ("stride", self.stride), ("dilation", self.dilation))
        )
        padding = per_axis(self, "padding", self.padding, rank)
        output_padding = per_axis(self, "output_padding", self.output_padding, rank)
        output = []
        for axis, (length, k, s, p, extra, d) in enumerate(zip(spatial, kernel, stride, padding, output_padding, dilation, strict=True), start=1):
            if not output_padding_fits(extra, s, d):
                raise self.error(
                    f"output_padding {extra} on spatial axis {axis} must be smaller than the stride ({s}) or the dilation ({d}); PyTorch refuses it"
                )
            count = transposed_length(length, k, s, p, extra, d)
            if count < 1:
                raise self.error(
                    f"the output length ({length}−1)·{s} − 2·{p} + {d}·({k}−1) + {extra} + 1 = {count} on spatial axis {axis} is not positive: "
                    "the padding cuts more than the layer makes"
                )
            output.append(count)
        weights = channels * volume(kernel) * (self.filters // self.groups)
        cost = Cost(weights=weights, biases=self.filters if self.bias else 0, macs=volume(spatial) * weights)
        return LayerResult(self, shape, (*output, self.filters), cost)

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        return keeps_input(volume(result.input_shape)) if needs.trains else ()

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        kernel = per_spatial_axis(self.kernel, len(result.input_shape) - 1)
        return weight_and_bias((result.input_shape[-1], self.filters // self.groups, *kernel), self.filters if self.bias else 0)

    def receptive_field(self, result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        """An output sees the inputs its taps reach (`inputs_reached`), and neighbouring outputs are
        1/s of an input position apart."""
        from fractions import Fraction  # lazy: only when receptive fields are asked: it costs 20 ms of a start

        rank = len(field.jump)
        kernel, stride, dilation = (per_spatial_axis(values, rank) for values in (self.kernel, self.stride, self.dilation))
        span = tuple(inputs_reached(k, s, d) + 1 for k, s, d in zip(kernel, stride, dilation, strict=True))
        return field.widened(span, tuple(Fraction(1, s) for s in stride), approximate=any(s > 1 for s in stride))

    def label(self, result: LayerResult) -> str:
        rank = max(len(result.input_shape) - 1, 1)
        text = f"conv_transpose {axes_text(self.kernel, rank)}, {self.filters:,} filter{'s' if self.filters != 1 else ''}"
        for key, values, default in (
            ("stride", self.stride, 1),
            ("pad", self.padding, 0),
            ("output padding", self.output_padding, 0),
            ("dilation", self.dilation, 1),
        ):
            if set(per_spatial_axis(values, rank)) != {default}:
                text += f", {key} {compact(values, rank)}"
        return text + (f", groups {self.groups}" if self.groups > 1 else "") + ("" if self.bias else ", no bias")

    def explain(self, result: LayerResult) -> list[str]:
        cost = result.cost
        spatial = result.input_shape[:-1]
        rank, channels = len(spatial), result.input_shape[-1]
        kernel, stride, padding, extra, dilation = (
            per_spatial_axis(values, rank) for values in (self.kernel, self.stride, self.padding, self.output_padding, self.dilation)
        )
        formulas = [
            f"({n}−1)·{s} − 2·{p} + {d}·({k}−1) + {e} + 1 = {out}"
            for n, k, s, p, e, d, out in zip(spatial, kernel, stride, padding, extra, dilation, result.output_shape[:-1], strict=True)
        ]
        lengths = per_axis_text(formulas)
        per_group = self.filters // self.groups
        params = f"{channels:,}×{shape_text(kernel)}×{per_group:,} = {cost.weights:,} weights"
        if cost.biases:
            params += f" + {cost.biases:,} biases = {cost.params:,}"
        if self.groups > 1:
            params += f" ({self.groups:,} groups of {per_group:,} filters)"
        macs = f"{shape_text(spatial)} input positions × {cost.weights:,} weights = {cost.macs:,} MACs (each input position meets every weight of its group)"
        return [lengths, params, macs]


UPSAMPLE_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear")

MODE_RANK = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
"""The spatial axes each interpolating mode works on, as PyTorch's `interpolate` has it."""

MODE_TAPS = {"nearest": 1, "linear": 2, "bilinear": 2, "bicubic": 4, "trilinear": 2}
"""Input positions one output reads along each axis when the length changes."""


@value(kw_only=True)
class Upsample(Layer):
    """Resizing the spatial axes by interpolation (torch.nn.Upsample, F.interpolate): by an integer
    `scale`, to a `size`, or to the spatial size of the earlier layer named in `like`."""

    scale: PerAxis | None = None
    size: PerAxis | None = None
    like: str | None = None
    mode: str = "nearest"

    NAMES = {"upsample": "upsample"}
    EXAMPLE = ("4x4x8", "upsample: {scale: 2, mode: bilinear}")
    ARGUMENTS = (
        Argument("scale", Reading.PER_AXIS, "multiply each spatial length by this"),
        Argument("size", Reading.PER_AXIS, "the output's spatial lengths"),
        Argument("like", Reading.LAYER_NAME, "the earlier layer (its `name:`) whose spatial size to take"),
        Argument("mode", Reading.CHOICE, "how values are interpolated: nearest, or linear/bilinear/trilinear/bicubic on 1/2/3/2 axes", choices=UPSAMPLE_MODES),
    )
    MAIN = "scale"
    PARAMETERS = "no parameters"
    MACS = "0 (interpolation has no weights)"
    KEEPS = "nothing (its gradient needs only the sizes)"

    def check(self) -> None:
        given = [key for key, written in (("scale", self.scale), ("size", self.size), ("like", self.like)) if written is not None]
        if len(given) != 1:
            problem = "upsample needs one of 'scale', 'size' or 'like'" if not given else f"give one of 'scale', 'size' or 'like', not {' and '.join(given)}"
            raise ArgumentProblem(given[-1] if given else "scale", problem)

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        spatial = spatial_axes(self, shape)
        rank = len(spatial)
        needed = MODE_RANK.get(self.mode)
        if needed is not None and needed != rank:
            modes = {1: "linear", 2: "bilinear or bicubic", 3: "trilinear"}.get(rank, "nearest")
            raise self.error(f"mode '{self.mode}' works on {needed} spatial axes, and the input {bracketed(shape)} has {rank}", f"use {modes}, or nearest")
        if self.scale is not None:
            output = tuple(length * factor for length, factor in zip(spatial, per_axis(self, "scale", self.scale, rank), strict=True))
        elif self.size is not None:
            output = per_axis(self, "size", self.size, rank)
        else:
            model = context.named(str(self.like), self).output_shape
            if len(model) != len(shape):
                raise self.error(f"'{self.like}' is {bracketed(model)}, whose spatial axes are not those of the input {bracketed(shape)}")
            output = model[:-1]
        return LayerResult(self, shape, (*output, shape[-1]), NO_COST)

    def receptive_field(self, result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        """Each output reads MODE_TAPS neighbouring inputs along an axis whose length changes (one where
        it does not), and neighbouring outputs are n_in / n_out input positions apart."""
        from fractions import Fraction  # lazy: only when receptive fields are asked: it costs 20 ms of a start

        pairs = tuple(zip(result.input_shape[:-1], result.output_shape[:-1], strict=True))
        span = tuple(MODE_TAPS[self.mode] if before != after else 1 for before, after in pairs)
        return field.widened(span, tuple(Fraction(before, after) for before, after in pairs), approximate=any(before != after for before, after in pairs))

    def label(self, result: LayerResult) -> str:
        rank = max(len(result.input_shape) - 1, 1)
        if self.scale is not None:
            how = f"×{compact(self.scale, rank)}"
        elif self.size is not None:
            how = f"to {axes_text(self.size, rank)}"
        else:
            how = f"like {self.like}"
        return f"upsample {how}, {self.mode}"

    def explain(self, result: LayerResult) -> list[str]:
        return [f"{shape_text(result.input_shape[:-1])} → {shape_text(result.output_shape[:-1])} by {self.mode} interpolation", "no weights, no MACs"]


@value(kw_only=True)
class PixelShuffle(Layer):
    """Channels into space (torch.nn.PixelShuffle): H×W×(C·r²) becomes (H·r)×(W·r)×C, each group of
    r² channels laid out as an r×r patch. Sub-pixel convolution's upsampling step; nothing to learn."""

    factor: int

    NAMES = {"pixel_shuffle": "pixel_shuffle"}
    EXAMPLE = ("4x4x8", "pixel_shuffle: 2")
    ARGUMENTS = (Argument("factor", Reading.COUNT, "the upscale factor r: r² channels become an r×r patch"),)
    MAIN = "factor"
    PARAMETERS = "no parameters"
    MACS = "0"
    KEEPS = "nothing (a rearrangement)"

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        spatial = spatial_axes(self, shape)
        if len(spatial) != 2:
            raise self.error(f"pixel_shuffle works on 2 spatial axes (H×W×C), as torch.nn.PixelShuffle; the input {bracketed(shape)} has {len(spatial)}")
        square = self.factor**2
        if shape[-1] % square:
            raise self.error(f"the {shape[-1]} channels do not divide into groups of {self.factor}² = {square}")
        return LayerResult(self, shape, (*(length * self.factor for length in spatial), shape[-1] // square), NO_COST)

    def receptive_field(self, result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        from fractions import Fraction  # lazy: only when receptive fields are asked: it costs 20 ms of a start

        return field.widened((1, 1), (Fraction(1, self.factor),) * 2, approximate=self.factor > 1)

    def label(self, result: LayerResult) -> str:
        return f"pixel_shuffle ×{self.factor}"

    def explain(self, result: LayerResult) -> list[str]:
        before, after = result.input_shape, result.output_shape
        return [
            f"{shape_text(before)} → {shape_text(after)}: {self.factor}² = {self.factor**2} channels per {self.factor}×{self.factor} patch",
            "no weights, no MACs",
        ]
