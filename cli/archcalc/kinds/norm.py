"""Normalisation layers: a learned scale and shift per feature, and for batch norm running statistics.
Group and instance norms compute their statistics from the sample itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.arithmetic import volume
from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import Pointwise, SeesWhole, spatial_axes
from archcalc.model import NO_COST, Cost, LayerResult, Shape
from archcalc.text import shape as shape_text
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext


@value(kw_only=True)
class BatchNorm(Pointwise):
    """Batch normalisation over the channel axis: a trained scale and shift per channel, plus a running
    mean and variance that are not trained (reported apart, as Keras does)."""

    NAMES = {"batchnorm": "batchnorm"}
    EXAMPLE = ("8x8x16", "batchnorm")
    PARAMETERS = "2C, plus 2C running statistics (not trained)"
    MACS = "0 (normalisation is not counted)"

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
    EXAMPLE = ("10x16", "layernorm")
    ARGUMENTS = (Argument("bias", Reading.FLAG, "learn a shift per feature as well as a scale"),)
    PARAMETERS = "2·(last axis), or the last axis without bias"
    MACS = "0 (normalisation is not counted)"

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
    EXAMPLE = ("10x16", "rmsnorm")
    PARAMETERS = "the last axis"
    MACS = "0 (normalisation is not counted)"

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
