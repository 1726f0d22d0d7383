"""`stored`: a module's parameters as a checkpoint stores them, with no shape and no MACs, since a checkpoint holds neither."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import Pointwise
from archcalc.model import Cost, LayerResult, Shape
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext

STORAGE = tuple(
    name.lower()
    for name in (
        *("BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ"),
        *("I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64", "mixed"),
    )
)
"""safetensors' dtypes (written in any case, as every choice), and `mixed` for a module whose tensors differ."""


@value(kw_only=True)
class Stored(Pointwise):
    """The tensors of one module of a checkpoint (`model.safetensors`): its weights, biases and state
    as saved. A checkpoint holds no input, so no shape or MAC can be known: the layer passes on
    whatever it is given and counts no MACs, and says so, rather than inventing them."""

    weights: int = 0
    biases: int = 0
    non_trainable: int = 0
    dtype: str = "mixed"

    NAMES = {"stored": "stored"}
    EXAMPLE = ("16", "stored: {weights: 4096, biases: 64, dtype: bf16}")
    ARGUMENTS = (
        Argument("weights", Reading.COUNT, "weights, as stored", minimum=0),
        Argument("biases", Reading.COUNT, "biases, as stored", minimum=0),
        Argument("non_trainable", Reading.COUNT, "stored state that is not trained (a router's correction bias)", minimum=0),
        Argument("dtype", Reading.CHOICE, "the dtype its tensors are stored in", choices=STORAGE),
    )
    PARAMETERS = "weights + biases, as stored"
    MACS = "unknown: a checkpoint holds no shapes (0 counted)"
    KEEPS = "unknown: a checkpoint holds no shapes, so `archcalc train` refuses it"

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        return LayerResult(self, shape, shape, Cost(weights=self.weights, biases=self.biases, non_trainable=self.non_trainable))

    def label(self, result: LayerResult) -> str:
        return f"stored {self.dtype.upper()}" if self.dtype != "mixed" else "stored, mixed dtypes"

    def explain(self, result: LayerResult) -> list[str]:
        cost = result.cost
        lines = [f"{cost.weights:,} weights + {cost.biases:,} biases = {cost.params:,} params, as stored"]
        if cost.non_trainable:
            lines.append(f"{cost.non_trainable:,} values of state that is not trained")
        lines.append("shapes and MACs unknown: a checkpoint holds none")
        return lines
