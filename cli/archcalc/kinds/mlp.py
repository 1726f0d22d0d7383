"""Gated feed-forward blocks: Llama's SwiGLU and its kin, three dense layers on the last axis."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.arithmetic import volume
from archcalc.backward import Backward, Kept, Needs, ParameterTensor, Which, weight_and_bias
from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import Pointwise
from archcalc.kinds.elementwise import ELEMENTWISE, KEEP_OUTPUT
from archcalc.model import Cost, LayerResult, Shape
from archcalc.text import shape as shape_text
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext


@value(kw_only=True)
class GatedMLP(Pointwise):
    """down(act(gate(x)) ⊙ up(x)) on the last axis: gate and up project D to `hidden`, the activated
    gate scales up's output value by value (not a MAC), and down projects back to D. With silu it is
    Llama's SwiGLU; with gelu, GeGLU."""

    hidden: int
    activation: str = "silu"
    bias: bool = False

    NAMES = {"gated_mlp": "gated_mlp"}
    COMMON_NAMES = {
        "swiglu": "write gated_mlp: {hidden: N} (silu, as Llama's SwiGLU)",
        "geglu": "write gated_mlp: {hidden: N, activation: gelu} (GeGLU)",
        "llama_mlp": "write gated_mlp: {hidden: N} (Llama's SwiGLU)",
    }
    EXAMPLE = ("10x16", "gated_mlp: 32")
    ARGUMENTS = (
        Argument("hidden", Reading.COUNT, "the width of gate and up"),
        Argument("activation", Reading.CHOICE, "the gate's function", choices=ELEMENTWISE),
        Argument("bias", Reading.FLAG, "biases on the three projections"),
    )
    MAIN = "hidden"
    PARAMETERS = "3·D·hidden (gate, up, down); with bias also 2·hidden + D"
    MACS = "positions · 3·D·hidden"
    QUANTIZED = True
    KEEPS = "its input; per position act(gate) and up (the product's operands), their product (down's input), and the gate if the activation keeps its input"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        positions, hidden = volume(result.input_shape[:-1]), self.hidden
        activation = 0 if self.activation == "identity" or self.activation in KEEP_OUTPUT else hidden  # the gate, kept by an activation of its input
        own = positions * (2 * hidden + activation + (hidden if needs.trains else 0))  # act(gate), up, [gate], [the product, for down's weights]
        return ((Kept(Which.INPUT, volume(result.input_shape)),) if needs.trains else ()) + (Kept(Which.OWN, own),)

    def backward(self, result: LayerResult, needs: Needs) -> Backward:
        """down's input gradient is always needed (its input depends on gate's and up's weights or the input); gate's and up's only for the input."""
        third = result.cost.macs // 3
        return Backward(third * (needs.any + 2 * needs.input_grad), result.cost.macs if needs.trains else 0)

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        width, hidden = result.input_shape[-1], self.hidden
        bias = hidden if self.bias else 0
        return weight_and_bias((hidden, width), bias) * 2 + weight_and_bias((width, hidden), width if self.bias else 0)

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        width = shape[-1]
        weights = 3 * width * self.hidden
        biases = 2 * self.hidden + width if self.bias else 0
        return LayerResult(self, shape, shape, Cost(weights=weights, biases=biases, macs=volume(shape[:-1]) * weights))

    def label(self, result: LayerResult) -> str:
        return f"gated mlp {self.hidden:,}, {self.activation}" + (", bias" if self.bias else "")

    def explain(self, result: LayerResult) -> list[str]:
        cost = result.cost
        width = result.input_shape[-1]
        params = f"gate, up, down: 3×{width:,}×{self.hidden:,} = {cost.weights:,} weights"
        if self.bias:
            params += f" + {cost.biases:,} biases = {cost.params:,}"
        macs = f"3×{width:,}×{self.hidden:,} = {cost.macs:,} MACs"
        if volume(result.input_shape[:-1]) > 1:
            macs = f"{shape_text(result.input_shape[:-1])} positions × {macs}"
        return [params, f"{self.activation}(gate) ⊙ up: element-wise, not MACs", macs]
