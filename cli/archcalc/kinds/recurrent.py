"""Recurrent layers: `lstm`, `gru` and `rnn`, counted as PyTorch's nn.LSTM, nn.GRU and nn.RNN, or with
Keras's one bias vector per gate set (`bias: keras`), as a Keras file holds them."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from archcalc.backward import Backward, Kept, Needs, ParameterTensor, Which
from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import SeesWhole, sequence_of
from archcalc.model import Cost, LayerResult, Shape
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext

BIASES = ("pytorch", "keras", "false")
"""The bias vectors of each gate set: PyTorch's two (b_ih and b_hh, and Keras's GRU with reset_after,
which keeps the same two as a [2, 3H] bias), Keras's one (its LSTM and SimpleRNN, and GRU without
reset_after), or none. `true`, the flag this was before, is PyTorch's."""
BIAS_VECTORS = {"pytorch": 2, "keras": 1, "false": 0}

RECURRENT_ARGUMENTS = (
    Argument("hidden", Reading.COUNT, "the hidden state's width H"),
    Argument("layers", Reading.COUNT, "stacked layers, each reading the one before"),
    Argument("bidirectional", Reading.FLAG, "a second direction reads the sequence backwards; outputs are joined"),
    Argument(
        "bias",
        Reading.CHOICE,
        "bias vectors per gate set: pytorch two (b_ih and b_hh), keras one (as Keras's LSTM and SimpleRNN), false none; true is pytorch",
        choices=BIASES,
        synonyms=(("true", "pytorch"),),
    ),
    Argument("sequences", Reading.FLAG, "output every step [N, H·dirs]; false: the last step [H·dirs]"),
)


