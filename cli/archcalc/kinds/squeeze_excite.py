"""Squeeze-and-excitation: a channel gate computed from the whole input."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.arithmetic import volume
from archcalc.backward import Backward, Kept, Needs, ParameterTensor, Which, weight_and_bias
from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import SeesWhole, spatial_axes
from archcalc.kinds.elementwise import ELEMENTWISE, KEEP_OUTPUT
from archcalc.model import Cost, LayerResult, Shape
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext

SCALE_FUNCTIONS = ("sigmoid", "hardsigmoid")
"""What turns the excitation into a scale: the paper's sigmoid, or MobileNetV3's piecewise-linear one."""


@value(kw_only=True)
class SqueezeExcite(SeesWhole):
    """Global average pool, 1×1 conv C→s with bias, an activation (ReLU), 1×1 conv s→C with bias, a
    gate (sigmoid), scale the input: each output channel is gated by a figure computed from every
    position. EfficientNet's activation is SiLU; MobileNetV3's gate is the hard sigmoid."""

    channels: int  # the squeeze width s
    activation: str = "relu"  # between the two 1×1 convs; one of ACTIVATIONS but softmax
    gate: str = "sigmoid"  # one of SCALE_FUNCTIONS

    NAMES = {"squeeze_excite": "squeeze_excite", "se": "squeeze_excite"}
    EXAMPLE = ("8x8x16", "se: 4")
    ARGUMENTS = (
        Argument("channels", Reading.COUNT, "the squeeze width s"),
        Argument("activation", Reading.CHOICE, "the activation between the two 1×1 convs", choices=ELEMENTWISE),
        Argument("gate", Reading.CHOICE, "the function that makes the channel scale", choices=SCALE_FUNCTIONS),
    )
    MAIN = "channels"
    PARAMETERS = "2·C·s + s + C (the activation and gate have none)"
    MACS = "2·C·s (the scale is not a MAC)"
    KEEPS = "its input and the scale (the product's operands); the pooled C and the activation's s; what the activation and gate keep"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        """As torchvision builds it: mean (keeps nothing), conv C→s (keeps the pooled C), activation,
        conv s→C (keeps the activation's output), gate, input × scale (keeps both). An activation that
        keeps its output shares it with the second conv; one that keeps its input keeps one more s."""
        channels, squeeze = result.input_shape[-1], self.channels
        convs = channels + squeeze if needs.trains else 0  # the two convs' inputs, for their weights' gradients
        activation = 0 if self.activation == "identity" else squeeze
        if self.activation in KEEP_OUTPUT and needs.trains:
            convs -= squeeze  # the second conv's input is the activation's output, kept once
        gate = channels if self.gate in KEEP_OUTPUT else channels * (1 + needs.input_grad)  # a hard sigmoid keeps its input, the product its output
        return (Kept(Which.INPUT, volume(result.input_shape)), Kept(Which.OWN, convs + activation + gate))

    def backward(self, result: LayerResult, needs: Needs) -> Backward:
        """The second conv's input gradient is needed whenever anything trains or flows in; the first's only for the input."""
        half = result.cost.macs // 2
        return Backward(half * (needs.input_grad + needs.any), result.cost.macs if needs.trains else 0)

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        channels, squeeze, ones = result.input_shape[-1], self.channels, (1,) * (len(result.input_shape) - 1)
        return weight_and_bias((squeeze, channels, *ones), squeeze) + weight_and_bias((channels, squeeze, *ones), channels)

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        spatial_axes(self, shape)
        channels, squeeze = shape[-1], self.channels
        cost = Cost(weights=2 * channels * squeeze, biases=squeeze + channels, macs=2 * channels * squeeze)
        return LayerResult(self, shape, shape, cost)

    def label(self, result: LayerResult) -> str:
        functions = [] if self.activation == "relu" else [self.activation]
        functions += [] if self.gate == "sigmoid" else [f"{self.gate} gate"]
        return f"squeeze-excite → {self.channels:,}" + "".join(f", {function}" for function in functions)

    def explain(self, result: LayerResult) -> list[str]:
        cost = result.cost
        channels, squeeze = result.input_shape[-1], self.channels
        return [
            f"2×{channels:,}×{squeeze:,} = {cost.weights:,} weights + {squeeze:,} + {channels:,} biases = {cost.params:,}",
            f"1×1 convs {channels:,}→{squeeze:,} ({self.activation})→{channels:,} ({self.gate}): 2×{channels:,}×{squeeze:,} = {cost.macs:,} MACs",
        ]
