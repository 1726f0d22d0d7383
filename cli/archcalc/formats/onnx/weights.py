"""The file's constant tensors: initializers, Constant nodes and what is computed from them alone.

Which of them are parameters, and in what role, is said by the operation that reads them (ROLES);
each is traced back to the stored tensors it comes from, so that a weight reached through Identity,
Transpose or DequantizeLinear counts once. Values are read only to tell a single number, an attention
mask, a norm's identity scale and shift, or a tied copy of an embedding's table; external data never.
"""

from __future__ import annotations

import enum
import math
from typing import TYPE_CHECKING, Any

from archcalc.formats.onnx.attributes import float_attribute, ints_attribute
from archcalc.formats.onnx.load import ELEMENT_BYTES

if TYPE_CHECKING:
    from onnx import GraphProto, ModelProto, TensorProto

    from archcalc.formats.onnx.load import Node
    from archcalc.formats.onnx.shapes import Shapes


class Role(enum.Enum):
    """What a constant input is to the operation that reads it."""

    WEIGHT = "weight"
    BIAS = "bias"
    STATE = "state"  # not trained: batch-norm running statistics


ROLES: dict[str, dict[int, Role]] = {
    "Conv": {1: Role.WEIGHT, 2: Role.BIAS},
    "ConvTranspose": {1: Role.WEIGHT, 2: Role.BIAS},
    "Gemm": {0: Role.WEIGHT, 1: Role.WEIGHT, 2: Role.BIAS},
    "MatMul": {0: Role.WEIGHT, 1: Role.WEIGHT},
    "BatchNormalization": {1: Role.WEIGHT, 2: Role.BIAS, 3: Role.STATE, 4: Role.STATE},
    "LayerNormalization": {1: Role.WEIGHT, 2: Role.BIAS},
    "InstanceNormalization": {1: Role.WEIGHT, 2: Role.BIAS},
    "GroupNormalization": {1: Role.WEIGHT, 2: Role.BIAS},
    "RMSNormalization": {1: Role.WEIGHT},
    "SimplifiedLayerNormalization": {1: Role.WEIGHT},
    "LSTM": {1: Role.WEIGHT, 2: Role.WEIGHT, 3: Role.BIAS, 7: Role.WEIGHT},  # 7: peepholes
    "GRU": {1: Role.WEIGHT, 2: Role.WEIGHT, 3: Role.BIAS},
    "RNN": {1: Role.WEIGHT, 2: Role.WEIGHT, 3: Role.BIAS},
    "Gather": {0: Role.WEIGHT},  # an embedding table
    "PRelu": {1: Role.WEIGHT},
}
"""Constant inputs that are parameters, by operator and input index. Element-wise arithmetic (below)
counts constants of more than one value: a learned table added (a bias, a position embedding) or
multiplied in; a single value there is a literal of the model's code (a scale of 1/√d, GELU's 0.5)."""

ARITHMETIC_ROLES = {"Add": Role.BIAS, "Sub": Role.BIAS, "Mul": Role.WEIGHT, "Div": Role.WEIGHT, "Concat": Role.WEIGHT}

AFFINE_NORMS = {"InstanceNormalization", "GroupNormalization"}
"""Norms whose scale and shift are inputs the operator requires: an exporter writes 1 and 0 for a norm without them."""

SHAPE_OPERATORS = {"Shape", "Size"}
"""Operators whose output describes a tensor's shape, not its values: what follows from them is a constant."""

FLOATING = {1, 10, 11, 16}  # TensorProto FLOAT, FLOAT16, DOUBLE, BFLOAT16
"""Element types of parameters; integer constants are indices, shapes and axes."""

INTEGERS = {6, 7}  # TensorProto INT32, INT64: a Slice's bounds, a Pad's pads, a Reduce's axes

NUMBERS = set(ELEMENT_BYTES)
"""Element types read as a single number (a Clip's bound, an index): not text, not complex numbers."""

MASKED = -1e4
"""At or below it, a value added to attention's scores masks a position out (PyTorch writes -inf or the float's lowest)."""

MAX_MASK_VALUES = 2**24
"""The largest constant whose values are read to tell a mask from a table (a 4,096-token causal mask)."""

MAX_TIE_VALUES = 2**26
"""The largest embedding table compared with a head's weight to find a tie (GPT-2's is 38.6M values)."""

MAX_AFFINE_VALUES = 2**20
"""The largest scale or shift whose values are read to tell an identity (all 1, all 0) from a learned one."""


