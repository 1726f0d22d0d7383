"""Squeeze-and-excitation: a channel gate computed from the whole input."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import SeesWhole, spatial_axes
from archcalc.model import Cost, LayerResult, Shape
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.kinds.context import ApplyContext


@value(kw_only=True)
class SqueezeExcite(SeesWhole):
    """Global average pool, 1×1 conv C→s with bias, 1×1 conv s→C with bias, sigmoid, scale the
    input: each output channel is gated by a figure computed from every position."""

    channels: int  # the squeeze width s

    NAMES = {"squeeze_excite": "squeeze_excite", "se": "squeeze_excite"}
    EXAMPLE = ("8x8x16", "se: 4")
    ARGUMENTS = (Argument("channels", Reading.COUNT, "the squeeze width s"),)
    MAIN = "channels"
    PARAMETERS = "2·C·s + s + C"
    MACS = "2·C·s (the scale is not a MAC)"

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        spatial_axes(self, shape)
        channels, squeeze = shape[-1], self.channels
        cost = Cost(weights=2 * channels * squeeze, biases=squeeze + channels, macs=2 * channels * squeeze)
        return LayerResult(self, shape, shape, cost)

    def label(self, result: LayerResult) -> str:
        return f"squeeze-excite → {self.channels:,}"

    def explain(self, result: LayerResult) -> list[str]:
        cost = result.cost
        channels, squeeze = result.input_shape[-1], self.channels
        return [
            f"2×{channels:,}×{squeeze:,} = {cost.weights:,} weights + {squeeze:,} + {channels:,} biases = {cost.params:,}",
            f"1×1 convs {channels:,}→{squeeze:,}→{channels:,}: 2×{channels:,}×{squeeze:,} = {cost.macs:,} MACs",
        ]
