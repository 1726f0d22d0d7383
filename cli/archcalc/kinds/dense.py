"""Dense (fully connected) layers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.arithmetic import volume
from archcalc.backward import Kept, Needs, ParameterTensor, keeps_input, weight_and_bias
from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import Pointwise
from archcalc.kinds.embedding import Embedding
from archcalc.model import Cost, Layer, LayerResult, Shape
from archcalc.text import shape as shape_text
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext


@value(kw_only=True)
class Dense(Pointwise):
    """A fully connected layer on the last axis (torch.nn.Linear): every leading position reuses the
    same weights, so MACs grow with positions and parameters do not. With `tie`, its weight is an
    earlier embedding's table (a language model's head reading logits through its token embedding),
    counted once, where the embedding declared it."""

    units: int
    bias: bool = True
    tie: str | None = None  # the `name:` of an embedding whose table is this layer's weight

    NAMES = {"dense": "dense", "fc": "dense", "linear": "dense"}
    COMMON_NAMES = dict.fromkeys(
        ("mlp", "ffn", "feedforward", "feed_forward", "positionwise_ffn"),
        "write the dense layers in pairs with an activation between (dense: 3072, gelu, dense: 768), or gated_mlp for a gated one (SwiGLU)",
    )
    EXAMPLE = ("10x16", "dense: 8")
    ARGUMENTS = (
        Argument("units", Reading.COUNT, "output features"),
        Argument("bias", Reading.FLAG, "add a learned bias per unit"),
        Argument("tie", Reading.LAYER_NAME, "share the weight of this earlier embedding (units = its vocab, input width = its dim); counted there"),
    )
    MAIN = "units"
    PARAMETERS = "in·units + units, on the last axis; tied to an embedding, its biases alone"
    MACS = "positions · in · units"
    QUANTIZED = True
    SERVED = "reads its weights (tied: the embedding's whole table) and its input, writes its output"
    KEEPS = "its input (for the weights' gradient)"

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        features = shape[-1]
        macs = volume(shape[:-1]) * features * self.units
        biases = self.units if self.bias else 0
        if self.tie is not None:
            self.check_tie(context.named(self.tie, self).layer, features)
            return LayerResult(self, shape, (*shape[:-1], self.units), Cost(biases=biases, macs=macs))  # its weight was counted at the embedding
        return LayerResult(self, shape, (*shape[:-1], self.units), Cost(weights=features * self.units, biases=biases, macs=macs))

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        return keeps_input(volume(result.input_shape)) if needs.trains else ()

    def weights_of(self) -> str | None:
        return self.tie

    def learns(self, result: LayerResult) -> bool:
        """A tied weight has its gradient too, though it was counted at the embedding."""
        return True

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        bias = self.units if self.bias else 0
        return weight_and_bias((self.units, result.input_shape[-1]), bias) if self.tie is None else weight_and_bias((bias,), 0) if bias else ()

    def check_tie(self, embedding: Layer, features: int) -> None:
        """A tied weight is the embedding's vocab × dim table, read as units × input width."""
        if not isinstance(embedding, Embedding):
            raise self.error(f"'tie' names {embedding.where}, which is not an embedding; a dense layer can share only an embedding's table")
        if (self.units, features) != (embedding.vocab, embedding.dim):
            raise self.error(
                f"'tie' names an embedding of {embedding.vocab:,} ids × {embedding.dim:,}, but this layer maps {features:,} inputs to {self.units:,} units; "
                f"a tied dense needs units {embedding.vocab:,} and inputs of width {embedding.dim:,}"
            )

    def served_weights(self, result: LayerResult) -> int:
        """Tied, it still reads the whole table it shares, which is counted at the embedding."""
        return result.cost.params + (self.units * result.input_shape[-1] if self.tie is not None else 0)

    def label(self, result: LayerResult) -> str:
        return f"dense {self.units:,}" + ("" if self.bias else ", no bias") + (f", tied to {self.tie}" if self.tie is not None else "")

    def explain(self, result: LayerResult) -> list[str]:
        cost = result.cost
        features = result.input_shape[-1]
        if self.tie is not None:
            params = f"{features:,}×{self.units:,} weights tied to '{self.tie}', counted there; here = {cost.weights:,} weights"
        else:
            params = f"{features:,}×{self.units:,} = {cost.weights:,} weights"
        params += f" + {cost.biases:,} biases = {cost.params:,}" if self.bias else ""
        macs = f"{features:,}×{self.units:,} = {cost.macs:,} MACs"
        if volume(result.input_shape[:-1]) > 1:
            macs = f"{shape_text(result.input_shape[:-1])} positions × {macs}"
        return [params, macs]
