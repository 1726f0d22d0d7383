"""Element-wise layers: activations, dropout and stochastic depth keep the shape and count nothing;
PReLU and layer scale learn a figure per channel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archcalc.arithmetic import volume
from archcalc.backward import Kept, Needs, ParameterTensor, Stored, Which, keeps_input, keeps_output
from archcalc.errors import Origin
from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import Pointwise, Unchanged
from archcalc.model import Cost, Layer, LayerResult, Shape
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext

ACTIVATIONS = (
    "relu", "relu6", "leaky_relu", "sigmoid", "tanh", "gelu", "silu", "hardswish", "hardsigmoid", "softmax", "identity",
)  # fmt: skip

KEEP_OUTPUT = ("relu", "sigmoid", "tanh", "softmax")
"""The functions whose gradient PyTorch computes from their output; the others keep their input."""

ELEMENTWISE = tuple(function for function in ACTIVATIONS if function != "softmax")
"""The activations that act on each value alone: those another kind may apply inside itself."""


@value(kw_only=True)
class Activation(Unchanged):
    """An element-wise function (or softmax): no parameters, no MACs."""

    function: str  # one of ACTIVATIONS

    NAMES = {function: function for function in ACTIVATIONS}
    EXAMPLE = ("16", "relu")
    PARAMETERS = "no parameters; elementwise"
    MACS = "0"
    KEEPS = "relu, sigmoid, tanh and softmax their output; the others their input; identity nothing"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        values = volume(result.input_shape)
        if self.function == "identity":
            return ()
        return keeps_output(values) if self.function in KEEP_OUTPUT else keeps_input(values)

    def passes_storage_on(self, result: LayerResult) -> bool:
        return self.function == "identity"

    @classmethod
    def build(cls, written: str, arguments: dict[str, Any], origin: Origin, position: str, name: str | None) -> Layer:
        return cls(origin=origin, position=position, name=name, function=written, **arguments)

    @property
    def kind(self) -> str:
        return self.function

    def label(self, result: LayerResult) -> str:
        return self.function

    def explain(self, result: LayerResult) -> list[str]:
        return ["elementwise: no weights, no MACs"]


@value(kw_only=True)
class Dropout(Unchanged):
    """Dropout: changes nothing this calculator counts."""

    rate: float = 0.5

    NAMES = {"dropout": "dropout"}
    EXAMPLE = ("16", "dropout: 0.1")
    ARGUMENTS = (Argument("rate", Reading.FRACTION, "the fraction of values dropped in training"),)
    MAIN = "rate"
    PARAMETERS = "no parameters"
    MACS = "0"
    KEEPS = "a 1-byte mask per value (CUDA's fused kernel; see docs/training.md); rate 0: nothing"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        return () if self.rate == 0 else (Kept(Which.OWN, volume(result.input_shape), Stored.BOOL),)

    def passes_storage_on(self, result: LayerResult) -> bool:
        return self.rate == 0

    SERVED = "nothing: a view of its input, or the identity in inference"

    def served_weights(self, result: LayerResult) -> int:
        return 0

    def served_values(self, result: LayerResult) -> tuple[int, int]:
        return 0, 0

    def label(self, result: LayerResult) -> str:
        return f"dropout {self.rate:g}"

    def explain(self, result: LayerResult) -> list[str]:
        return ["elementwise: no weights, no MACs"]


@value(kw_only=True)
class PReLU(Pointwise):
    """A leaky ReLU whose negative slope is learned (torch.nn.PReLU): one slope for the whole
    tensor, as PyTorch's default, or one per channel."""

    per_channel: bool = False

    NAMES = {"prelu": "prelu"}
    EXAMPLE = ("8x8x16", "prelu: {per_channel: true}")
    ARGUMENTS = (Argument("per_channel", Reading.FLAG, "learn one slope per channel instead of one in all"),)
    PARAMETERS = "1, or C with per_channel (the learned slopes are weights)"
    MACS = "0 (an activation)"
    KEEPS = "its input"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        return keeps_input(volume(result.input_shape))

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        return LayerResult(self, shape, shape, Cost(weights=shape[-1] if self.per_channel else 1))

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        return (ParameterTensor((result.cost.weights,)),)

    def label(self, result: LayerResult) -> str:
        return "prelu, a slope per channel" if self.per_channel else "prelu"

    def explain(self, result: LayerResult) -> list[str]:
        if self.per_channel:
            return [f"one learned slope for each of the {result.input_shape[-1]:,} channels = {result.cost.weights:,} weights", "no MACs"]
        return ["one learned slope for the whole tensor = 1 weight", "no MACs"]


@value(kw_only=True)
class StochasticDepth(Unchanged):
    """Stochastic depth (torchvision.ops.StochasticDepth, timm's drop path): in training, a sample's
    whole input is dropped at `rate`, the rest scaled up; at inference it passes unchanged. Written
    as the last layer of a residual's main path, it drops the branch and leaves the shortcut."""

    rate: float

    NAMES = {"stochastic_depth": "stochastic_depth", "drop_path": "stochastic_depth"}
    EXAMPLE = ("8x8x16", "stochastic_depth: 0.1")
    ARGUMENTS = (Argument("rate", Reading.FRACTION, "the chance that a sample's path is dropped in training"),)
    MAIN = "rate"
    PARAMETERS = "no parameters"
    MACS = "0"
    KEEPS = "one scale per sample (its output is input × that scale); rate 0: nothing"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        return () if self.rate == 0 else (Kept(Which.OWN, 1),)

    def passes_storage_on(self, result: LayerResult) -> bool:
        return self.rate == 0

    SERVED = "nothing: a view of its input, or the identity in inference"

    def served_weights(self, result: LayerResult) -> int:
        return 0

    def served_values(self, result: LayerResult) -> tuple[int, int]:
        return 0, 0

    def label(self, result: LayerResult) -> str:
        return f"stochastic depth {self.rate:g}"

    def explain(self, result: LayerResult) -> list[str]:
        return ["drops whole samples in training: no weights, no MACs"]


@value(kw_only=True)
class LayerScale(Pointwise):
    """A learned scale per channel, multiplied into a residual branch's output before the addition
    (ConvNeXt's and CaiT's layer scale; started small, so that a deep network starts near the
    identity). The product is element-wise: not a MAC, as batch norm's scale is not."""

    NAMES = {"layer_scale": "layer_scale"}
    EXAMPLE = ("8x8x16", "layer_scale")
    PARAMETERS = "C (the last axis): one scale per channel"
    MACS = "0 (an element-wise product)"
    KEEPS = "its input (for the scale's gradient)"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        return keeps_input(volume(result.input_shape)) if needs.trains else ()

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        """PyTorch's layer scale is (C, 1, 1) on an image: a 1 for each spatial axis."""
        return (ParameterTensor((result.input_shape[-1], *(1,) * (len(result.input_shape) - 1))),)

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        return LayerResult(self, shape, shape, Cost(weights=shape[-1]))

    def label(self, result: LayerResult) -> str:
        return "layer scale"

    def explain(self, result: LayerResult) -> list[str]:
        return [f"one learned scale for each of the {result.input_shape[-1]:,} channels = {result.cost.weights:,} weights", "multiplied element-wise: no MACs"]
