"""Normalisation layers: a learned scale and shift per feature, and for batch norm running statistics.
Group and instance norms compute their statistics from the sample itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.arithmetic import volume
from archcalc.backward import Kept, Needs, ParameterTensor, Stored, Which, weight_and_bias
from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import Pointwise, SeesWhole, spatial_axes
from archcalc.model import NO_COST, Cost, LayerResult, Shape
from archcalc.text import shape as shape_text
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext


def input_and_statistics(result: LayerResult, statistics: int, per_sample: bool = True) -> tuple[Kept, ...]:
    """A norm keeps its input, and a mean and an inverse deviation for each normalised row, group or
    channel, in float32 whatever the activations' precision."""
    return (Kept(Which.INPUT, volume(result.input_shape)), Kept(Which.OWN, 2 * statistics, Stored.FLOAT32, per_sample))


def scale_and_shift(channels: int, shift: bool = True) -> tuple[ParameterTensor, ...]:
    return weight_and_bias((channels,), channels if shift else 0)


@value(kw_only=True)
class BatchNorm(Pointwise):
    """Batch normalisation over the channel axis: a trained scale and shift per channel, plus a running
    mean and variance that are not trained (reported apart, as Keras does)."""

    NAMES = {"batchnorm": "batchnorm"}
    STATE = "batch-norm running statistics"
    COMMON_NAMES = dict.fromkeys(("bn", "batch_norm", "batchnorm2d", "batchnormalization", "batch_normalization"), "write batchnorm")
    EXAMPLE = ("8x8x16", "batchnorm")
    PARAMETERS = "2C, plus 2C running statistics (not trained)"
    MACS = "0 (normalisation is not counted)"
    KEEPS = "its input, and 2 float32 statistics per channel (for the whole batch)"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        return input_and_statistics(result, result.input_shape[-1], per_sample=False)

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        return scale_and_shift(result.input_shape[-1])

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        channels = shape[-1]
        return LayerResult(self, shape, shape, Cost(weights=channels, biases=channels, non_trainable=2 * channels))

    def label(self, result: LayerResult) -> str:
        return self.kind

    def explain(self, result: LayerResult) -> list[str]:
        cost = result.cost
        return [f"2×{result.input_shape[-1]:,} = {cost.params:,} (scale γ and shift β per channel) + {cost.non_trainable:,} running statistics, not trained"]


@value(kw_only=True)
class LayerNorm(Pointwise):
    """Layer normalisation over the last axis: a scale and a shift per feature (without `bias`, the
    scale alone, as torch.nn.LayerNorm(bias=False))."""

    bias: bool = True

    NAMES = {"layernorm": "layernorm"}
    COMMON_NAMES = dict.fromkeys(("ln", "layer_norm", "layernormalization", "layer_normalization"), "write layernorm")
    EXAMPLE = ("10x16", "layernorm")
    ARGUMENTS = (Argument("bias", Reading.FLAG, "learn a shift per feature as well as a scale"),)
    PARAMETERS = "2·(last axis), or the last axis without bias"
    MACS = "0 (normalisation is not counted)"
    KEEPS = "its input, and 2 float32 statistics per normalised row"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        return input_and_statistics(result, volume(result.input_shape[:-1]))

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        return scale_and_shift(result.input_shape[-1], self.bias)

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        features = shape[-1]
        return LayerResult(self, shape, shape, Cost(weights=features, biases=features if self.bias else 0))

    def label(self, result: LayerResult) -> str:
        return self.kind + ("" if self.bias else ", no bias")

    def explain(self, result: LayerResult) -> list[str]:
        if not self.bias:
            return [f"{result.input_shape[-1]:,} = {result.cost.params:,} (scale γ per feature, no shift)"]
        return [f"2×{result.input_shape[-1]:,} = {result.cost.params:,} (scale γ and shift β per feature)"]


@value(kw_only=True)
class RMSNorm(Pointwise):
    """Root-mean-square normalisation over the last axis (torch.nn.RMSNorm, Llama's): a scale per
    feature and no shift."""

    NAMES = {"rmsnorm": "rmsnorm"}
    COMMON_NAMES = dict.fromkeys(("rms_norm", "llamarmsnorm"), "write rmsnorm")
    EXAMPLE = ("10x16", "rmsnorm")
    PARAMETERS = "the last axis"
    MACS = "0 (normalisation is not counted)"
    KEEPS = "its input and 1 statistic per row (if its input needs a gradient), and (training its scale) the normalised input"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        """PyTorch computes it from its parts: x · rsqrt(mean(x²) + ε), then · weight. The parts keep x and
        the rsqrt (one per row, in the activations' precision); the scale keeps the normalised x."""
        values, rows = volume(result.input_shape), volume(result.input_shape[:-1])
        normalised = (Kept(Which.OWN, values),) if needs.trains else ()
        if not needs.input_grad:  # the parts see no tensor that needs a gradient: only the scale keeps anything
            return normalised
        return (Kept(Which.INPUT, values), Kept(Which.OWN, rows), *normalised)

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        return scale_and_shift(result.input_shape[-1], shift=False)

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        return LayerResult(self, shape, shape, Cost(weights=shape[-1]))

    def label(self, result: LayerResult) -> str:
        return self.kind

    def explain(self, result: LayerResult) -> list[str]:
        return [f"{result.input_shape[-1]:,} = {result.cost.params:,} (scale γ per feature)"]


