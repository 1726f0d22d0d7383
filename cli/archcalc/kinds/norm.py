"""Normalisation layers: a learned scale and shift per feature, and for batch norm running statistics."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import Pointwise
from archcalc.model import Cost, LayerResult, Shape
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.kinds.context import ApplyContext


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
