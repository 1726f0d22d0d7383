"""An ONNX file's bytes -> a checked ModelProto: what is refused before anything in it is read.

`onnx` is imported here, and only when an ONNX file is read (`pip install '.[onnx]'` in archcalc's checkout). Nothing
in the file is executed, and weights are not loaded: a tensor's stored bytes are only measured, to
refuse a file that declares more than it holds. External data is accepted only inside the model's
folder, and is never read. The graph must be acyclic, each tensor made by something, its counting
attributes positive, and ONNX's own checker must pass it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archcalc.errors import Origin, SpecError
from archcalc.formats.graph.order import dependency_order
from archcalc.printable import order_of, printable
from archcalc.quantities import MAX_COUNT, whole_number

if TYPE_CHECKING:
    from onnx import ModelProto, NodeProto, TensorProto

MAX_ONNX_BYTES = 2**31 - 1
"""Protobuf's own limit for one message: larger models keep their weights in external data files."""

OLDEST_OPSET = 7
"""The oldest ai.onnx opset read: older ones spell convolutions' and pools' attributes differently."""

ONNX_EXTRA = "pip install 'onnx>=1.16' (in archcalc's checkout, pip install '.[onnx]' installs it)"
"""archcalc is installed from its checkout, not from the package index: `pip install 'archcalc[onnx]'` would fail."""

ELEMENT_BYTES = {1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2}
"""Bytes per element of each TensorProto type whose size is fixed, to check stored data against dimensions."""

COUNTS = {"group", "num_groups", "blocksize", "hidden_size", "kernel_shape", "strides", "dilations"}
"""Attributes that count (groups, a window's size and steps, a block's side, a hidden state's width):
positive whole numbers by ONNX's operators, which its checker leaves to the runtime (a Conv of group 0)."""

MAX_RANK = 64
"""The most axes a tensor may have: numpy's own limit (a stored tensor's values are read with it), and
far more than any model's. A tensor of 50,000 axes took 14 s before numpy refused it with a traceback."""

WINDOW_OPERATORS = {"Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool"}
"""Their `pads` and `output_padding` add positions: never negative (a Pad's may be: they cut)."""


class Node:
    """One node of the graph, as the reader's passes read it: its names and operator read from the
    protobuf once. Each read of a protobuf's repeated field builds its strings anew (1.7 µs for a node's
    inputs), and a dozen passes read them: on a file of 100,000 nodes that was seconds."""

    __slots__ = ("attribute", "domain", "input", "metadata_props", "name", "op_type", "output", "proto")

    def __init__(self, proto: NodeProto) -> None:
        self.proto = proto  # for ONNX's own functions, which take the protobuf
        self.name: str = proto.name
        self.op_type: str = proto.op_type
        self.domain: str = proto.domain
        self.input: tuple[str, ...] = tuple(proto.input)
        self.output: tuple[str, ...] = tuple(proto.output)
        self.attribute = proto.attribute  # AttributeProtos, read where a rule needs one
        self.metadata_props = proto.metadata_props


def loaded_model(data: bytes, source: str, path: Path | None) -> tuple[Any, ModelProto, list[Node]]:
    """The onnx module, the file's model, checked, and its nodes in an order where each comes after
    what it reads; every problem a SpecError naming `source`."""
    onnx = import_onnx(source)
    origin = Origin(source)
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except Exception as error:  # protobuf's DecodeError, or a RuntimeError from its C++ parser
        raise SpecError(f"not a readable ONNX file ({type(error).__name__}: the protobuf does not parse; truncated?)", origin) from None
    nodes = _read_nodes(model, origin)
    _check_header(model, origin)
    if model.graph.sparse_initializer:  # else a node reading one is said to read what nothing provides
        names = ", ".join(f"'{tensor.values.name}'" for tensor in model.graph.sparse_initializer[:3])
        raise SpecError(f"the graph keeps {names} as a sparse initializer, which archcalc does not read; export it dense", origin)
    stored = list(_stored_tensors(model, nodes))
    _check_ranks(model, stored, origin)
    nodes = topological(nodes, {tensor.name for tensor in model.graph.initializer} | {value.name for value in model.graph.input}, origin)
    external = _check_stored_data(stored, None if path is None else path.parent, origin)
    try:  # with external data, the checker must find the files beside the model, so it reads the model from there
        onnx.checker.check_model(str(path) if external and path is not None else model)
    except Exception as error:  # onnx.checker.ValidationError, or a C++ error surfaced as RuntimeError
        raise SpecError(f"not a valid ONNX model: {first_line(error)}", origin) from None
    _check_counts(nodes, origin)
    return onnx, model, nodes


