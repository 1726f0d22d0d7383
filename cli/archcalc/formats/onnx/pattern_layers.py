"""Each pattern of nodes patterns.py finds (attention, recurrent layers, norms and GELUs written out in
arithmetic), read as one layer: PATTERNS is to patterns what operators.OPERATORS is to operators.
Nothing here decides figures: the reader keeps the layer only when it gives the file's shape and figures."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from archcalc.errors import Origin
from archcalc.formats.onnx.attributes import attribute, int_attribute, string_attribute
from archcalc.formats.onnx.layout import Layout
from archcalc.kinds.attention import Attention
from archcalc.kinds.elementwise import Activation
from archcalc.kinds.norm import GroupNorm, LayerNorm, RMSNorm
from archcalc.kinds.recurrent import GRU, LSTM, RNN, Recurrent
from archcalc.model import Cost, Layer
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.formats.onnx.load import Node
    from archcalc.formats.onnx.patterns import Pattern
    from archcalc.formats.onnx.shapes import Shapes


@value
class Found:
    """A pattern of nodes (patterns.py) to read as one layer, with what the reader knows of it."""

    pattern: Pattern
    in_dims: tuple[int, ...]
    layout: Layout  # the tensor it reads
    cost: Cost  # what the file holds for its nodes
    shapes: Shapes
    origin: Origin
    name: str

    def common(self) -> dict[str, Any]:
        return {"origin": self.origin, "position": "", "name": self.name}


def gelu_pattern(found: Found) -> Layer | None:
    return Activation(**found.common(), function="gelu")


def group_norm_pattern(found: Found) -> Layer | None:
    """Its channels first, as it read them; affine when its scale and shift hold values."""
    return GroupNorm(**found.common(), groups=found.pattern.groups, affine=found.cost.params > 0) if found.layout is Layout.FIRST else None


def norm_pattern(found: Found) -> Layer | None:
    """A layer or RMS norm of the features, which must be last."""
    if found.layout is not Layout.LAST:
        return None
    return LayerNorm(**found.common(), bias=found.cost.biases > 0) if found.pattern.kind == "layernorm" else RMSNorm(**found.common())


def attention_pattern(found: Found) -> Layer | None:
    """Heads and head width from the scores' shape ([.., h, N, M], from queries [.., d]); key/value
    heads from what the projections hold, D·h·d + 2·D·kv·d + h·d·D weights."""
    scores = found.pattern.scores
    if found.layout is not Layout.LAST or scores is None or len(found.in_dims) != 3:
        return None
    _, tokens, width = found.in_dims
    score_dims, query_dims = found.shapes.get(scores.output[0], ()), found.shapes.get(scores.input[0], ())
    if not score_dims or not query_dims or score_dims[-1] != tokens or min(tokens, width) < 1:
        return None  # keys from elsewhere: not the self-attention of one input
    heads, rest = divmod(math.prod(score_dims), tokens * tokens)
    head = query_dims[-1]
    if rest or heads < 1 or head < 1:
        return None
    kv_heads, rest = divmod(found.cost.weights - 2 * width * heads * head, 2 * width * head)
    if rest or kv_heads < 1 or heads % kv_heads:
        return None
    return Attention(
        **found.common(),
        heads=heads,
        kv_heads=None if kv_heads == heads else kv_heads,
        head_dim=None if heads * head == width else head,
        bias=found.cost.biases > 0,
    )


def recurrent_pattern(found: Found) -> Layer | None:
    """Stacked recurrent nodes of one size, direction and bias; archcalc's rnn is tanh's."""
    if found.layout is not Layout.LAST:
        return None
    pattern = found.pattern
    first = pattern.layers[0]

    def shape(node: Node) -> tuple[int, str, bool]:
        return int_attribute(node, "hidden_size", 0), string_attribute(node, "direction", "forward"), len(node.input) > 3 and bool(node.input[3])

    hidden, direction, bias = shape(first)
    for node in pattern.layers:
        if shape(node) != (hidden, direction, bias):
            return None
        if len(node.input) > 7 and node.input[7]:
            return None  # peepholes: a weight PyTorch's LSTM does not have
        activations = attribute(node, "activations")
        if node.op_type == "RNN" and activations is not None and any(function != b"Tanh" for function in activations.strings):
            return None
    if hidden < 1 or direction not in ("forward", "bidirectional"):
        return None
    kind = RECURRENT_KINDS[pattern.kind]
    biases = "pytorch" if bias else "false"  # ONNX's B holds both of PyTorch's vectors, [Wb, Rb], for each direction
    both = direction == "bidirectional"
    return kind(**found.common(), hidden=hidden, layers=len(pattern.layers), bidirectional=both, bias=biases, sequences=pattern.sequences)


RECURRENT_KINDS: dict[str, type[Recurrent]] = {"lstm": LSTM, "gru": GRU, "rnn": RNN}

PATTERNS: dict[str, Callable[[Found], Layer | None]] = {
    "attention": attention_pattern,
    "lstm": recurrent_pattern,
    "gru": recurrent_pattern,
    "rnn": recurrent_pattern,
    "layernorm": norm_pattern,
    "rmsnorm": norm_pattern,
    "gelu": gelu_pattern,
    "groupnorm": group_norm_pattern,
}
"""Every pattern patterns.py finds, and its layer."""

NORM_PATTERNS = {"layernorm", "rmsnorm", "groupnorm"}
"""Patterns that are a norm: the tensors their Mul and Add read are its scale and shift."""

KEEPS_LAYOUT_PATTERNS = {"gelu", "groupnorm"}
"""Patterns whose output keeps the layout they read; the others give a sequence, features last."""