@value(kw_only=True)
class Recurrent(SeesWhole):
    """What `lstm`, `gru` and `rnn` share: at each of N steps, `GATES` gate sets each see the step's
    input (I values) and the previous hidden state (H values), so every weight is used once a step."""

    hidden: int
    layers: int = 1
    bidirectional: bool = False
    bias: str = "pytorch"  # one of BIASES
    sequences: bool = True

    GATES: ClassVar[int]
    ARGUMENTS = RECURRENT_ARGUMENTS
    QUANTIZED = True
    MAIN = "hidden"
    KEEPS = "its input, and per step, layer and direction its gates and hidden state (an estimate: PyTorch's kernels differ)"

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def bias_vectors(self) -> int:
        """Bias vectors per gate set, layer and direction: 2, 1 or 0."""
        return BIAS_VECTORS[self.bias]

    def stacked(self, width: int) -> list[tuple[int, int]]:
        """(how many layers, I of each): the first reads the sequence's width, the rest the previous
        layer's H·dirs. Grouped, not listed, so that `layers: 1e30` costs what `layers: 2` does."""
        first = (1, width)
        return [first, (self.layers - 1, self.hidden * self.directions)] if self.layers > 1 else [first]

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        tokens, width = sequence_of(self, shape)
        gates, hidden, directions = self.GATES, self.hidden, self.directions
        weights = sum(count * directions * gates * hidden * (inputs + hidden) for count, inputs in self.stacked(width))
        biases = self.layers * directions * self.bias_vectors * gates * hidden
        output = (tokens, hidden * directions) if self.sequences else (hidden * directions,)
        return LayerResult(self, shape, output, Cost(weights=weights, biases=biases, macs=tokens * weights))

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        """Not exact: cuDNN keeps a reserve of about this size; PyTorch on the CPU keeps a workspace
        (an LSTM) or each step's pieces (a GRU, an RNN). docs/training.md says so."""
        tokens, width = result.input_shape
        states = tokens * self.layers * self.directions * (self.GATES + 1) * self.hidden
        return (Kept(Which.INPUT, tokens * width), Kept(Which.OWN, states))

    def backward(self, result: LayerResult, needs: Needs) -> Backward:
        """Every weight's gradient takes its forward MACs. Of the input side, the first layer's input
        needs a gradient only if the input does; the later layers' always; the hidden state's at every
        step but the first, whose initial state needs none."""
        tokens, width = result.input_shape
        gates, hidden, directions = self.GATES, self.hidden, self.directions
        first_input = tokens * directions * gates * hidden * width * needs.input_grad
        later_inputs = tokens * (self.layers - 1) * directions * gates * hidden * hidden * directions * needs.any
        recurrences = (tokens - 1) * self.layers * directions * gates * hidden * hidden * needs.any
        return Backward(first_input + later_inputs + recurrences, result.cost.macs if needs.trains else 0)

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        """PyTorch's weight_ih, weight_hh (and bias_ih, bias_hh) for each layer and direction; with
        Keras's biases, one bias vector where PyTorch has two."""
        gates, hidden, directions = self.GATES * self.hidden, self.hidden, self.directions
        tensors = []
        for count, inputs in self.stacked(result.input_shape[-1]):
            tensors += [ParameterTensor((gates, inputs), count * directions), ParameterTensor((gates, hidden), count * directions)]
        if self.bias_vectors:
            tensors.append(ParameterTensor((gates,), self.bias_vectors * self.layers * directions))
        return tuple(tensors)

    def label(self, result: LayerResult) -> str:
        text = f"{self.kind} {self.hidden:,}"
        if self.layers > 1:
            text += f", {self.layers} layers"
        if self.bidirectional:
            text += ", bidirectional"
        if not self.sequences:
            text += ", last step"
        return text + {"pytorch": "", "keras": ", Keras's biases", "false": ", no bias"}[self.bias]

    def explain(self, result: LayerResult) -> list[str]:
        cost = result.cost
        tokens, width = result.input_shape
        gates, hidden, directions = self.GATES, self.hidden, self.directions
        lines = []
        each = f"{directions} directions × " if directions > 1 else ""
        wheres = ["layer 1: ", "layer 2: " if self.layers == 2 else f"layers 2 to {self.layers:,}, each: "] if self.layers > 1 else [""]
        for where, (_, inputs) in zip(wheres, self.stacked(width), strict=True):
            figure = directions * gates * hidden * (inputs + hidden)
            lines.append(f"{where}{each}{gates} gate sets × {hidden:,} × ({inputs:,} + {hidden:,}) = {figure:,} weights")
        params = f"{cost.weights:,} weights"
        if self.bias_vectors:
            params += f" + {self.layers * directions} × {self.bias_vectors} × {gates} × {hidden:,} = {cost.biases:,} biases = {cost.params:,}"
        lines.append(params)
        lines.append(f"{tokens:,} steps × {cost.weights:,} = {cost.macs:,} MACs (every weight once a step)")
        return lines


@value(kw_only=True)
class LSTM(Recurrent):
    """A long short-term memory layer (torch.nn.LSTM): input, forget, cell and output gates."""

    NAMES = {"lstm": "lstm"}
    EXAMPLE = ("10x16", "lstm: 8")
    GATES = 4
    PARAMETERS = "per layer and direction 4·H·(I + H), plus 2·4·H biases (pytorch) or 4·H (keras)"
    MACS = "per layer and direction N·4·H·(I + H)"


@value(kw_only=True)
class GRU(Recurrent):
    """A gated recurrent unit layer (torch.nn.GRU): reset, update and new gates."""

    NAMES = {"gru": "gru"}
    EXAMPLE = ("10x16", "gru: 8")
    GATES = 3
    PARAMETERS = "per layer and direction 3·H·(I + H), plus 2·3·H biases (pytorch) or 3·H (keras)"
    MACS = "per layer and direction N·3·H·(I + H)"


@value(kw_only=True)
class RNN(Recurrent):
    """A plain recurrent layer with tanh (torch.nn.RNN): one gate set."""

    NAMES = {"rnn": "rnn"}
    EXAMPLE = ("10x16", "rnn: 8")
    GATES = 1
    PARAMETERS = "per layer and direction H·(I + H), plus 2·H biases (pytorch) or H (keras)"
    MACS = "per layer and direction N·H·(I + H)"
