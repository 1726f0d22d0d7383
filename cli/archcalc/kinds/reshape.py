"""Layers that rearrange values without computing anything: `flatten`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.arithmetic import volume
from archcalc.kinds.base import SeesWhole
from archcalc.model import NO_COST, LayerResult, Shape
from archcalc.text import shape as shape_text
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.kinds.context import ApplyContext


@value(kw_only=True)
class Flatten(SeesWhole):
    """Every axis into one, channels last."""

    NAMES = {"flatten": "flatten"}
    EXAMPLE = ("2x2x2", "flatten")
    PARAMETERS = "no parameters"
    MACS = "0"

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        return LayerResult(self, shape, (volume(shape),), NO_COST)

    def label(self, result: LayerResult) -> str:
        return self.kind

    def explain(self, result: LayerResult) -> list[str]:
        return [f"{shape_text(result.input_shape)} = {volume(result.input_shape):,} values in one vector"]
