"""What the file holds for each node, and its MACs by archcalc's rule: the figures a `counted` layer
carries, and the totals the spec read from the file must give (engine/verify.py).

Parameters are the floating-point tensors the file stores in the inputs of an operation that learns
them (weights.ROLES), each counted once, at its first reader; batch-norm running statistics are
state, apart. MACs: convolutions, Gemm and every MatMul (attention's too), recurrent cells.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

from archcalc.formats.onnx.attributes import int_attribute
from archcalc.formats.onnx.weights import ARITHMETIC_ROLES, FLOATING, Role, Weights
from archcalc.model import Cost

if TYPE_CHECKING:
    from archcalc.formats.onnx.load import Node
    from archcalc.formats.onnx.shapes import Shapes

Dims = Callable[[int], tuple[int, ...]]
"""A node's input by index -> its dimensions (an activation's, or a constant's; () when there is none)."""


def conv_macs(node: Node, output: tuple[int, ...], shape: Dims) -> int:
    return math.prod(output) * math.prod(shape(1)[1:])


def conv_transpose_macs(node: Node, output: tuple[int, ...], shape: Dims) -> int:
    """Each input position spreads over k·filters/groups outputs."""
    return math.prod(shape(0)) * math.prod(shape(1)[1:])


def gemm_macs(node: Node, output: tuple[int, ...], shape: Dims) -> int:
    first = shape(0)
    inner = (first[0] if int_attribute(node, "transA", 0) else first[-1]) if first else 0
    return math.prod(output) * inner


def matmul_macs(node: Node, output: tuple[int, ...], shape: Dims) -> int:
    first = shape(0)
    return math.prod(output) * (first[-1] if first else 0)


def recurrent_macs(node: Node, output: tuple[int, ...], shape: Dims) -> int:
    sequence = shape(0)
    steps = (sequence[1] if int_attribute(node, "layout", 0) else sequence[0]) if len(sequence) > 1 else 0
    return steps * (math.prod(shape(1)) + math.prod(shape(2)))


MACS: dict[str, Callable[[Node, tuple[int, ...], Dims], int]] = {
    "Conv": conv_macs,
    "ConvTranspose": conv_transpose_macs,
    "Gemm": gemm_macs,
    "MatMul": matmul_macs,
    "LSTM": recurrent_macs,
    "GRU": recurrent_macs,
    "RNN": recurrent_macs,
}
"""The operators that multiply and accumulate, by archcalc's rule; every other operator counts none."""


NORM_OPERATORS = {
    "BatchNormalization", "LayerNormalization", "InstanceNormalization", "GroupNormalization", "RMSNormalization", "SimplifiedLayerNormalization",
}  # fmt: skip
"""Operators whose parameters are a norm's scale, shift and running statistics."""


ROLE_ORDER = (Role.WEIGHT, Role.BIAS, Role.STATE)
"""The roles a stored tensor counts in, in a Cost's order."""


class Costs:
    """Each stored tensor counted once, at the first node that reads it as a parameter, as PyTorch
    counts a tied weight; but a tensor of one repeated value read by a norm or as a bias counts at each
    reader (an exporter merged the copies), and with --untie every reader counts its own copy."""

    def __init__(self, weights: Weights, data: set[str], shapes: Shapes, norm_nodes: AbstractSet[int] = frozenset()) -> None:
        self.weights = weights
        self.data = data
        self.shapes = shapes
        self.norm_nodes = norm_nodes  # ids of nodes that are a norm written out in arithmetic (its Mul by γ, its Add of β)
        self.claimed: set[str] = set()
        self.shared: dict[str, int] = {}  # a stored tensor counted once though read by more nodes -> how many more

    def cost(self, node: Node, absorbed: bool = False) -> Cost:
        """What the file holds for this node and its MACs, from the shapes ONNX infers (batch 1).
        `absorbed`: the node is an Add taken into the MatMul before it, whose constant is a bias."""
        weights = self.weights
        figures = [0, 0, 0]  # weights, biases, state: by Role's order
        for index, name in enumerate(node.input):
            if not name or name in self.data:
                continue
            role = Role.BIAS if absorbed else weights.role(node, index, name, self.shapes)
            if role is None:
                continue
            arithmetic = node.op_type in ARITHMETIC_ROLES and not absorbed
            for source in weights.tables(name) if arithmetic else sorted(weights.sources.get(name, set())):
                if weights.types.get(source) not in FLOATING:
                    continue
                if source in self.claimed and not weights.untie and not self.per_layer(node, role, source):
                    if source not in weights.embeddings or node.op_type not in ("MatMul", "Gemm"):  # not a tied head: said in a note
                        self.shared[source] = self.shared.get(source, 0) + 1
                    continue
                self.claimed.add(source)
                if source not in weights.tied_copies or weights.untie:  # a copy of a table counted where the table is read
                    figures[ROLE_ORDER.index(role)] += weights.sizes[source]
        return Cost(figures[0], figures[1], figures[2], self.macs(node))

    def per_layer(self, node: Node, role: Role, source: str) -> bool:
        """A norm's parameter or a bias, all of one value: each reader has its own (no model ties those)."""
        norm = node.op_type in NORM_OPERATORS or id(node) in self.norm_nodes
        return (norm or role is Role.BIAS) and self.weights.constant_valued(source)

    def macs(self, node: Node) -> int:
        rule = MACS.get(node.op_type)
        if rule is None:
            return 0

        def shape(index: int) -> tuple[int, ...]:
            if len(node.input) <= index or not node.input[index]:
                return ()
            return self.shapes.get(node.input[index]) or self.weights.weight_dims(node.input[index], self.shapes) or ()

        return rule(node, self.shapes.get(node.output[0], ()), shape)