def _read_nodes(model: ModelProto, origin: Origin) -> list[Node]:
    """The graph's nodes, each read once, and every name and string the reader uses checked to be
    text: protobuf hands a string field that is not UTF-8 (which ONNX requires) back as bytes, which
    would fail far from here."""
    graph = model.graph
    _check_texts("the producer's name", [model.producer_name], origin)
    _check_texts("the producer's version", [model.producer_version], origin)
    _check_texts("the graph's name", [graph.name], origin)
    nodes = [Node(proto) for proto in graph.node]
    for index, node in enumerate(nodes):  # the node's number is said only when one fails: a file may hold 100,000
        texts = (node.name, node.op_type, node.domain, *node.input, *node.output)
        if not all(isinstance(text, str) for text in texts):
            _check_texts(f"node {index + 1}'s name or a tensor it names", texts, origin)
    _check_texts("a tensor's name", [value.name for value in (*graph.input, *graph.output, *graph.value_info, *graph.initializer)], origin)
    entries = [text for tensor in graph.initializer for entry in tensor.external_data for text in (entry.key, entry.value)]
    _check_texts("an external data entry", entries, origin)
    return nodes


def _check_texts(what: str, texts: Iterable[object], origin: Origin) -> None:
    for text in texts:
        if not isinstance(text, str):
            raise SpecError(f"{what} is not UTF-8 text ({printable(repr(text)[:60])}), as ONNX requires", origin)


def import_onnx(source: str) -> Any:
    try:
        import onnx  # lazy: onnx is an extra, imported only when an ONNX file is read
    except ImportError:
        raise SpecError(f"{source} is an ONNX file, and reading one needs the onnx package", hint=ONNX_EXTRA) from None
    return onnx


def first_line(error: BaseException) -> str:
    """The first line of a library's error, short enough for a message."""
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__


def opset(model: ModelProto) -> int:
    """The ai.onnx opset the model declares (_check_header made sure there is one)."""
    return int(next(entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx")))


def topological(nodes: list[Node], available: set[str], origin: Origin) -> list[Node]:
    """The nodes in an order where each comes after what it reads; a cycle or a tensor nothing makes is refused."""
    producers = {output: index for index, node in enumerate(nodes) for output in node.output if output}
    needs: list[list[int]] = []
    in_order = True  # each node after what it reads, as exporters write them
    for index, node in enumerate(nodes):
        needs.append([])
        for name in node.input:
            if not name or name in available:
                continue
            producer = producers.get(name)
            if producer is None:
                raise SpecError(f"node '{node.name}' ({node.op_type}) reads '{name}', which no node, input or initializer provides", origin)
            needs[-1].append(producer)
            in_order = in_order and producer < index
    if in_order:
        return nodes  # the order dependency_order would give: the lowest index first wherever that allows
    ordered, waiting = dependency_order(needs)
    if waiting:
        stuck = nodes[waiting[0]]
        raise SpecError(f"the graph has a cycle through node '{stuck.name}' ({stuck.op_type})", origin)
    return [nodes[index] for index in ordered]


def _check_ranks(model: ModelProto, stored: list[TensorProto], origin: Origin) -> None:
    """At most MAX_RANK axes in each tensor the file stores or declares, before anything reads one."""
    graph = model.graph
    declared = [(value.name, len(value.type.tensor_type.shape.dim)) for value in (*graph.input, *graph.output, *graph.value_info)]
    for name, rank in [*((tensor.name, len(tensor.dims)) for tensor in stored), *declared]:
        if rank > MAX_RANK:
            raise SpecError(f"tensor '{name}' has {rank:,} axes; archcalc reads tensors of at most {MAX_RANK}", origin)


def _check_header(model: ModelProto, origin: Origin) -> None:
    import onnx.defs  # lazy: onnx is an extra

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


def _check_counts(nodes: Iterable[Node], origin: Origin) -> None:
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


def _stored_tensors(model: ModelProto, nodes: list[Node]) -> Iterator[TensorProto]:
    """Every tensor the file stores: initializers, and the values of Constant nodes (top-level graph)."""
    yield from model.graph.initializer
    for node in nodes:
        for attribute in node.attribute:
            if attribute.HasField("t"):
                yield attribute.t


def _check_stored_data(stored: list[TensorProto], folder: Path | None, origin: Origin) -> bool:
    """A tensor's figures come from its dimensions: refuse one that holds fewer bytes than it declares,
    and external data outside the model's folder (read from standard input, there is no folder).
    True when some tensor keeps its data in an external file."""
    external = False
    for tensor in stored:
        declared = math.prod(tensor.dims)
        if any(size < 0 for size in tensor.dims):
            raise SpecError(f"tensor '{tensor.name}' declares a negative dimension {list(tensor.dims)[:8]}", origin)
        if declared > MAX_COUNT:  # 400 axes of 2^62: thousands of digits, past what any message can print
            raise SpecError(f"tensor '{tensor.name}' declares {order_of(declared)} values over {len(tensor.dims):,} axes, more than 1e36", origin)
        if tensor.data_location == 1:  # TensorProto.EXTERNAL
            _check_external(tensor, declared, folder, origin)
            external = True
            continue
        held = _values_held(tensor)
        if held is not None and held != declared:
            raise SpecError(
                f"tensor '{tensor.name}' declares {declared:,} values {list(tensor.dims)[:8]} but holds {held:,} (a truncated or forged file)", origin
            )
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
    if "\x00" in location:  # no file system has such a name; Path would fail on it
        raise SpecError(f"tensor '{tensor.name}' points at external data whose name holds a NUL byte ({location!r})", origin)
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