class Weights:
    """One model's constant tensors, by the names nodes read them by."""

    def __init__(self, model: ModelProto, nodes: list[Node], untie: bool = False) -> None:
        graph: GraphProto = model.graph
        self.model = model
        self.nodes = nodes
        self.untie = untie  # every reader of a stored tensor counts its own copy (--untie): no ties
        self.constants: dict[str, TensorProto | None] = {tensor.name: tensor for tensor in graph.initializer}  # None: computed
        self.sources: dict[str, set[str]] = {tensor.name: {tensor.name} for tensor in graph.initializer}  # the stored tensors each comes from
        self.sizes: dict[str, int] = {tensor.name: math.prod(tensor.dims) for tensor in graph.initializer}
        self.types: dict[str, int] = {tensor.name: tensor.data_type for tensor in graph.initializer}
        self.tied_copies: dict[str, str] = {}  # a stored transposed copy of an embedding's table -> the table
        self.embeddings: dict[str, str] = {}  # each embedding's table (a stored tensor) -> the embedding layer's name
        self.folded_values: dict[str, Any] | None = None  # small integer tensors worked out from constants, when asked
        self.constant: dict[str, bool] = {}  # stored tensors whose values were read to tell whether all are equal

    def classify(self, input_name: str) -> set[str]:
        """Which tensors are activations (data); the rest are constants, whose source initializers are
        tracked so that a weight reached through Identity, Transpose or DequantizeLinear counts once."""
        data = {input_name}
        for node in self.nodes:
            if node.op_type == "Constant":
                for attribute in node.attribute:
                    if attribute.HasField("t"):
                        tensor = attribute.t
                        self.constants[node.output[0]] = tensor
                        self.sources[node.output[0]] = {node.output[0]}
                        self.sizes[node.output[0]] = math.prod(tensor.dims)
                        self.types[node.output[0]] = tensor.data_type
                continue
            if node.op_type not in SHAPE_OPERATORS and any(name in data for name in node.input):
                data.update(name for name in node.output if name)
                continue
            # a shape says nothing of the values it was taken from: the zeros of an initial state are not a weight's
            derived = set() if node.op_type in SHAPE_OPERATORS else set().union(*(self.sources.get(name, set()) for name in node.input if name))
            for output in node.output:
                if output:
                    self.constants.setdefault(output, None)
                    self.sources[output] = derived
        return data

    def find_tied_copies(self, data: set[str]) -> None:
        """Stored weights that are an embedding's table transposed, value for value: exporters fold a tied
        head's `Transpose` of the table into a second tensor, which PyTorch counts once."""
        import numpy as np  # lazy: numpy comes with onnx, and only an ONNX file needs it
        import onnx.numpy_helper

        tables = [  # by the names nodes read them by (a Constant node's tensor may carry another name, or none)
            node.input[0]
            for node in self.nodes
            if node.op_type == "Gather" and len(node.input) == 2 and node.input[1] in data and self.constants.get(node.input[0]) is not None
        ]
        for node in self.nodes:
            if node.op_type != "MatMul" or len(node.input) != 2 or node.input[0] not in data:
                continue
            name, weight = node.input[1], self.constants.get(node.input[1])
            for table_name in tables:
                table = self.constants[table_name]
                if table is None or weight is None or name == table_name or len(table.dims) != 2 or list(weight.dims) != list(reversed(table.dims)):
                    continue
                if (
                    weight.data_type != table.data_type
                    or table.data_type not in FLOATING
                    or weight.data_location == 1
                    or table.data_location == 1
                    or self.sizes[table_name] > MAX_TIE_VALUES
                ):
                    continue  # external data is never read
                if np.array_equal(onnx.numpy_helper.to_array(weight), onnx.numpy_helper.to_array(table).T):
                    self.tied_copies[name] = table_name

    def role(self, node: Node, index: int, name: str, shapes: Shapes) -> Role | None:
        """What the constant input `name` (the node's input `index`) is to the node, or None: not a parameter."""
        if node.op_type in AFFINE_NORMS and index in (1, 2) and self.unlearned_affine(node):
            return None  # a scale of 1 and a shift of 0: the exporter's literals for a norm without affine parameters
        role = ROLES.get(node.op_type, {}).get(index)
        if role is not None:
            return role
        arithmetic = ARITHMETIC_ROLES.get(node.op_type)
        dims, tables = self.weight_dims(name, shapes), self.tables(name)
        if arithmetic is None or not tables or (dims is not None and math.prod(dims) == 1):
            return None  # one value: a literal, even one computed from tables (a mean)
        if arithmetic is Role.BIAS and self.is_mask(tables):
            return None  # a causal mask added to attention's scores
        dims = dims or ()
        if arithmetic is Role.BIAS and len([size for size in dims if size > 1]) > 1:
            return Role.WEIGHT  # a table added (a position embedding), not a bias broadcast over positions
        return arithmetic

    def tables(self, name: str) -> list[str]:
        """The stored floating-point tensors of more than one value a constant input is computed from: a
        single value (a scale of 1/√d, GELU's 0.5, the -inf of a mask) is a literal of the model's code."""
        return sorted(source for source in self.sources.get(name, set()) if self.types.get(source) in FLOATING and self.sizes.get(source, 0) > 1)

    def stored_values(self, name: str) -> int:
        return sum(self.sizes[source] for source in self.tables(name))

    def is_mask(self, tables: list[str]) -> bool:
        """An attention mask stored as numbers: nothing but 0 and large negatives (-inf, or the float's
        lowest value), which no learned table holds. Its values are read to tell (never external data)."""
        import numpy as np  # lazy: numpy comes with onnx, and only an ONNX file needs it
        import onnx.numpy_helper

        for source in tables:
            tensor = self.constants.get(source)
            if tensor is None or tensor.data_location == 1 or self.sizes[source] > MAX_MASK_VALUES:
                return False
            values = onnx.numpy_helper.to_array(tensor)
            masked = values <= MASKED
            if not np.all((values == 0) | masked) or not np.any(masked):
                return False
        return True

    def weight_dims(self, name: str, shapes: Shapes) -> tuple[int, ...] | None:
        """A constant input's dimensions: a stored tensor's own, or what inference says of a derived one."""
        tensor = self.constants.get(name)
        if tensor is not None:
            return tuple(tensor.dims)
        return shapes.get(name) if name in self.constants else None

    def tie(self, weight: str) -> str | None:
        """The embedding whose table this weight is (through a Transpose, or a stored transposed copy);
        None with --untie, where each reader counts its own copy."""
        if self.untie:
            return None
        for source in self.sources.get(weight, set()):
            table = self.tied_copies.get(source, source)
            if table in self.embeddings:
                return self.embeddings[table]
        return None

    def constant_valued(self, source: str) -> bool:
        """A stored tensor whose values are all equal (the ones and zeros of an untrained norm, a zero
        bias): an exporter merges every tensor of those values into one, which no model means as a tie."""
        if source not in self.constant:
            values = self.held(source, MAX_AFFINE_VALUES, FLOATING)
            self.constant[source] = values is not None and values.size > 0 and bool((values == values.reshape(-1)[0]).all())
        return self.constant[source]

    def held(self, name: str, most: int, types: set[int]) -> Any:
        """A constant's values as a numpy array, when the file stores it itself (external data is never
        read), of one of these element `types`, with at most `most` values; else None."""
        tensor = self.constants.get(name)
        if tensor is None or tensor.data_type not in types or tensor.data_location == 1 or math.prod(tensor.dims) > most:
            return None
        import onnx.numpy_helper  # lazy: onnx is an extra

        return onnx.numpy_helper.to_array(tensor)

    def integers(self, name: str, shapes: Shapes) -> tuple[int, ...] | None:
        """A constant integer input's values (a Slice's bounds, a Pad's pads): stored, or worked out from
        stored constants and the known shapes by folding.py's shape arithmetic."""
        stored = self.held(name, 64, INTEGERS)
        if stored is not None:
            return tuple(int(value) for value in stored.reshape(-1))
        if name not in self.constants:
            return None
        if self.folded_values is None:
            from archcalc.formats.onnx.folding import folded_values  # lazy: asked for by few models

            self.folded_values = folded_values(self.model, self.nodes, shapes)
        values = self.folded_values.get(name)
        return None if values is None or values.dtype.kind not in "iu" or values.size > 64 else tuple(int(value) for value in values.reshape(-1))

    def floats(self, name: str) -> tuple[float, ...] | None:
        """A stored constant's few floating-point values (Resize's scales)."""
        values = self.held(name, 8, FLOATING)
        return None if values is None else tuple(float(value) for value in values.reshape(-1))

    def scalar(self, name: str) -> float | None:
        values = self.held(name, 1, NUMBERS)
        return None if values is None or values.size != 1 else float(values.reshape(-1)[0])  # one value: cheap, and read only as a number

    def literal(self, name: str) -> bool:
        """Computed from single values alone: no table."""
        return not self.tables(name)

    def unlearned_affine(self, node: Node) -> bool:
        """An instance or group norm whose scale is all 1 and shift all 0, as exporters write a norm
        without affine parameters (PyTorch's InstanceNorm default, and inside a GroupNorm)."""
        if len(node.input) < 3:
            return False
        import numpy as np  # lazy: numpy comes with onnx, and only an ONNX file needs it
        import onnx.numpy_helper

        for name, identity in ((node.input[1], 1.0), (node.input[2], 0.0)):
            tensor = self.constants.get(name)
            if tensor is None or tensor.data_type not in FLOATING or tensor.data_location == 1 or math.prod(tensor.dims) > MAX_AFFINE_VALUES:
                return False
            if not np.all(onnx.numpy_helper.to_array(tensor) == identity):
                return False
        return True

    def reduced_axes(self, node: Node, rank: int) -> tuple[int, ...] | None:
        """The axes a Reduce node reduces, from its attribute (before opset 18) or its constant input."""
        axes = ints_attribute(node, "axes")
        if axes is None and len(node.input) > 1 and node.input[1]:
            values = self.held(node.input[1], 8, INTEGERS)
            if values is None or values.ndim != 1:
                return None
            axes = tuple(int(axis) for axis in values)
        return None if axes is None or rank < 1 else tuple(sorted(axis % rank for axis in axes))

    def clip_range(self, node: Node) -> tuple[float, float] | None:
        """A Clip's bounds: its constant inputs (opset 11 on), or its attributes."""
        if len(node.input) >= 3:
            bounds = [self.scalar(name) for name in node.input[1:3]]
            return (bounds[0], bounds[1]) if bounds[0] is not None and bounds[1] is not None else None
        return float_attribute(node, "min", -math.inf), float_attribute(node, "max", math.inf)