@value(kw_only=True)
class GroupNorm(SeesWhole):
    """Group normalisation (torch.nn.GroupNorm): the channels split into `groups`, each normalised
    over its channels and every position with statistics of the sample itself, then a scale and a
    shift per channel. Those statistics make each output depend on every position."""

    groups: int
    affine: bool = True

    NAMES = {"groupnorm": "groupnorm"}
    EXAMPLE = ("8x8x16", "groupnorm: 4")
    ARGUMENTS = (
        Argument("groups", Reading.COUNT, "groups the channels are split into (it must divide them)"),
        Argument("affine", Reading.FLAG, "learn a scale and a shift per channel"),
    )
    MAIN = "groups"
    PARAMETERS = "2C (without affine: none); no running statistics"
    MACS = "0 (normalisation is not counted)"
    KEEPS = "its input, and 2 float32 statistics per group"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        return input_and_statistics(result, self.groups)

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        return scale_and_shift(result.input_shape[-1]) if self.affine else ()

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        channels = shape[-1]
        if channels % self.groups:
            raise self.error(f"groups={self.groups} does not divide the {channels} channels")
        if channels // self.groups * volume(shape[:-1]) == 1:  # its variance is 0, its output all zeros
            raise self.error(f"each of the {self.groups} groups normalises a single value (1 channel at 1 position); PyTorch refuses it")
        return LayerResult(self, shape, shape, Cost(weights=channels, biases=channels) if self.affine else NO_COST)

    def label(self, result: LayerResult) -> str:
        return f"groupnorm, {self.groups:,} group{'s' if self.groups != 1 else ''}" + ("" if self.affine else ", no affine")

    def explain(self, result: LayerResult) -> list[str]:
        channels = result.input_shape[-1]
        statistics = f"{channels // self.groups:,} channels × every position per group, from the sample itself"
        if not self.affine:
            return [statistics, "no affine: nothing to learn"]
        return [statistics, f"2×{channels:,} = {result.cost.params:,} (scale γ and shift β per channel)"]


@value(kw_only=True)
class InstanceNorm(SeesWhole):
    """Instance normalisation (torch.nn.InstanceNorm1d/2d/3d): each channel normalised over every
    position with statistics of the sample itself. PyTorch's default learns nothing (affine=False)
    and keeps no running statistics; `affine: true` adds a scale and a shift per channel."""

    affine: bool = False

    NAMES = {"instancenorm": "instancenorm"}
    EXAMPLE = ("8x8x16", "instancenorm: {affine: true}")
    ARGUMENTS = (Argument("affine", Reading.FLAG, "learn a scale and a shift per channel (PyTorch's default: no)"),)
    PARAMETERS = "none, as PyTorch's default (affine=False); 2C with affine"
    MACS = "0 (normalisation is not counted)"
    KEEPS = "its input, 2 float32 statistics per channel; with affine its scale, repeated for each sample"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        """PyTorch runs it as a batch norm over one sample of B·C channels, whose scale is the affine
        scale repeated per sample: a tensor of its own, kept as batch norm keeps its weight."""
        channels = result.input_shape[-1]
        repeated = (Kept(Which.OWN, channels, Stored.PARAMETER),) if self.affine else ()
        return (*input_and_statistics(result, channels), *repeated)

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        return scale_and_shift(result.input_shape[-1]) if self.affine else ()

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        positions = volume(spatial_axes(self, shape))
        if positions == 1:  # its variance is 0, its output all zeros
            raise self.error("an instance norm over a single position normalises a single value per channel; PyTorch refuses it")
        channels = shape[-1]
        return LayerResult(self, shape, shape, Cost(weights=channels, biases=channels) if self.affine else NO_COST)

    def label(self, result: LayerResult) -> str:
        return "instancenorm" + (", affine" if self.affine else "")

    def explain(self, result: LayerResult) -> list[str]:
        statistics = f"each of {result.input_shape[-1]:,} channels over its {shape_text(result.input_shape[:-1])} positions, from the sample itself"
        if not self.affine:
            return [statistics, "PyTorch's default has no affine parameters: nothing to learn"]
        return [statistics, f"2×{result.input_shape[-1]:,} = {result.cost.params:,} (scale γ and shift β per channel)"]
