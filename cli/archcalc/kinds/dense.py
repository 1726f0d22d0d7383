"""Dense (fully connected) layers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.arithmetic import volume
from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import Pointwise
from archcalc.model import Cost, LayerResult, Shape
from archcalc.text import shape as shape_text
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.kinds.context import ApplyContext


@value(kw_only=True)
class Dense(Pointwise):
    """A fully connected layer on the last axis (torch.nn.Linear): every leading position reuses the
    same weights, so MACs grow with positions and parameters do not."""

    units: int
    bias: bool = True

    NAMES = {"dense": "dense", "fc": "dense", "linear": "dense"}
    EXAMPLE = ("10x16", "dense: 8")
    ARGUMENTS = (
        Argument("units", Reading.COUNT, "output features"),
        Argument("bias", Reading.FLAG, "add a learned bias per unit"),
    )
    MAIN = "units"
    PARAMETERS = "in·units + units, on the last axis"
    MACS = "positions · in · units"

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        weights = shape[-1] * self.units
        cost = Cost(weights=weights, biases=self.units if self.bias else 0, macs=volume(shape[:-1]) * weights)
        return LayerResult(self, shape, (*shape[:-1], self.units), cost)

    def label(self, result: LayerResult) -> str:
        return f"dense {self.units:,}" + ("" if self.bias else ", no bias")

    def explain(self, result: LayerResult) -> list[str]:
        cost = result.cost
        features = result.input_shape[-1]
        params = f"{features:,}×{self.units:,} = {cost.weights:,} weights" + (f" + {cost.biases:,} biases = {cost.params:,}" if self.bias else "")
        macs = f"{features:,}×{self.units:,} = {cost.macs:,} MACs"
        if volume(result.input_shape[:-1]) > 1:
            macs = f"{shape_text(result.input_shape[:-1])} positions × {macs}"
        return [params, macs]
