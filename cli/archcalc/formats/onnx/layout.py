"""Where each tensor keeps its channels: ONNX's convolutions read [N, C, ...], archcalc's kinds read
channels last with no batch axis, so the reader follows each tensor's layout through the graph."""

from __future__ import annotations

import enum
import math
from typing import TYPE_CHECKING

from archcalc.formats.onnx.attributes import ints_attribute
from archcalc.model import Shape

if TYPE_CHECKING:
    from archcalc.formats.onnx.load import Node

ACTIVATIONS = {
    "Relu": "relu",
    "LeakyRelu": "leaky_relu",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "Gelu": "gelu",
    "HardSwish": "hardswish",
    "HardSigmoid": "hardsigmoid",
}
"""Element-wise activations, by the name archcalc's activation gives each: they keep the layout they read."""
CHANNELS_FIRST_OPERATORS = {
    "Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool",
    "BatchNormalization", "InstanceNormalization", "GroupNormalization", "Resize", "Upsample",
}  # fmt: skip
FEATURES_LAST_OPERATORS = {"MatMul", "Gemm", "LayerNormalization", "Gather", "LSTM", "GRU", "RNN", "Einsum"}
KEEPS_LAYOUT = {"Add", "Sub", "Mul", "Div", "Clip", "Concat", "Softmax", "Identity", "Dropout", "Erf", "Pow", "Sqrt", "Neg", "Abs", "Exp", "Log"}


class Layout(enum.Enum):
    """Where a tensor keeps its channels, once the batch axis is dropped."""

    FIRST = "first"  # NCHW, as convolutions read: archcalc moves the channels last
    LAST = "last"  # features last: sequences [N, L, D], or a flat [N, F]


def input_layout(rank: int, first_reader: Node | None) -> Layout:
    """The model input's layout: images are channels first; a [N, C, L] read by a convolution too."""
    if rank >= 4:
        return Layout.FIRST
    if rank == 3 and first_reader is not None and first_reader.op_type in CHANNELS_FIRST_OPERATORS:
        return Layout.FIRST
    return Layout.LAST


def layout_after(node: Node, incoming: Layout, in_dims: tuple[int, ...], out_dims: tuple[int, ...]) -> Layout:
    """The layout of a node's output, given its first input's."""
    rank = len(out_dims)
    if node.op_type in CHANNELS_FIRST_OPERATORS:
        return Layout.FIRST
    if node.op_type == "Transpose":
        moved = layout_transpose(ints_attribute(node, "perm"), rank)
        if moved is not None and moved[0] is incoming:
            return moved[1]
        return Layout.LAST
    if node.op_type in ("Flatten", "Reshape") and incoming is Layout.FIRST and positions_merged(in_dims, out_dims):
        return Layout.FIRST  # [N, C, H·W]: the spatial axes as one
    if node.op_type in KEEPS_LAYOUT or node.op_type in ACTIVATIONS:
        return incoming if rank >= 3 else Layout.LAST
    if node.op_type in FEATURES_LAST_OPERATORS:
        return Layout.LAST
    return Layout.FIRST if rank >= 4 else Layout.LAST


def layout_transpose(perm: tuple[int, ...] | None, rank: int) -> tuple[Layout, Layout] | None:
    """A transpose that only moves the channels between axis 1 and the last: (from, to) layouts."""
    if perm is None or rank < 3:
        return None
    if perm == (0, *range(2, rank), 1):
        return Layout.FIRST, Layout.LAST
    if perm == (0, rank - 1, *range(1, rank - 1)):
        return Layout.LAST, Layout.FIRST
    return None


def positions_merged(in_dims: tuple[int, ...], out_dims: tuple[int, ...]) -> bool:
    """[1, C, H, W] -> [1, C, H·W]: the positions become one axis, as a vision transformer's tokens."""
    return len(in_dims) >= 4 and out_dims == (*in_dims[:2], math.prod(in_dims[2:]))


def dropped(dims: tuple[int, ...], layout: Layout) -> Shape:
    """ONNX's [1, C, H, W] -> archcalc's (H, W, C); [1, L, D] -> (L, D); [1, F] -> (F,)."""
    shape = dims[1:]
    if layout is Layout.FIRST and len(shape) >= 2:
        return (*shape[1:], shape[0])
    return shape


def channels(dims: tuple[int, ...]) -> int:
    """The channels of a tensor [N, C, ...] (0 for one of fewer axes, which a note then counts as none)."""
    return dims[1] if len(dims) > 1 else 0
