"""ONNX files -> a `Spec`: archcalc's kinds recognised from the graph's operators, the rest counted.

`onnx` is imported here alone, and only when an ONNX file is read (`pip install 'archcalc[onnx]'`).
Nothing in the file is executed: the graph is read as data, and shapes come from ONNX's own shape
inference, with the exporter's shape arithmetic folded where it stops (onnx_folding). Weights are not
loaded: a tensor's dimensions say how many values it holds, and its stored bytes are only measured, to
refuse a file that declares more than it holds; values are read only to tell a single number, an
attention mask or a tied copy of an embedding's table. External data is accepted only inside the
model's folder, and is never read. Attention, recurrent layers and norms written out in arithmetic
are found as blocks of nodes (onnx_blocks).

Figures: parameters are the floating-point tensors the file holds (initializers and Constant nodes,
through any constant-only operations) in the inputs of an operation that learns them (ROLES below);
batch-norm running statistics are state, apart. MACs follow archcalc's rule: convolutions, Gemm and
every MatMul (attention's too), recurrent cells. Shapes drop the batch axis and put channels last.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archcalc.errors import Origin, SpecError
from archcalc.formats.graph.nesting import Graph, Join, Operation, dependency_order, nest
from archcalc.kinds.attention import Attention
from archcalc.kinds.conv import Conv, Depthwise
from archcalc.kinds.dense import Dense
from archcalc.kinds.elementwise import Activation
from archcalc.kinds.embedding import ClassToken, Embedding, PositionEmbedding, Take, Tokens
from archcalc.kinds.norm import BatchNorm, GroupNorm, InstanceNorm, LayerNorm, RMSNorm
from archcalc.kinds.pool import AdaptivePool, GlobalPool, Pool, PoolMode
from archcalc.kinds.recurrent import GRU, LSTM, RNN, Recurrent
from archcalc.kinds.reshape import Flatten
from archcalc.kinds.upsampling import ConvTranspose, PixelShuffle, Upsample
from archcalc.model import Cost, Layer, Padding, PerAxis, Shape, Spec, total_cost
from archcalc.quantities import whole_number

if TYPE_CHECKING:
    from onnx import ModelProto, NodeProto, TensorProto

    from archcalc.formats.onnx.blocks import Block

MAX_ONNX_BYTES = 2**31 - 1
"""Protobuf's own limit for one message: larger models keep their weights in external data files."""

OLDEST_OPSET = 7
"""The oldest ai.onnx opset read: older ones spell convolutions' and pools' attributes differently."""

ONNX_EXTRA = "pip install 'archcalc[onnx]'"


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

FLOATING = {1, 10, 11, 16}  # TensorProto FLOAT, FLOAT16, DOUBLE, BFLOAT16
"""Element types of parameters; integer constants are indices, shapes and axes."""

INTEGERS = {6, 7}  # TensorProto INT32, INT64: a Slice's bounds, a Pad's pads, a Reduce's axes

MASKED = -1e4
"""At or below it, a value added to attention's scores masks a position out (PyTorch writes -inf or the float's lowest)."""

MAX_MASK_VALUES = 2**24
"""The largest constant whose values are read to tell a mask from a table (a 4,096-token causal mask)."""

MAX_TIE_VALUES = 2**26
"""The largest embedding table compared with a head's weight to find a tie (GPT-2's is 38.6M values)."""

ELEMENT_BYTES = {1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2}
"""Bytes per element of each TensorProto type whose size is fixed, to check stored data against dimensions."""

NUMBERS = set(ELEMENT_BYTES)
"""Element types read as a single number (a Clip's bound, an index): not text, not complex numbers."""

ACTIVATIONS = {
    "Relu": "relu",
    "LeakyRelu": "leaky_relu",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "Gelu": "gelu",
    "HardSwish": "hardswish",
    "HardSigmoid": "hardsigmoid",
}
RECURRENT_KINDS: dict[str, type[Recurrent]] = {"lstm": LSTM, "gru": GRU, "rnn": RNN}
INTERPOLATIONS = {"nearest": {1: "nearest", 2: "nearest", 3: "nearest"}, "linear": {1: "linear", 2: "bilinear", 3: "trilinear"}, "cubic": {2: "bicubic"}}
"""Resize's modes as upsample writes them, by the number of spatial axes (Upsample-7 also wrote `bilinear`)."""

AFFINE_NORMS = {"InstanceNormalization", "GroupNormalization"}
"""Norms whose scale and shift are inputs the operator requires: an exporter writes 1 and 0 for a norm without them."""

MAX_AFFINE_VALUES = 2**20
"""The largest scale or shift whose values are read to tell an identity (all 1, all 0) from a learned one."""
COUNTS = {"group", "num_groups", "blocksize", "hidden_size", "kernel_shape", "strides", "dilations"}
"""Attributes that count (groups, a window's size and steps, a block's side, a hidden state's width):
positive whole numbers by ONNX's operators, which its checker leaves to the runtime (a Conv of group 0)."""

WINDOW_OPERATORS = {"Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool"}
"""Their `pads` and `output_padding` add positions: never negative (a Pad's may be: they cut)."""

SHAPE_OPERATORS = {"Shape", "Size"}
"""Operators whose output describes a tensor's shape, not its values: what follows from them is a constant."""


class Layout(enum.Enum):
    """Where a tensor keeps its channels, once the batch axis is dropped."""

    FIRST = "first"  # NCHW, as convolutions read: archcalc moves the channels last
    LAST = "last"  # features last: sequences [N, L, D], or a flat [N, F]


def read_onnx(data: bytes, source: str, path: Path | None, name: str) -> Spec:
    """An ONNX file's bytes (read from `path`, or None for standard input) -> Spec; every problem a
    SpecError naming `source`."""
    onnx = _import_onnx(source)
    origin = Origin(source)
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except Exception as error:  # protobuf's DecodeError, or a RuntimeError from its C++ parser
        raise SpecError(f"not a readable ONNX file ({type(error).__name__}: the protobuf does not parse; truncated?)", origin) from None
    _check_header(model, origin)
    _topological(list(model.graph.node), {tensor.name for tensor in model.graph.initializer} | {value.name for value in model.graph.input}, origin)
    external = _check_stored_data(model, None if path is None else path.parent, origin)
    try:  # with external data, the checker must find the files beside the model, so it reads the model from there
        onnx.checker.check_model(str(path) if external and path is not None else model)
    except Exception as error:  # onnx.checker.ValidationError, or a C++ error surfaced as RuntimeError
        raise SpecError(f"not a valid ONNX model: {_first_line(error)}", origin) from None
    _check_counts(model.graph.node, origin)
    return _Reader(model, origin, onnx).spec(name)


def _import_onnx(source: str) -> Any:
    try:
        import onnx
    except ImportError:
        raise SpecError(f"{source} is an ONNX file, and reading one needs the onnx package", hint=ONNX_EXTRA) from None
    return onnx


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__


