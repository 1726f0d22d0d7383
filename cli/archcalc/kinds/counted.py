"""`counted`: a part of a model that archcalc does not model, carrying the figures counted where it was read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.arithmetic import volume
from archcalc.backward import Kept, Needs, ParameterTensor, keeps_input
from archcalc.errors import SizeLimit
from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import SeesWhole, bracketed
from archcalc.model import Cost, LayerResult, Shape
from archcalc.text import shape as shape_text
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext


@value(kw_only=True)
class Counted(SeesWhole):
    """Figures counted elsewhere: `archcalc import` writes one for each stretch of an ONNX graph whose
    operations no kind describes, so that nothing is lost and the totals stay the file's. It refuses
    any input shape but the one it was counted for, since its figures hold for that shape alone."""

    input: Shape
    output: Shape
    weights: int = 0
    biases: int = 0
    non_trainable: int = 0
    macs: int = 0

    NAMES = {"counted": "counted"}
    EXAMPLE = ("8x8x4", "counted: {input: 8x8x4, output: 16, weights: 4096, biases: 16, macs: 4096}")
    ARGUMENTS = (
        Argument("input", Reading.SHAPE, "the input shape the figures were counted for"),
        Argument("output", Reading.SHAPE, "the output shape"),
        Argument("weights", Reading.COUNT, "weights, as counted", minimum=0),
        Argument("biases", Reading.COUNT, "biases, as counted", minimum=0),
        Argument("non_trainable", Reading.COUNT, "state that is not trained (running statistics), as counted", minimum=0),
        Argument("macs", Reading.COUNT, "multiply-accumulates, as counted", minimum=0),
    )
    PARAMETERS = "weights + biases, as written"
    MACS = "as written"
    KEEPS = "its input, as a dense layer would (archcalc does not know what it holds)"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        return keeps_input(volume(result.input_shape)) if needs.trains and result.cost.params else ()

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        return tuple(ParameterTensor((count,)) for count in (self.weights, self.biases) if count)

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        if shape != self.input:
            problem = f"its figures were counted for the input {bracketed(self.input)}, but it gets {bracketed(shape)}"
            raise self.error(problem, size_limit=SizeLimit.FIXED)
        cost = Cost(weights=self.weights, biases=self.biases, non_trainable=self.non_trainable, macs=self.macs)
        return LayerResult(self, shape, self.output, cost)

    def label(self, result: LayerResult) -> str:
        return f"counted {shape_text(self.input)} → {shape_text(self.output)}"

    def explain(self, result: LayerResult) -> list[str]:
        cost = result.cost
        lines = [f"{cost.weights:,} weights + {cost.biases:,} biases = {cost.params:,} params, as counted", f"{cost.macs:,} MACs, as counted"]
        if cost.non_trainable:
            lines.append(f"{cost.non_trainable:,} values of state that is not trained")
        return lines
