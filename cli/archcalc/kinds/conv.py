"""Convolutions: `conv` (1-D, 2-D or 3-D by the input's rank) and `depthwise`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archcalc.arithmetic import volume
from archcalc.backward import Kept, Needs, ParameterTensor, weight_and_bias
from archcalc.errors import Origin
from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import bracketed, per_axis, per_spatial_axis, spatial_axes
from archcalc.kinds.window import axes_text, check_groups, kept_input_of_window, output_lengths, widened, window_extras, windows
from archcalc.model import Cost, Layer, LayerResult, Padding, PerAxis, ReceptiveField, Shape
from archcalc.text import shape as shape_text
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext, FieldContext

WINDOW_ARGUMENTS = (
    Argument("kernel", Reading.PER_AXIS, "window size"),
    Argument("stride", Reading.PER_AXIS, "step between windows"),
    Argument("padding", Reading.PADDING, "zeros added on each side, or 'same' / 'valid'", minimum=0),
    Argument("dilation", Reading.PER_AXIS, "spacing between the window's taps"),
)


@value(kw_only=True)
class Convolution(Layer):
    """What `conv` and `depthwise` share: a window of weights slid over the spatial axes, each filter
    seeing C/groups channels and reusing its weights at every position."""

    kernel: PerAxis
    stride: PerAxis = (1,)
    padding: Padding = (0,)
    dilation: PerAxis = (1,)
    bias: bool = True

    MACS = "output positions · filters · k · (C/groups)"
    QUANTIZED = True
    KEEPS = "its input (with padding 'same', its padded input, a copy of its own)"
    SHARES_WEIGHTS_ACROSS_POSITIONS = True

    def filters_and_groups(self, channels: int) -> tuple[int, int]:
        raise NotImplementedError

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        spatial = spatial_axes(self, shape)
        channels = shape[-1]
        filters, groups = self.filters_and_groups(channels)
        check_groups(self, channels, filters, groups)
        output = windows(self, spatial, self.kernel, self.stride, self.padding, self.dilation, ceil_mode=False)
        weights_per_filter = volume(per_axis(self, "kernel", self.kernel, len(spatial))) * (channels // groups)
        cost = Cost(weights=weights_per_filter * filters, biases=filters if self.bias else 0, macs=volume(output) * filters * weights_per_filter)
        return LayerResult(self, shape, (*output, filters), cost)

    def receptive_field(self, result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        return widened(field, self.kernel, self.stride, self.dilation)

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        """Its input, for the weights' gradient (the input's gradient needs only the weights)."""
        if not needs.trains:
            return ()
        return kept_input_of_window(self.padding, self.kernel, self.stride, self.dilation, result.input_shape)

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        spatial = result.input_shape[:-1]
        filters, groups = self.filters_and_groups(result.input_shape[-1])
        kernel = per_spatial_axis(self.kernel, len(spatial))
        return weight_and_bias((filters, result.input_shape[-1] // groups, *kernel), filters if self.bias else 0)

    def explain(self, result: LayerResult) -> list[str]:
        cost = result.cost
        channels = result.input_shape[-1]
        filters, groups = self.filters_and_groups(channels)
        kernel = per_spatial_axis(self.kernel, len(result.input_shape) - 1)
        per_filter = volume(kernel) * (channels // groups)
        params = f"{shape_text(kernel)}×{channels // groups:,}×{filters:,} = {cost.weights:,} weights"
        if cost.biases:
            params += f" + {cost.biases:,} biases = {cost.params:,}"
        if groups > 1:
            params += f" ({groups:,} groups of {channels // groups:,} input channels)"
        positions = shape_text(result.output_shape[:-1])
        macs = f"{positions} positions × {filters:,} filters × {per_filter:,} = {cost.macs:,} MACs"
        return [output_lengths(result, self.kernel, self.stride, self.padding, self.dilation, ceil_mode=False), params, macs]


@value(kw_only=True)
class Conv(Convolution):
    """A 1-D, 2-D or 3-D convolution, the rank taken from the input (torch.nn.Conv1d/2d/3d);
    written `conv1d`, `conv2d` or `conv3d` it also checks that rank."""

    filters: int
    groups: int = 1
    spatial_rank: int | None = None  # set by conv1d/conv2d/conv3d

    NAMES = {"conv": "conv", "conv1d": "conv", "conv2d": "conv", "conv3d": "conv"}
    EXAMPLE = ("8x8x3", "conv: {filters: 4, kernel: 3, padding: 1}")
    ARGUMENTS = (
        Argument("filters", Reading.COUNT, "output channels"),
        *WINDOW_ARGUMENTS,
        Argument("groups", Reading.COUNT, "split channels into groups that do not see each other"),
        Argument("bias", Reading.FLAG, "add a learned bias per filter"),
    )
    PARAMETERS = "k·(C/groups)·filters + filters"

    @classmethod
    def build(cls, written: str, arguments: dict[str, Any], origin: Origin, position: str, name: str | None) -> Layer:
        rank = None if written == "conv" else int(written[4])
        return cls(origin=origin, position=position, name=name, spatial_rank=rank, **arguments)

    def filters_and_groups(self, channels: int) -> tuple[int, int]:
        return self.filters, self.groups

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        if self.spatial_rank is not None and self.spatial_rank != len(spatial_axes(self, shape)):
            rank = self.spatial_rank
            raise self.error(f"conv{rank}d needs an input with {rank} spatial axes and channels last, got {bracketed(shape)}")
        return super().apply(shape, context)

    def label(self, result: LayerResult) -> str:
        rank = max(len(result.input_shape) - 1, 1)
        text = f"conv {axes_text(self.kernel, rank)}, {self.filters:,} filter{'s' if self.filters != 1 else ''}"
        text += window_extras(self.stride, self.padding, self.dilation, rank)
        return text + (f", groups {self.groups}" if self.groups > 1 else "") + ("" if self.bias else ", no bias")


@value(kw_only=True)
class Depthwise(Convolution):
    """A convolution of each channel on its own, `multiplier` filters per channel (a conv with
    groups = C and filters = C·multiplier)."""

    multiplier: int = 1

    NAMES = {"depthwise": "depthwise"}
    EXAMPLE = ("8x8x4", "depthwise: {kernel: 3, stride: 2, padding: 1}")
    ARGUMENTS = (
        *WINDOW_ARGUMENTS,
        Argument("multiplier", Reading.COUNT, "filters per input channel"),
        Argument("bias", Reading.FLAG, "add a learned bias per filter"),
    )
    PARAMETERS = "a conv with groups = C, filters = C·multiplier"

    def filters_and_groups(self, channels: int) -> tuple[int, int]:
        return channels * self.multiplier, channels

    def label(self, result: LayerResult) -> str:
        rank = max(len(result.input_shape) - 1, 1)
        text = f"depthwise {axes_text(self.kernel, rank)}" + (f", ×{self.multiplier}" if self.multiplier > 1 else "")
        return text + window_extras(self.stride, self.padding, self.dilation, rank) + ("" if self.bias else ", no bias")