def _check_header(model: ModelProto, origin: Origin) -> None:
    import onnx.defs

    if not model.HasField("graph") or not model.graph.node:
        raise SpecError("the ONNX file holds no graph (truncated?)", origin)
    if model.ir_version < 3:
        raise SpecError(f"ONNX IR version {model.ir_version} is too old; archcalc reads IR version 3 and later", origin)
    versions = [entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx")]
    if not versions:
        raise SpecError("the ONNX file declares no ai.onnx opset", origin)
    newest = onnx.defs.onnx_opset_version()
    if not OLDEST_OPSET <= versions[0] <= newest:
        raise SpecError(f"opset {versions[0]} is not one archcalc reads", origin, None, f"archcalc reads ai.onnx opsets {OLDEST_OPSET} to {newest}")


def _check_counts(nodes: Iterable[NodeProto], origin: Origin) -> None:
    """Counting attributes are positive, a window's padding is not negative: the readers' one rule for a
    count, so that nothing here divides by a group of 0 or slides a window of no width."""
    for node in nodes:
        if node.domain not in ("", "ai.onnx"):
            continue  # another domain's attributes mean what it says
        for attribute in node.attribute:
            minimum = 1 if attribute.name in COUNTS else 0 if attribute.name in ("pads", "output_padding") and node.op_type in WINDOW_OPERATORS else None
            if minimum is None:
                continue
            one = attribute.type == attribute.INT
            values = [attribute.i] if one else list(attribute.ints)
            if any(value < minimum for value in values):
                kind = "positive" if minimum else "non-negative"
                rule = f"a {kind} whole number, got {values[0]}" if one else f"{kind} whole numbers, got {values}"
                raise SpecError(f"node '{node.name}' ({node.op_type}): '{attribute.name}' must be {rule}", origin)


def _stored_tensors(model: ModelProto) -> Iterator[TensorProto]:
    """Every tensor the file stores: initializers, and the values of Constant nodes (top-level graph)."""
    yield from model.graph.initializer
    for node in model.graph.node:
        for attribute in node.attribute:
            if attribute.HasField("t"):
                yield attribute.t


def _check_stored_data(model: ModelProto, folder: Path | None, origin: Origin) -> bool:
    """A tensor's figures come from its dimensions: refuse one that holds fewer bytes than it declares,
    and external data outside the model's folder (read from standard input, there is no folder).
    True when some tensor keeps its data in an external file."""
    external = False
    for tensor in _stored_tensors(model):
        declared = math.prod(tensor.dims)
        if any(size < 0 for size in tensor.dims):
            raise SpecError(f"tensor '{tensor.name}' declares a negative dimension {list(tensor.dims)}", origin)
        if tensor.data_location == 1:  # TensorProto.EXTERNAL
            _check_external(tensor, declared, folder, origin)
            external = True
            continue
        held = _values_held(tensor)
        if held is not None and held != declared:
            raise SpecError(f"tensor '{tensor.name}' declares {declared:,} values {list(tensor.dims)} but holds {held:,} (a truncated or forged file)", origin)
    return external


def _values_held(tensor: TensorProto) -> int | None:
    size = ELEMENT_BYTES.get(tensor.data_type)
    if tensor.raw_data:
        return len(tensor.raw_data) // size if size else None
    for field in ("float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data"):
        values = len(getattr(tensor, field))
        if values:
            return values // 2 if tensor.data_type in (14, 15) else values  # complex: two numbers a value
    return 0 if size else None


def _check_external(tensor: TensorProto, declared: int, folder: Path | None, origin: Origin) -> None:
    entries = {entry.key: entry.value for entry in tensor.external_data}
    location = entries.get("location", "")
    if folder is None:
        raise SpecError(f"tensor '{tensor.name}' keeps its data in an external file, which a model read from standard input cannot", origin)
    target = (folder / location).resolve()
    root = folder.resolve()
    if not location or Path(location).is_absolute() or root not in target.parents:
        raise SpecError(f"tensor '{tensor.name}' points at external data outside the model's folder ({location!r}); archcalc refuses it", origin)
    try:
        offset = whole_number(entries.get("offset") or "0")
    except ValueError as error:
        raise SpecError(f"tensor '{tensor.name}': the offset of its external data: {error}", origin) from None
    if offset < 0:
        raise SpecError(f"tensor '{tensor.name}' keeps its data at offset {offset} of {location}, before the file's start", origin)
    needed = offset + declared * ELEMENT_BYTES.get(tensor.data_type, 1)
    try:
        size = target.stat().st_size
    except OSError:
        raise SpecError(f"tensor '{tensor.name}' keeps its data in {location}, which is not there", origin) from None
    if size < needed:
        raise SpecError(f"tensor '{tensor.name}' needs {needed:,} bytes of {location}, which holds {size:,}", origin)


class _Reader:
    """One model's graph, classified and converted."""

    def __init__(self, model: ModelProto, origin: Origin, onnx: Any) -> None:
        self.model = model
        self.origin = origin
        self.onnx = onnx
        graph = model.graph
        self.constants: dict[str, TensorProto | None] = {tensor.name: tensor for tensor in graph.initializer}
        self.sources: dict[str, set[str]] = {tensor.name: {tensor.name} for tensor in graph.initializer}
        self.sizes: dict[str, int] = {tensor.name: math.prod(tensor.dims) for tensor in graph.initializer}
        self.types: dict[str, int] = {tensor.name: tensor.data_type for tensor in graph.initializer}
        inputs = [value for value in graph.input if value.name not in self.constants]
        if len(inputs) != 1:
            names = ", ".join(value.name for value in inputs) or "none"
            raise SpecError(f"archcalc reads models with one input; this one has {len(inputs)} ({names})", origin)
        if len(graph.output) != 1:
            names = ", ".join(value.name for value in graph.output)
            raise SpecError(f"archcalc reads models with one output; this one has {len(graph.output)} ({names})", origin)
        self.input = inputs[0]
        self.output = graph.output[0].name
        self.nodes = _topological(list(graph.node), set(self.constants) | {self.input.name}, origin)
        self.claimed: set[str] = set()
        self.folded: list[int] = []  # the filters of each convolution a batch norm was folded into
        self.embeddings: dict[str, str] = {}  # each embedding's table (a stored tensor) -> the embedding layer's name
        self.tied_copies: dict[str, str] = {}  # a stored transposed copy of an embedding's table -> the table
        self.opset = next(entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx"))
        self.unlearned_norms: list[tuple[str, int]] = []  # norms whose scale and shift are 1 and 0: (name, channels)
        self.folded_values: dict[str, Any] | None = None  # small integer tensors worked out from constants, when asked

    def spec(self, name: str) -> Spec:
        self._fix_batch()
        shapes = self.shapes = self._inferred_shapes()
        data = self._classify()
        self.tied_copies = self._tied_copies(data)
        operations = list(self._operations(data, shapes))
        input_shape = _dropped(shapes[self.input.name], self.layouts[self.input.name])
        graph = Graph(self.input.name, input_shape, self.output, tuple(operations))
        file_total = Cost()
        for operation in operations:
            file_total = file_total + operation.cost
        layers = nest(graph, self.origin)
        producer = " ".join(part for part in (self.model.producer_name, self.model.producer_version) if part) or "an unnamed exporter"
        description = f"exported by {producer}, opset {self.opset}"
        spec = Spec(name, input_shape, layers, self.origin, description, notes=tuple(self._notes(file_total)), from_model=True)
        _check_reading(spec, file_total, graph.operations[-1].output_shape if operations else input_shape, self.origin)
        return spec

    def _fix_batch(self) -> None:
        """The batch axis: a symbolic one becomes 1; a fixed one must be 1 (figures are per sample)."""
        dims = self.input.type.tensor_type.shape.dim
        if not self.input.type.tensor_type.HasField("shape") or len(dims) < 2:
            raise SpecError(f"the input '{self.input.name}' has no batch axis and shape; archcalc needs [batch, ...] with fixed sizes", self.origin)
        batch = dims[0]
        if batch.HasField("dim_value") and batch.dim_value not in (0, 1):
            raise SpecError(f"the input '{self.input.name}' has a batch of {batch.dim_value}; archcalc reads models exported with batch 1", self.origin)
        batch.dim_value = 1
        for axis, dim in enumerate(dims[1:], start=1):
            if not dim.HasField("dim_value") or dim.dim_value < 1:
                written = dim.dim_param or "unknown"
                raise SpecError(
                    f"axis {axis} of the input '{self.input.name}' has no fixed size ({written})",
                    self.origin,
                    None,
                    "export with a fixed input shape (torch.onnx.export without dynamic axes other than the batch)",
                )

    def _inferred_shapes(self) -> dict[str, tuple[int, ...]]:
        from archcalc.formats.onnx.folding import inferred_shapes
        from archcalc.formats.onnx.isolated import Aborted

        try:
            return inferred_shapes(self.model, self.nodes)
        except Aborted as error:
            hint = "it does so where a size comes out negative, as for a window larger than its input (onnx/onnx#8481)"
            raise SpecError(f"ONNX shape inference aborts on this model ({error})", self.origin, None, hint) from None
        except Exception as error:  # onnx.shape_inference.InferenceError, or a C++ error
            raise SpecError(f"ONNX shape inference fails on this model: {_first_line(error)}", self.origin) from None

    def _classify(self) -> set[str]:
        """Which tensors are activations (data); the rest are constants, whose source initializers are
        tracked so that a weight reached through Identity, Transpose or DequantizeLinear counts once."""
        data = {self.input.name}
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

    def _operations(self, data: set[str], shapes: dict[str, tuple[int, ...]]) -> Iterator[Operation]:
        """Each operation on activations, in order, with what the file holds for it and its layer."""
        self.layouts: dict[str, Layout] = {self.input.name: self._input_layout(data, shapes)}
        fused: set[int] = set()  # nodes taken into the operation before them (MatMul + Add is one dense), by id
        readers: dict[str, list[NodeProto]] = {}
        for node in self.nodes:
            for name in dict.fromkeys(node.input):
                readers.setdefault(name, []).append(node)
        live = self._live(data)
        block_of = {id(node): block for block in self._blocks(live, shapes) for node in block.nodes}
        for node in self.nodes:
            if id(node) in fused or node.op_type == "Constant" or not any(name in data for name in node.input):
                continue
            if self._unused(node, live, data, shapes):
                continue
            inputs = tuple(dict.fromkeys(name for name in node.input if name in data))
            for output in (name for name in node.output if name in data):
                if output not in shapes:
                    raise SpecError(f"ONNX shape inference leaves the shape of '{output}' (node '{node.name}', {node.op_type}) unknown", self.origin)
            block = block_of.get(id(node))
            if block is not None:
                if node is block.nodes[-1]:  # the block's nodes read nothing else: it is whole here
                    yield self._block_operation(block, data, shapes)
                continue
            output_name = node.output[0]
            follower = _only_reader(readers, output_name)
            absorbed = follower is not None and id(follower) not in block_of and self._absorbs(node, follower, data, shapes)
            if absorbed and follower is not None:
                fused.add(id(follower))
                output_name = follower.output[0]
            lead = follower if absorbed and follower is not None and node.op_type == "Pad" else node  # a zero Pad is its convolution's padding
            if lead.op_type in ("Conv", "ConvTranspose") and self._was_folded(lead):
                self.folded.append(_channels(shapes.get(lead.output[0], ())))
            if lead.op_type in AFFINE_NORMS and self._unlearned_affine(lead):
                self.unlearned_norms.append((lead.name or output_name, _channels(shapes.get(lead.output[0], ()))))
            layout = self._layout(node, inputs, shapes)
            self.layouts[output_name] = layout
            for name in node.output:
                self.layouts.setdefault(name, layout)
            in_dims = shapes.get(inputs[0], ())
            out_dims = shapes[output_name]
            cost = self._cost(node, data, shapes)
            if absorbed and follower is not None:
                cost = cost + self._cost(follower, data, shapes, absorbed=node.op_type == "MatMul")
            input_shape = _dropped(in_dims, self.layouts[inputs[0]])
            output_shape = _dropped(out_dims, layout)
            join = _join(node, len(inputs), self.layouts[inputs[0]], len(in_dims))
            layer, passes = self._layer(node, follower if absorbed else None, inputs, in_dims, out_dims, shapes) if len(inputs) == 1 else (None, False)
            cut = self._cut(node, in_dims, out_dims) if node.op_type == "Slice" and len(inputs) == 1 and self.layouts[inputs[0]] is Layout.FIRST else None
            yield Operation(
                lead.name or output_name, lead.op_type, inputs, output_name, input_shape, output_shape, cost, layer, join, passes and cost == Cost(), cut
            )

    def _unused(self, node: NodeProto, live: set[str], data: set[str], shapes: dict[str, tuple[int, ...]]) -> bool:
        """Shape, Size, or an operation whose result only a Shape reads: nothing the output is computed
        from, and nothing learned (a node that holds a weight is kept, so its weight is counted)."""
        if any(name in live for name in node.output):
            return False
        return not any(self._role(node, index, name, shapes) for index, name in enumerate(node.input) if name and name not in data)

    def _live(self, data: set[str]) -> set[str]:
        """The activations the model's output is computed from."""
        live = {self.output}
        for node in reversed(self.nodes):
            if any(name in live for name in node.output):
                live.update(name for name in node.input if name in data)
        return live

    def _blocks(self, data: set[str], shapes: dict[str, tuple[int, ...]]) -> list[Block]:
        from archcalc.formats.onnx.blocks import Constants, find_blocks

        constants = Constants(scalar=self._scalar, literal=lambda name: not self._tables(name), reduced_axes=self._reduced_axes)
        return find_blocks(self.nodes, data, shapes, self.output, constants)

    def _block_operation(self, block: Block, data: set[str], shapes: dict[str, tuple[int, ...]]) -> Operation:
        """Attention or a recurrent layer, with its reshaping, as one operation: [1, N, D] in and out."""
        cost = total_cost([self._cost(node, data, shapes) for node in block.nodes])
        layout = self.layouts.get(block.start, Layout.LAST)
        for node in block.nodes:  # the block gives a sequence, or (GELU, a group norm) keeps the layout it read
            for name in node.output:
                self.layouts[name] = layout if block.kind in ("gelu", "groupnorm") else Layout.LAST
        in_dims, out_dims = shapes[block.start], shapes[block.end]
        name = _block_name(block)
        common: dict[str, Any] = {"origin": self.origin, "position": "", "name": name}
        layer: Layer | None = None
        if block.kind == "gelu":
            layout = self.layouts.get(block.start, Layout.LAST)
            layer = Activation(**common, function="gelu")
        elif block.kind == "groupnorm":  # its channels first, as it read them; affine when its scale and shift hold values
            layer = GroupNorm(**common, groups=block.groups, affine=cost.params > 0) if layout is Layout.FIRST else None
        elif layout is Layout.LAST and block.kind in ("layernorm", "rmsnorm"):  # features last: the norm's axis
            layer = LayerNorm(**common, bias=cost.biases > 0) if block.kind == "layernorm" else RMSNorm(**common)
        elif layout is Layout.LAST:  # a sequence [1, N, D] with its features last, as archcalc's kinds read it
            layer = self._attention(block, in_dims, cost, shapes, common) if block.kind == "attention" else self._recurrent(block, common)
        out_layout = self.layouts[block.end]
        return Operation(name, block.kind, (block.start,), block.end, _dropped(in_dims, layout), _dropped(out_dims, out_layout), cost, layer)

    def _attention(self, block: Block, in_dims: tuple[int, ...], cost: Cost, shapes: dict[str, tuple[int, ...]], common: dict[str, Any]) -> Layer | None:
        """Heads and head width from the scores' shape ([.., h, N, M], from queries [.., d]); key/value
        heads from what the projections hold, D·h·d + 2·D·kv·d + h·d·D weights."""
        scores = block.scores
        if scores is None or len(in_dims) != 3:
            return None
        _, tokens, width = in_dims
        score_dims, query_dims = shapes.get(scores.output[0], ()), shapes.get(scores.input[0], ())
        if not score_dims or not query_dims or score_dims[-1] != tokens or min(tokens, width) < 1:
            return None  # keys from elsewhere: not the self-attention of one input
        heads, rest = divmod(math.prod(score_dims), tokens * tokens)
        head = query_dims[-1]
        if rest or heads < 1 or head < 1:
            return None
        kv_heads, rest = divmod(cost.weights - 2 * width * heads * head, 2 * width * head)
        if rest or kv_heads < 1 or heads % kv_heads:
            return None
        return Attention(
            **common, heads=heads, kv_heads=None if kv_heads == heads else kv_heads, head_dim=None if heads * head == width else head, bias=cost.biases > 0
        )

    def _recurrent(self, block: Block, common: dict[str, Any]) -> Layer | None:
        """Stacked recurrent nodes of one size, direction and bias; archcalc's rnn is tanh's."""
        first = block.layers[0]
        hidden, direction = _int(first, "hidden_size", 0), _string(first, "direction", "forward")
        bias = len(first.input) > 3 and bool(first.input[3])
        for node in block.layers:
            if (_int(node, "hidden_size", 0), _string(node, "direction", "forward"), len(node.input) > 3 and bool(node.input[3])) != (hidden, direction, bias):
                return None
            if len(node.input) > 7 and node.input[7]:
                return None  # peepholes: a weight PyTorch's LSTM does not have
            activations = _attribute(node, "activations")
            if node.op_type == "RNN" and activations is not None and any(function != b"Tanh" for function in activations.strings):
                return None
        if hidden < 1 or direction not in ("forward", "bidirectional"):
            return None
        kind = RECURRENT_KINDS[block.kind]
        return kind(**common, hidden=hidden, layers=len(block.layers), bidirectional=direction == "bidirectional", bias=bias, sequences=block.sequences)

    def _tied_copies(self, data: set[str]) -> dict[str, str]:
        """Stored weights that are an embedding's table transposed, value for value: exporters fold a tied
        head's `Transpose` of the table into a second tensor, which PyTorch counts once."""
        import numpy as np
        import onnx.numpy_helper

        tables = [  # by the names nodes read them by (a Constant node's tensor may carry another name, or none)
            node.input[0]
            for node in self.nodes
            if node.op_type == "Gather" and len(node.input) == 2 and node.input[1] in data and self.constants.get(node.input[0]) is not None
        ]
        copies: dict[str, str] = {}
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
                    copies[name] = table_name
        return copies

    def _input_layout(self, data: set[str], shapes: dict[str, tuple[int, ...]]) -> Layout:
        rank = len(shapes.get(self.input.name, ()))
        if rank >= 4:
            return Layout.FIRST
        first = next((node for node in self.nodes if self.input.name in node.input), None)
        if rank == 3 and first is not None and first.op_type in CHANNELS_FIRST_OPERATORS:
            return Layout.FIRST
        return Layout.LAST

    def _layout(self, node: NodeProto, inputs: tuple[str, ...], shapes: dict[str, tuple[int, ...]]) -> Layout:
        incoming = self.layouts.get(inputs[0], Layout.LAST)
        rank = len(shapes.get(node.output[0], ()))
        if node.op_type in CHANNELS_FIRST_OPERATORS:
            return Layout.FIRST
        if node.op_type == "Transpose":
            moved = _layout_transpose(_ints(node, "perm"), rank)
            if moved is not None and moved[0] is incoming:
                return moved[1]
            return Layout.LAST
        if node.op_type in ("Flatten", "Reshape") and incoming is Layout.FIRST and _positions_merged(shapes.get(inputs[0], ()), shapes.get(node.output[0], ())):
            return Layout.FIRST  # [N, C, H·W]: the spatial axes as one
        if node.op_type in KEEPS_LAYOUT or node.op_type in ACTIVATIONS:
            return incoming if rank >= 3 else Layout.LAST
        if node.op_type in FEATURES_LAST_OPERATORS:
            return Layout.LAST
        return Layout.FIRST if rank >= 4 else Layout.LAST

    def _cost(self, node: NodeProto, data: set[str], shapes: dict[str, tuple[int, ...]], absorbed: bool = False) -> Cost:
        """What the file holds for this node (each stored tensor counted once, at its first reader) and
        its MACs by archcalc's rule, from the shapes ONNX infers (batch 1)."""
        figures = {Role.WEIGHT: 0, Role.BIAS: 0, Role.STATE: 0}
        for index, name in enumerate(node.input):
            if not name or name in data:
                continue
            role = Role.BIAS if absorbed else self._role(node, index, name, shapes)
            if role is None:
                continue
            arithmetic = node.op_type in ARITHMETIC_ROLES and not absorbed
            for source in self._tables(name) if arithmetic else sorted(self.sources.get(name, set())):
                if source in self.claimed or self.types.get(source) not in FLOATING:
                    continue
                self.claimed.add(source)
                if source not in self.tied_copies:  # a copy of a table counted where the table is read
                    figures[role] += self.sizes[source]
        return Cost(figures[Role.WEIGHT], figures[Role.BIAS], figures[Role.STATE], self._macs(node, shapes))

    def _role(self, node: NodeProto, index: int, name: str, shapes: dict[str, tuple[int, ...]]) -> Role | None:
        if node.op_type in AFFINE_NORMS and index in (1, 2) and self._unlearned_affine(node):
            return None  # a scale of 1 and a shift of 0: the exporter's literals for a norm without affine parameters
        role = ROLES.get(node.op_type, {}).get(index)
        if role is not None:
            return role
        arithmetic = ARITHMETIC_ROLES.get(node.op_type)
        dims, tables = self._weight_dims(name, shapes), self._tables(name)
        if arithmetic is None or not tables or (dims is not None and math.prod(dims) == 1):
            return None  # one value: a literal, even one computed from tables (a mean)
        if arithmetic is Role.BIAS and self._is_mask(tables):
            return None  # a causal mask added to attention's scores
        dims = dims or ()
        if arithmetic is Role.BIAS and len([size for size in dims if size > 1]) > 1:
            return Role.WEIGHT  # a table added (a position embedding), not a bias broadcast over positions
        return arithmetic

    def _tables(self, name: str) -> list[str]:
        """The stored floating-point tensors of more than one value a constant input is computed from: a
        single value (a scale of 1/√d, GELU's 0.5, the -inf of a mask) is a literal of the model's code."""
        return sorted(source for source in self.sources.get(name, set()) if self.types.get(source) in FLOATING and self.sizes.get(source, 0) > 1)

    def _stored_values(self, name: str) -> int:
        return sum(self.sizes[source] for source in self._tables(name))

    def _is_mask(self, tables: list[str]) -> bool:
        """An attention mask stored as numbers: nothing but 0 and large negatives (-inf, or the float's
        lowest value), which no learned table holds. Its values are read to tell (never external data)."""
        import numpy as np
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

    def _macs(self, node: NodeProto, shapes: dict[str, tuple[int, ...]]) -> int:
        def shape(index: int) -> tuple[int, ...]:
            if len(node.input) <= index or not node.input[index]:
                return ()
            return shapes.get(node.input[index]) or self._weight_dims(node.input[index], shapes) or ()

        output = shapes.get(node.output[0], ())
        match node.op_type:
            case "Conv":
                return math.prod(output) * math.prod(shape(1)[1:])
            case "ConvTranspose":  # each input position spreads over k·filters/groups outputs
                return math.prod(shape(0)) * math.prod(shape(1)[1:])
            case "Gemm":
                first = shape(0)
                inner = (first[0] if _int(node, "transA", 0) else first[-1]) if first else 0
                return math.prod(output) * inner
            case "MatMul":
                first = shape(0)
                return math.prod(output) * (first[-1] if first else 0)
            case "LSTM" | "GRU" | "RNN":
                sequence = shape(0)
                steps = (sequence[1] if _int(node, "layout", 0) else sequence[0]) if len(sequence) > 1 else 0
                return steps * (math.prod(shape(1)) + math.prod(shape(2)))
            case _:
                return 0

    def _absorbs(self, node: NodeProto, follower: NodeProto, data: set[str], shapes: dict[str, tuple[int, ...]]) -> bool:
        """MatMul by a weight, then Add of a bias vector, is one dense layer; a global pool, then
        Flatten to [batch, C], is one global pool; a Pad of zeros on the spatial axes, then a Conv,
        is one convolution with that padding."""
        if node.op_type == "MatMul" and follower.op_type == "Add" and len(node.input) == 2 and node.input[1] not in data:
            constants = [name for name in follower.input if name not in data]
            weight, bias = self._weight_dims(node.input[1], shapes), self._weight_dims(constants[0], shapes) if len(constants) == 1 else None
            return weight is not None and len(weight) == 2 and bias is not None and bias == weight[1:]
        if node.op_type in ("GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceMax") and follower.op_type in ("Flatten", "Reshape", "Squeeze"):
            return len(shapes.get(follower.output[0], ())) == 2
        if node.op_type == "Pad" and follower.op_type == "Conv" and follower.input[0] == node.output[0]:
            return self._zero_padding(node, len(shapes.get(node.output[0], ()))) is not None
        return False

    def _layer(
        self,
        node: NodeProto,
        follower: NodeProto | None,
        inputs: tuple[str, ...],
        in_dims: tuple[int, ...],
        out_dims: tuple[int, ...],
        shapes: dict[str, tuple[int, ...]],
    ) -> tuple[Layer | None, bool]:
        """The archcalc layer for a one-input node (and the node it absorbed), and whether it passes its
        input through unchanged as archcalc shows it. None when no kind describes it: it is counted."""
        common: dict[str, Any] = {"origin": self.origin, "position": "", "name": node.name or None}
        layout = self.layouts[inputs[0]]
        op = node.op_type
        first = layout is Layout.FIRST and len(in_dims) >= 3
        if op == "Conv" and first:
            return self._conv(node, in_dims, shapes, common), False
        if op == "Pad" and follower is not None and first:  # absorbed into the convolution after it
            common["name"] = follower.name or None
            return self._conv(follower, in_dims, shapes, common, self._zero_padding(node, len(in_dims))), False
        if op == "Pad" and first and self._zero_padding(node, len(in_dims)) == ((0,) * (len(in_dims) - 2),) * 2:
            return None, True  # pads nothing
        if op == "ConvTranspose" and first:
            return self._conv_transpose(node, in_dims, out_dims, shapes, common), False
        if op in ("Resize", "Upsample") and first:
            return self._upsample(node, in_dims, out_dims, common), False
        if op == "DepthToSpace" and first and len(in_dims) == 4 and _string(node, "mode", "DCR") == "CRD" and _int(node, "blocksize", 0) >= 1:
            return PixelShuffle(**common, factor=_int(node, "blocksize", 0)), False  # CRD is PyTorch's order; DCR (TensorFlow's) is another
        if op == "InstanceNormalization" and first:
            return InstanceNorm(**common, affine=not self._unlearned_affine(node)), False
        if op == "GroupNormalization" and first and _int(node, "num_groups", 0) >= 1:
            return GroupNorm(**common, groups=_int(node, "num_groups", 0), affine=not self._unlearned_affine(node)), False
        if op in ("MaxPool", "AveragePool") and first:
            return _pool(node, common), False
        if op in ("GlobalAveragePool", "GlobalMaxPool") and first:
            mode = PoolMode.AVG if op == "GlobalAveragePool" else PoolMode.MAX
            if follower is not None and len(out_dims) == 2:
                return GlobalPool(**common, mode=mode), False
            return AdaptivePool(**common, mode=mode, output=(1,)), False
        if op == "BatchNormalization" and (first or len(in_dims) == 2):
            return BatchNorm(**common), False
        if op in ("ReduceMean", "ReduceMax") and first and self._reduced_axes(node, len(in_dims)) == tuple(range(2, len(in_dims))):
            mode = PoolMode.AVG if op == "ReduceMean" else PoolMode.MAX
            if len(out_dims) == 2:
                return GlobalPool(**common, mode=mode), False
            return AdaptivePool(**common, mode=mode, output=(1,)), False
        if op in ACTIVATIONS:
            return Activation(**common, function=ACTIVATIONS[op]), False
        if op == "Clip" and self._clip_range(node) == (0.0, 6.0):
            return Activation(**common, function="relu6"), False
        if op == "Softmax" and (len(in_dims) == 2 or layout is Layout.LAST) and _int(node, "axis", -1) in (-1, len(in_dims) - 1):
            return Activation(**common, function="softmax"), False
        if op in ("Identity", "Dropout"):
            return None, True
        if op == "Transpose":
            moved = _layout_transpose(_ints(node, "perm"), len(in_dims))
            return None, moved is not None and moved[0] is layout
        if op in ("Flatten", "Reshape") and first and len(in_dims) >= 4 and _positions_merged(in_dims, out_dims):
            return Tokens(**common), False
        if op in ("Flatten", "Reshape", "Squeeze") and len(out_dims) == 2:
            return (None, True) if len(in_dims) == 2 else (Flatten(**common), False)
        sequence = layout is Layout.LAST and len(in_dims) == 3
        if sequence and op in ("Concat", "Add", "Gather"):
            return self._sequence_layer(node, inputs[0], in_dims, out_dims, shapes, common), False
        if op == "Gather" and node.input[1:2] == [inputs[0]] and _int(node, "axis", 0) == 0:
            table = self._weight_dims(node.input[0], shapes)
            if table is not None and len(table) == 2:
                common["name"] = node.name or node.output[0]  # a tied dense names it
                for source in self.sources.get(node.input[0], set()):
                    self.embeddings[source] = common["name"]
                return Embedding(**common, vocab=table[0], dim=table[1]), False
        if op == "Gemm" and len(in_dims) == 2 and node.input[0] == inputs[0] and not _int(node, "transA", 0):
            weight = self._weight_dims(node.input[1], shapes)
            if weight is not None and len(weight) == 2 and _float(node, "alpha", 1.0) == 1.0 and _float(node, "beta", 1.0) == 1.0:
                units = weight[0] if _int(node, "transB", 0) else weight[1]
                return Dense(**common, units=units, bias=len(node.input) > 2 and bool(node.input[2]), tie=self._tie(node.input[1])), False
        if op == "MatMul" and (len(in_dims) == 2 or layout is Layout.LAST) and node.input[0] == inputs[0]:
            weight = self._weight_dims(node.input[1], shapes)
            if weight is not None and len(weight) == 2:
                return Dense(**common, units=weight[1], bias=follower is not None, tie=self._tie(node.input[1])), False
        last_axis = _int(node, "axis", -1) in (-1, len(in_dims) - 1)
        if op == "LayerNormalization" and (len(in_dims) == 2 or layout is Layout.LAST) and last_axis:
            return LayerNorm(**common, bias=len(node.input) > 2 and bool(node.input[2])), False
        return None, False

    def _sequence_layer(
        self, node: NodeProto, tokens: str, in_dims: tuple[int, ...], out_dims: tuple[int, ...], shapes: dict[str, tuple[int, ...]], common: dict[str, Any]
    ) -> Layer | None:
        """On a sequence [1, N, D]: a learned token put in front (Concat), a learned table added (Add),
        one token taken (Gather of a single index)."""
        op = node.op_type
        constants = [name for name in node.input if name and name != tokens]
        if op == "Concat" and list(node.input) == [*constants, tokens] and len(constants) == 1 and _int(node, "axis", 0) % 3 == 1:
            token = self._weight_dims(constants[0], shapes)
            if token is not None and math.prod(token) == in_dims[2] == token[-1]:
                return ClassToken(**common)
        if op == "Add" and len(constants) == 1 and in_dims[2] >= 1:
            table = self._weight_dims(constants[0], shapes)
            length, rest = divmod(self._stored_values(constants[0]), in_dims[2])
            if table is not None and tuple(table[-2:]) == in_dims[1:] and math.prod(table[:-2]) == 1 and not rest and length >= in_dims[1]:
                return PositionEmbedding(**common, length=None if length == in_dims[1] else length)
        if op == "Gather" and node.input[0] == tokens and _int(node, "axis", 0) == 1 and len(out_dims) == 2:
            index = self._scalar(node.input[1])
            if index is not None and math.isfinite(index) and index == int(index):
                return Take(**common, index=int(index))
        return None

    def _tie(self, weight: str) -> str | None:
        """The embedding whose table this weight is (through a Transpose, or a stored transposed copy)."""
        for source in self.sources.get(weight, set()):
            table = self.tied_copies.get(source, source)
            if table in self.embeddings:
                return self.embeddings[table]
        return None

    def _weight_dims(self, name: str, shapes: dict[str, tuple[int, ...]]) -> tuple[int, ...] | None:
        """A constant input's dimensions: a stored tensor's own, or what inference says of a derived one."""
        tensor = self.constants.get(name)
        if tensor is not None:
            return tuple(tensor.dims)
        return shapes.get(name) if name in self.constants else None

    def _conv(
        self,
        node: NodeProto,
        in_dims: tuple[int, ...],
        shapes: dict[str, tuple[int, ...]],
        common: dict[str, Any],
        added: tuple[tuple[int, ...], tuple[int, ...]] | None = None,
    ) -> Layer | None:
        """A Conv as `conv` or `depthwise`; `added`: the (begin, end) pads of a zero Pad before it."""
        weight = self._weight_dims(node.input[1], shapes)
        if weight is None:
            return None
        rank = len(in_dims) - 2
        kernel = tuple(weight[2:])
        strides = _ints(node, "strides") or (1,) * rank
        dilations = _ints(node, "dilations") or (1,) * rank
        padding = _padding(node, rank, kernel, (in_dims[2:], strides, dilations), added)
        if padding is None:
            return None
        filters, channels, groups = weight[0], in_dims[1], _int(node, "group", 1)
        bias = len(node.input) > 2 and bool(node.input[2])
        window: dict[str, Any] = {"kernel": _per_axis(kernel), "stride": _per_axis(strides), "padding": padding, "dilation": _per_axis(dilations), "bias": bias}
        if groups == channels > 1 and filters % channels == 0:
            return Depthwise(**common, **window, multiplier=filters // channels)
        return Conv(**common, **window, filters=filters, groups=groups)

    def _conv_transpose(
        self, node: NodeProto, in_dims: tuple[int, ...], out_dims: tuple[int, ...], shapes: dict[str, tuple[int, ...]], common: dict[str, Any]
    ) -> Layer | None:
        """A ConvTranspose as `conv_transpose`. ONNX cuts `begin` and `end` positions from the two sides
        of each axis (its pads, or those its auto_pad or output_shape work out); PyTorch cuts `padding`
        from both and adds `output_padding` at the end: padding = begin, output_padding = its own + begin − end."""
        weight = self._weight_dims(node.input[1], shapes)
        rank = len(in_dims) - 2
        if weight is None or len(weight) != rank + 2 or len(out_dims) != rank + 2:
            return None
        kernel, groups = tuple(weight[2:]), _int(node, "group", 1)
        strides, dilations = _ints(node, "strides") or (1,) * rank, _ints(node, "dilations") or (1,) * rank
        extra = _ints(node, "output_padding") or (0,) * rank
        if any(len(values) != rank for values in (strides, dilations, extra)) or min(*kernel, *strides, *dilations, groups) < 1 or min(extra) < 0:
            return None
        auto = _string(node, "auto_pad", "NOTSET")
        pads = _ints(node, "pads") or (0,) * (2 * rank)
        if auto == "VALID":
            pads = (0,) * (2 * rank)
        elif auto != "NOTSET" or _ints(node, "output_shape") is not None:  # ONNX works the pads out from the output's size
            totals = [
                s * (n - 1) + e + (k - 1) * d + 1 - out for n, out, k, s, d, e in zip(in_dims[2:], out_dims[2:], kernel, strides, dilations, extra, strict=True)
            ]
            smaller = [total // 2 for total in totals]
            larger = [total - half for total, half in zip(totals, smaller, strict=True)]
            pads = (*smaller, *larger) if auto == "SAME_UPPER" else (*larger, *smaller)
        if len(pads) != 2 * rank:
            return None
        begin, end = pads[:rank], pads[rank:]
        added = tuple(e + b - f for e, b, f in zip(extra, begin, end, strict=True))
        if min(begin) < 0 or any(not 0 <= a < max(s, d) for a, s, d in zip(added, strides, dilations, strict=True)):
            return None  # no padding and output padding of PyTorch's cut the same positions
        return ConvTranspose(
            **common,
            filters=weight[1] * groups,
            kernel=_per_axis(kernel),
            stride=_per_axis(strides),
            padding=_per_axis(begin),
            output_padding=_per_axis(added),
            dilation=_per_axis(dilations),
            groups=groups,
            bias=len(node.input) > 2 and bool(node.input[2]),
        )

    def _upsample(self, node: NodeProto, in_dims: tuple[int, ...], out_dims: tuple[int, ...], common: dict[str, Any]) -> Layer | None:
        """Resize (or the older Upsample) of the spatial axes alone, by interpolation: `upsample` by its
        whole-number scales, else to the output's size."""
        rank = len(in_dims) - 2
        mode = INTERPOLATIONS.get(_string(node, "mode", "nearest").replace("bilinear", "linear"), {}).get(rank)
        cropped = _string(node, "coordinate_transformation_mode", "half_pixel") == "tf_crop_and_resize"
        if mode is None or cropped or _int(node, "antialias", 0) or out_dims[:2] != in_dims[:2] or len(out_dims) != len(in_dims):
            return None  # antialias widens the window a downsampling reads; a crop and resize reads a region
        if node.op_type == "Upsample" and self.opset < 9:
            scales = _float_list(node, "scales")
        else:
            index = 2 if node.op_type == "Resize" and self.opset >= 11 else 1
            scales = self._floats(node.input[index]) if len(node.input) > index and node.input[index] else None
        spatial_in, spatial_out = in_dims[2:], out_dims[2:]
        if scales is not None and len(scales) == len(in_dims) and all(math.isfinite(scale) and scale == round(scale) >= 1 for scale in scales[2:]):
            factors = tuple(round(scale) for scale in scales[2:])
            if all(n * factor == out for n, factor, out in zip(spatial_in, factors, spatial_out, strict=True)):
                return Upsample(**common, scale=_per_axis(factors), mode=mode)
        return Upsample(**common, size=_per_axis(spatial_out), mode=mode)

    def _zero_padding(self, node: NodeProto, rank: int) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
        """A Pad of zeros on the spatial axes alone: its (begin, end) pads per spatial axis."""
        if _string(node, "mode", "constant") != "constant" or rank < 3:
            return None
        value: float | None = 0.0
        if self.opset < 11:
            pads, value = _ints(node, "pads"), _float(node, "value", 0.0)
        else:
            pads = self._integers(node.input[1]) if len(node.input) > 1 and node.input[1] else None
            value = self._scalar(node.input[2]) if len(node.input) > 2 and node.input[2] else 0.0
            if len(node.input) > 3 and node.input[3]:  # opset 18: pads for the listed axes alone
                axes = self._integers(node.input[3])
                if axes is None or pads is None or len(pads) != 2 * len(axes) or len({axis % rank for axis in axes}) != len(axes):
                    return None
                every = [0] * (2 * rank)
                for position, axis in enumerate(axes):
                    every[axis % rank], every[axis % rank + rank] = pads[position], pads[position + len(axes)]
                pads = tuple(every)
        if pads is None or value != 0.0 or len(pads) != 2 * rank or any(pads[axis] or pads[axis + rank] for axis in (0, 1)) or min(pads) < 0:
            return None
        return tuple(pads[2:rank]), tuple(pads[rank + 2 :])

    def _cut(self, node: NodeProto, in_dims: tuple[int, ...], out_dims: tuple[int, ...]) -> tuple[int, ...] | None:
        """A Slice that cuts spatial axes alone, step by step: where its window starts on each spatial axis."""
        rank = len(in_dims)
        if self.opset < 10:
            starts, ends, axes, steps = _ints(node, "starts"), _ints(node, "ends"), _ints(node, "axes"), None
        else:
            starts, ends = (self._integers(name) for name in (node.input[1:3] if len(node.input) >= 3 else ("", "")))
            axes, steps = (self._integers(node.input[index]) if len(node.input) > index and node.input[index] else None for index in (3, 4))
        if starts is None or ends is None or rank < 3 or len(out_dims) != rank or out_dims[:2] != in_dims[:2]:
            return None
        axes = axes if axes is not None else tuple(range(len(starts)))
        steps = steps if steps is not None else (1,) * len(starts)
        if not len(starts) == len(ends) == len(axes) == len(steps) or len({axis % rank for axis in axes}) != len(axes):
            return None
        offsets = [0] * (rank - 2)
        for axis, start, end, step in zip(axes, starts, ends, steps, strict=True):
            axis %= rank
            length = in_dims[axis]
            first, last = (min(max(bound + length if bound < 0 else bound, 0), length) for bound in (start, end))
            if axis < 2 or step != 1 or last - first != out_dims[axis]:
                return None
            offsets[axis - 2] = first
        return tuple(offsets)

    def _integers(self, name: str) -> tuple[int, ...] | None:
        """A constant integer input's values (a Slice's bounds, a Pad's pads): stored, or worked out from
        stored constants and the known shapes by onnx_folding's shape arithmetic."""
        stored = self._held(name, 64, INTEGERS)
        if stored is not None:
            return tuple(int(value) for value in stored.reshape(-1))
        if name not in self.constants:
            return None
        if self.folded_values is None:
            from archcalc.formats.onnx.folding import folded_values

            self.folded_values = folded_values(self.model, self.nodes, self.shapes)
        values = self.folded_values.get(name)
        return None if values is None or values.dtype.kind not in "iu" or values.size > 64 else tuple(int(value) for value in values.reshape(-1))

    def _floats(self, name: str) -> tuple[float, ...] | None:
        """A stored constant's few floating-point values (Resize's scales)."""
        values = self._held(name, 8, FLOATING)
        return None if values is None else tuple(float(value) for value in values.reshape(-1))

    def _held(self, name: str, most: int, types: set[int]) -> Any:
        """A constant's values as a numpy array, when the file stores it itself (external data is never
        read), of one of these element `types`, with at most `most` values; else None."""
        tensor = self.constants.get(name)
        if tensor is None or tensor.data_type not in types or tensor.data_location == 1 or math.prod(tensor.dims) > most:
            return None
        import onnx.numpy_helper

        return onnx.numpy_helper.to_array(tensor)

    def _unlearned_affine(self, node: NodeProto) -> bool:
        """An instance or group norm whose scale is all 1 and shift all 0, as exporters write a norm
        without affine parameters (PyTorch's InstanceNorm default, and inside a GroupNorm)."""
        if len(node.input) < 3:
            return False
        import numpy as np
        import onnx.numpy_helper

        for name, identity in ((node.input[1], 1.0), (node.input[2], 0.0)):
            tensor = self.constants.get(name)
            if tensor is None or tensor.data_type not in FLOATING or tensor.data_location == 1 or math.prod(tensor.dims) > MAX_AFFINE_VALUES:
                return False
            if not np.all(onnx.numpy_helper.to_array(tensor) == identity):
                return False
        return True

    def _was_folded(self, node: NodeProto) -> bool:
        """A batch norm folded into this convolution by the exporter: torch.onnx's optimiser says so in
        the node's metadata; its older TorchScript exporter names the computed weight `onnx::Conv_…`."""
        rules = " ".join(entry.value for entry in node.metadata_props if entry.key.endswith("rule_name"))
        return "BatchNorm" in rules or node.input[1].startswith(("onnx::Conv_", "onnx::ConvTranspose_"))

    def _reduced_axes(self, node: NodeProto, rank: int) -> tuple[int, ...] | None:
        """The axes a Reduce node reduces, from its attribute (before opset 18) or its constant input."""
        axes = _ints(node, "axes")
        if axes is None and len(node.input) > 1 and node.input[1]:
            values = self._held(node.input[1], 8, INTEGERS)
            if values is None or values.ndim != 1:
                return None
            axes = tuple(int(axis) for axis in values)
        return None if axes is None or rank < 1 else tuple(sorted(axis % rank for axis in axes))

    def _clip_range(self, node: NodeProto) -> tuple[float, float] | None:
        if len(node.input) >= 3:
            bounds = [self._scalar(name) for name in node.input[1:3]]
            return (bounds[0], bounds[1]) if bounds[0] is not None and bounds[1] is not None else None
        return _float(node, "min", -math.inf), _float(node, "max", math.inf)

    def _scalar(self, name: str) -> float | None:
        values = self._held(name, 1, NUMBERS)
        return None if values is None or values.size != 1 else float(values.reshape(-1)[0])  # one value: cheap, and read only as a number

    def _notes(self, file_total: Cost) -> Iterator[str]:
        for copy, table in self.tied_copies.items():
            stored = self.constants[copy]
            width, rows = stored.dims if stored is not None else (0, 0)
            yield (
                f"tied weights: the file stores the embedding table '{table}' ({rows:,}×{width:,}) a second time, transposed, as '{copy}'; "
                f"it is counted once, as PyTorch counts a tied weight"
            )
        if self.unlearned_norms:
            count, channels = len(self.unlearned_norms), sum(channels for _, channels in self.unlearned_norms)
            names = ", ".join(f"'{name}'" for name, _ in self.unlearned_norms[:3]) + (", ..." if count > 3 else "")
            yield (
                f"norms without affine parameters: the scale and shift the file holds for {count:,} instance or group norm{'s' if count > 1 else ''} "
                f"({names}) are all 1 and all 0, as exporters write a norm that has none (PyTorch's InstanceNorm default); they are not counted. "
                f"A model whose norms do have them, never trained, holds the same values: it has {2 * channels:,} params more"
            )
        if self.folded:
            count, channels = len(self.folded), sum(self.folded)
            yield (
                f"batch norms folded: the exporter merged {count:,} batch norm{'s' if count > 1 else ''} into the convolution{'s' if count > 1 else ''} "
                f"before {'them' if count > 1 else 'it'}; the figures are the file's. If those convolutions had no bias of their own, each norm's "
                f"2·C scale and shift became C biases: the model it came from has {file_total.params + channels:,} params "
                f"({channels:,} more) and {2 * channels:,} running statistics the file does not hold"
            )


CHANNELS_FIRST_OPERATORS = {
    "Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool",
    "BatchNormalization", "InstanceNormalization", "GroupNormalization", "Resize", "Upsample",
}  # fmt: skip
FEATURES_LAST_OPERATORS = {"MatMul", "Gemm", "LayerNormalization", "Gather", "LSTM", "GRU", "RNN", "Einsum"}
KEEPS_LAYOUT = {"Add", "Sub", "Mul", "Div", "Clip", "Concat", "Softmax", "Identity", "Dropout", "Erf", "Pow", "Sqrt", "Neg", "Abs", "Exp", "Log"}


def _positions_merged(in_dims: tuple[int, ...], out_dims: tuple[int, ...]) -> bool:
    """[1, C, H, W] -> [1, C, H·W]: the positions become one axis, as a vision transformer's tokens."""
    return len(in_dims) >= 4 and out_dims == (*in_dims[:2], math.prod(in_dims[2:]))


def _block_name(block: Block) -> str:
    """The module the block's nodes come from: the scope torch.onnx records (`layers.0.self_attention`),
    or the nodes' common path (`/layers/layers.0/self_attention`); else its core node's name."""
    scopes = _common_prefix([_name_scopes(node) for node in block.nodes])
    if scopes and scopes[-1]:
        return scopes[-1]
    path = _common_prefix([node.name.split("/")[:-1] for node in block.nodes])
    if any(path):
        return "/".join(path)
    core = block.scores if block.scores is not None else block.layers[0] if block.layers else block.nodes[0]
    return core.name or core.output[0]


def _common_prefix(lists: list[list[str]]) -> list[str]:
    prefix: list[str] = []
    for parts in zip(*lists, strict=False):
        if len(set(parts)) > 1:
            break
        prefix.append(parts[0])
    return prefix


def _name_scopes(node: NodeProto) -> list[str]:
    """torch.onnx's record of the modules a node came from, `['', 'layers', 'layers.0', ...]`."""
    import ast

    for entry in node.metadata_props:
        if entry.key == "pkg.torch.onnx.name_scopes" and len(entry.value) < 2000:
            try:
                scopes = ast.literal_eval(entry.value)  # a literal only: never code
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                return []
            return [str(scope) for scope in scopes] if isinstance(scopes, list) else []
    return []


def _topological(nodes: list[NodeProto], available: set[str], origin: Origin) -> list[NodeProto]:
    """The nodes in an order where each comes after what it reads; a cycle or a tensor nothing makes is refused."""
    producers = {output: index for index, node in enumerate(nodes) for output in node.output if output}
    needs: list[list[int]] = []
    for node in nodes:
        needs.append([])
        for name in node.input:
            if not name or name in available:
                continue
            producer = producers.get(name)
            if producer is None:
                raise SpecError(f"node '{node.name}' ({node.op_type}) reads '{name}', which no node, input or initializer provides", origin)
            needs[-1].append(producer)
    ordered, waiting = dependency_order(needs)
    if waiting:
        stuck = nodes[waiting[0]]
        raise SpecError(f"the graph has a cycle through node '{stuck.name}' ({stuck.op_type})", origin)
    return [nodes[index] for index in ordered]


def _only_reader(readers: dict[str, list[NodeProto]], name: str) -> NodeProto | None:
    found = readers.get(name, [])
    return found[0] if len(found) == 1 else None


def _channels(dims: tuple[int, ...]) -> int:
    """The channels of a tensor [N, C, ...] (0 for one of fewer axes, which a note then counts as none)."""
    return dims[1] if len(dims) > 1 else 0


def _dropped(dims: tuple[int, ...], layout: Layout) -> Shape:
    """ONNX's [1, C, H, W] -> archcalc's (H, W, C); [1, L, D] -> (L, D); [1, F] -> (F,)."""
    shape = dims[1:]
    if layout is Layout.FIRST and len(shape) >= 2:
        return (*shape[1:], shape[0])
    return shape


def _layout_transpose(perm: tuple[int, ...] | None, rank: int) -> tuple[Layout, Layout] | None:
    """A transpose that only moves the channels between axis 1 and the last: (from, to) layouts."""
    if perm is None or rank < 3:
        return None
    if perm == (0, *range(2, rank), 1):
        return Layout.FIRST, Layout.LAST
    if perm == (0, rank - 1, *range(1, rank - 1)):
        return Layout.LAST, Layout.FIRST
    return None


def _join(node: NodeProto, inputs: int, layout: Layout, rank: int) -> Join | None:
    if inputs < 2:
        return None
    match node.op_type:
        case "Add":
            return Join.ADD
        case "Mul":
            return Join.MUL
        case "Concat":
            axis = _int(node, "axis", 0) % rank if rank else 0
            channel_axis = 1 if layout is Layout.FIRST and rank >= 3 else rank - 1
            return Join.CONCAT if axis == channel_axis else None
        case _:
            return None


def _pool(node: NodeProto, common: dict[str, Any]) -> Layer | None:
    kernel = _ints(node, "kernel_shape")
    if kernel is None or any(size != 1 for size in _ints(node, "dilations") or ()):
        return None
    rank = len(kernel)
    strides = _ints(node, "strides") or (1,) * rank
    padding = _padding(node, rank, kernel)
    if padding is None or padding == "same":
        return None
    mode = PoolMode.MAX if node.op_type == "MaxPool" else PoolMode.AVG
    stride = None if strides == kernel else _per_axis(strides)
    return Pool(**common, mode=mode, kernel=_per_axis(kernel), stride=stride, padding=padding, ceil_mode=bool(_int(node, "ceil_mode", 0)))


def _padding(
    node: NodeProto,
    rank: int,
    kernel: tuple[int, ...],
    window: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]] | None = None,
    added: tuple[tuple[int, ...], tuple[int, ...]] | None = None,
) -> Padding | None:
    """ONNX pads (begin…, end…), plus the `added` (begin, end) of a zero Pad before the node, as
    archcalc writes padding: equal on both sides per axis, or `same`. Given a convolution's `window`
    (spatial lengths, strides, dilations), unequal pads that are exactly TensorFlow's SAME are `same` too."""
    auto = _string(node, "auto_pad", "NOTSET")
    if auto == "SAME_UPPER" and added is None:
        return "same"
    if auto not in ("NOTSET", "VALID"):
        return None  # SAME_LOWER puts the odd padding first, which archcalc's `same` does not
    pads = (0,) * (2 * rank) if auto == "VALID" else _ints(node, "pads") or (0,) * (2 * rank)
    if len(pads) != 2 * rank:
        return None
    begin, end = pads[:rank], pads[rank:]
    if added is not None:
        begin, end = tuple(a + b for a, b in zip(begin, added[0], strict=True)), tuple(a + b for a, b in zip(end, added[1], strict=True))
    if begin == end:
        return _per_axis(begin)
    if window is not None and all(len(values) == rank for values in window) and (begin, end) == _same_pads(*window, kernel):
        return "same"
    return None


def _same_pads(
    spatial: tuple[int, ...], strides: tuple[int, ...], dilations: tuple[int, ...], kernel: tuple[int, ...]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """TensorFlow's SAME, archcalc's `same`: ⌈n / s⌉ outputs, the padding they need split with the odd one at the end."""
    totals = [max((-(-n // s) - 1) * s + d * (k - 1) + 1 - n, 0) for n, s, d, k in zip(spatial, strides, dilations, kernel, strict=True)]
    return tuple(total // 2 for total in totals), tuple(total - total // 2 for total in totals)


def _per_axis(values: tuple[int, ...]) -> PerAxis:
    """One value when every axis agrees (as a spec would write it), else one per axis."""
    return values[:1] if len(set(values)) == 1 else values


def _attribute(node: NodeProto, name: str) -> Any:
    for attribute in node.attribute:
        if attribute.name == name:
            return attribute
    return None


def _int(node: NodeProto, name: str, default: int) -> int:
    attribute = _attribute(node, name)
    return int(attribute.i) if attribute is not None else default


def _ints(node: NodeProto, name: str) -> tuple[int, ...] | None:
    attribute = _attribute(node, name)
    return tuple(int(value) for value in attribute.ints) if attribute is not None else None


def _float(node: NodeProto, name: str, default: float) -> float:
    attribute = _attribute(node, name)
    return float(attribute.f) if attribute is not None else default


def _float_list(node: NodeProto, name: str) -> tuple[float, ...] | None:
    attribute = _attribute(node, name)
    return tuple(float(value) for value in attribute.floats) if attribute is not None else None


def _string(node: NodeProto, name: str, default: str) -> str:
    attribute = _attribute(node, name)
    return attribute.s.decode("utf-8", "replace") if attribute is not None else default


def _check_reading(spec: Spec, file_total: Cost, output_shape: Shape, origin: Origin) -> None:
    """The spec read must hold exactly what the file holds: anything else is archcalc's misreading."""
    from archcalc.engine import analyze

    report = analyze(spec)
    if report.total != file_total or report.output_shape != output_shape:
        raise SpecError(
            f"archcalc misread this file: its layers count {report.total!r} with output {list(report.output_shape)}, "
            f"the file holds {file_total!r} with output {list(output_shape)}",
            origin,
            None,
            "please report it with the file",
        )
