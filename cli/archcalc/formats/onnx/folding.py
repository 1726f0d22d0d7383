"""Shapes ONNX's own inference leaves unknown, found by folding the graph's shape computations.

An exporter often computes a Reshape's or an Expand's target from a tensor's shape at run time
(`Shape`, `Gather`, `Concat`, `Where`...): torch.onnx's TorchScript exporter does so inside
nn.MultiheadAttention, in ways ONNX's data propagation does not follow. With the input's shape fixed,
those computations are constants: they are worked out node by node (shape_arithmetic.py) and given
back to ONNX's inference, until every shape is known or nothing more folds. A value past folding's
bounds is left unknown, and a shape that needs it is refused (Refused): the file's own arithmetic would
give a wrong size, or one that is not shape arithmetic.
"""

from __future__ import annotations

import functools
import math

import onnx
from onnx import ModelProto, TensorProto, helper, numpy_helper

from archcalc.formats.onnx.isolated import isolated
from archcalc.formats.onnx.load import Node
from archcalc.formats.onnx.shape_arithmetic import MAX_FOLDED_VALUES, Shapes, Unfoldable, Values, fold_node, foldable, small

Reasons = dict[str, str]
"""Tensors left unfolded because they are past a bound -> why, said from the node that made them."""


class Refused(Exception):
    """A shape that only a value past folding's bounds would give: the message names both nodes."""


def inferred_shapes(model: ModelProto, nodes: list[Node]) -> Shapes:
    """Every tensor's shape that ONNX's inference gives, with the graph's shape computations folded
    where it cannot follow them. `nodes` are the graph's nodes in an order where each comes after what
    it reads. Inference errors propagate (as RuntimeError, or isolated.Aborted when inference kills its
    process); a shape the file declares that its own arithmetic contradicts is Refused."""
    shapes, contradiction = isolated(lambda: _walked(model, nodes))  # one pass: linear however long a chain of Shape→Reshape
    if contradiction is not None:
        raise Refused(contradiction)
    if all(_known(name, shapes) for node in nodes for name in node.output):
        return shapes
    light = _shape_only(model)  # the weights' values are not needed again: inference runs on their shapes
    folded: Values = {}
    unfolded: Reasons = {}
    for _ in range(len(nodes)):  # each round folds at least one more tensor, or stops
        values, unfolded = _folded(model, nodes, shapes)
        if values.keys() <= folded.keys():
            break
        folded = values
        shapes = _infer(_with_constants(light, folded))
    _refuse_unfolded(model, nodes, shapes, unfolded)
    return shapes


def _refuse_unfolded(model: ModelProto, nodes: list[Node], shapes: Shapes, unfolded: Reasons) -> None:
    """The first operation on the model's inputs whose shape is still unknown and reads a value left
    unfolded past a bound, refused: its size would come from arithmetic that wraps round, or from a
    tensor that is not shape arithmetic. Constants alone whose shapes stay unknown are the reader's to judge."""
    if not unfolded:
        return
    stored = {tensor.name for tensor in model.graph.initializer}
    activations = {value.name for value in model.graph.input if value.name not in stored}
    for node in nodes:
        if node.op_type in ("Shape", "Size") or not any(name in activations for name in node.input):
            continue
        activations.update(name for name in node.output if name)
        needed = next((name for name in node.input if name in unfolded), None)
        unknown = next((name for name in node.output if not _known(name, shapes)), None)
        if needed is not None and unknown is not None:
            raise Refused(f"the shape of '{unknown}' (node '{node.name}', {node.op_type}) needs '{needed}', which archcalc does not fold: {unfolded[needed]}")


def _named(node: Node) -> str:
    """A node as a message names it: by its name, or (exporters leave many unnamed) by what it makes."""
    return f"node '{node.name}' ({node.op_type})" if node.name else f"the {node.op_type} node that makes '{node.output[0] if node.output else ''}'"


def _infer(model: ModelProto) -> Shapes:
    """ONNX's inference, in a process of its own: it aborts the process on some graphs (formats/onnx/isolated.py)."""
    return isolated(lambda: _inferred(model))


def _walked(model: ModelProto, nodes: list[Node]) -> tuple[Shapes, str | None]:
    """ONNX's inference; where the graph computes shapes (a Shape or Size node), one pass in the graph's
    order: each node's outputs folded where they are shape arithmetic, and each node whose outputs are
    unknown, or that reads a value folded here, inferred alone, from the types known before it and its
    inputs' folded values. What this pass leaves unknown is left to the rounds of inference above, one
    for each tensor folded on a chain: quadratic. Also, the first shape the file declares for a node's
    output that the node's own inputs contradict (a Reshape whose computed target gives [1, 2, 4],
    where the file says [1, 4, 2]), said: ONNX's inference keeps a declared shape it cannot check."""
    graph = onnx.shape_inference.infer_shapes(model, check_type=False, strict_mode=True).graph
    shapes = _graph_shapes(graph)
    computes_shapes = any(node.op_type in ("Shape", "Size") for node in nodes)
    if not computes_shapes and all(_known(name, shapes) for node in nodes for name in node.output):
        return shapes, None
    types = {value.name: value.type for value in [*graph.input, *graph.value_info, *graph.output]}
    for tensor in graph.initializer:
        types.setdefault(tensor.name, helper.make_tensor_type_proto(tensor.data_type, list(tensor.dims)))
    inference = _NodeInference(model)
    values: Values = {tensor.name: numpy_helper.to_array(tensor) for tensor in model.graph.initializer if foldable(tensor)}
    stored = set(values)  # values ONNX's inference sees; the others are folded here
    for node in nodes:
        inputs, outputs = node.input, node.output
        known = all(not name or name in shapes for name in outputs)
        if not known or any(name in values and name not in stored for name in inputs):
            for name, kind in inference.outputs(node, inputs, types, values).items():
                dims = _fixed_dims(kind)
                if known and dims is not None and name in shapes and shapes[name] != dims:
                    return shapes, f"the file declares '{name}' as {list(shapes[name])}, but {_named(node)} makes it {list(dims)} from the values it reads"
                if dims is not None:
                    shapes[name] = dims
                if dims is not None or name not in types:
                    types[name] = kind
        try:
            results = fold_node(node, values, shapes)
        except (ValueError, IndexError, TypeError, KeyError, ZeroDivisionError, OverflowError, FloatingPointError):
            continue  # as in _folded
        for name, result in zip(outputs, results, strict=False):
            if name and result is not None and small(result):
                values[name] = result
    return shapes, None


class _NodeInference:
    """ONNX's inference of one node at a time, as the walk asks it: what it needs of the model read
    once, and each answer kept by what it depends on (the operator, its attributes, its inputs' types
    and folded values). A long graph asks the same question again and again (each of 50,000 repeated
    blocks' Reshape), and ONNX's answer, from those alone, is the same; asking costs 50 µs a node."""

    def __init__(self, model: ModelProto) -> None:
        self.imports = list(model.opset_import)
        self.versions = {entry.domain or "ai.onnx": entry.version for entry in self.imports}
        self.ir_version = model.ir_version
        self.answers: dict[tuple[object, ...], tuple[tuple[int, onnx.TypeProto], ...]] = {}  # question -> (output index, type)

    def outputs(self, node: Node, inputs: tuple[str, ...], types: dict[str, onnx.TypeProto], values: Values) -> dict[str, onnx.TypeProto]:
        """The node's output types ONNX infers from its inputs' types and values; nothing when it cannot
        say (an input's type unknown, a subgraph reading the scope around it, an operator it has no schema for)."""
        if any(name and name not in types for name in inputs):
            return {}
        question = _question(node, inputs, types, values)
        answer = self.answers.get(question) if question is not None else None
        if answer is None:
            inferred = self._inferred(node, inputs, types, values)
            answer = tuple((index, inferred[name]) for index, name in enumerate(node.output) if name in inferred)
            if question is not None:
                self.answers[question] = answer
        return {node.output[index]: kind for index, kind in answer}

    def _inferred(self, node: Node, inputs: tuple[str, ...], types: dict[str, onnx.TypeProto], values: Values) -> dict[str, onnx.TypeProto]:
        try:
            schema = _schema(node.op_type, self.versions.get(node.domain or "ai.onnx", 1), node.domain)
            data = {name: numpy_helper.from_array(values[name], name) for name in inputs if name in values}
            known = {name: types[name] for name in inputs if name}
            return onnx.shape_inference.infer_node_outputs(schema, node.proto, known, data, opset_imports=self.imports, ir_version=self.ir_version)
        except Exception:  # onnx's InferenceError or SchemaError, or a C++ error: left to the rounds
            return {}


def _question(node: Node, inputs: tuple[str, ...], types: dict[str, onnx.TypeProto], values: Values) -> tuple[object, ...] | None:
    """What ONNX's inference of the node depends on, as a key; None for a node with a subgraph, which
    may read the scope around it."""
    if any(attribute.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for attribute in node.attribute):
        return None
    folded = tuple((value.dtype.str, value.shape, value.tobytes()) if (value := values.get(name)) is not None else None for name in inputs)
    written = tuple(types[name].SerializeToString() if name else b"" for name in inputs)
    return (node.op_type, node.domain, tuple(attribute.SerializeToString() for attribute in node.attribute), written, folded)


@functools.cache
def _schema(op_type: str, version: int, domain: str) -> onnx.defs.OpSchema:
    return onnx.defs.get_schema(op_type, version, domain)


def _fixed_dims(kind: onnx.TypeProto) -> tuple[int, ...] | None:
    """A tensor type's dimensions when every one is a known size. An unknown one reads as 0, so only
    a shape with a 0 in it asks which its zeros are: the rest of 100,000 tensors are read at once."""
    tensor = kind.tensor_type
    if not tensor.HasField("shape"):
        return None  # not a tensor, or its rank unknown
    dims = tensor.shape.dim
    sizes = tuple(dim.dim_value for dim in dims)
    if all(sizes) or all(dim.HasField("dim_value") for dim in dims):
        return sizes if all(size >= 0 for size in sizes) else None
    return None


def _inferred(model: ModelProto) -> Shapes:
    return _graph_shapes(onnx.shape_inference.infer_shapes(model, check_type=False, strict_mode=True).graph)


def _graph_shapes(graph: onnx.GraphProto) -> Shapes:
    """Each tensor of an inferred graph whose every dimension is a known size -> its dimensions."""
    shapes: Shapes = {}
    for value in [*graph.input, *graph.value_info, *graph.output]:
        dims = _fixed_dims(value.type)
        if dims is not None:
            shapes[value.name] = dims
    return shapes


def _known(name: str, shapes: Shapes) -> bool:
    return not name or name in shapes


def _shape_only(model: ModelProto) -> ModelProto:
    """The model with every large initializer declared as an input of its shape, without its values:
    inference needs no more, and a copy of the weights in every round would cost their size each time."""
    light = ModelProto()
    light.ir_version, light.producer_name = model.ir_version, model.producer_name
    light.opset_import.extend(model.opset_import)
    light.functions.extend(model.functions)
    graph = model.graph
    inputs = {value.name for value in graph.input}
    light.graph.name = graph.name
    light.graph.input.extend(graph.input)
    light.graph.output.extend(graph.output)
    light.graph.value_info.extend(graph.value_info)
    light.graph.node.extend(graph.node)
    for tensor in graph.initializer:
        if math.prod(tensor.dims) <= MAX_FOLDED_VALUES and tensor.data_location != TensorProto.EXTERNAL:
            light.graph.initializer.append(tensor)
        elif tensor.name not in inputs:
            light.graph.input.append(helper.make_tensor_value_info(tensor.name, tensor.data_type, list(tensor.dims)))
    return light


def _with_constants(light: ModelProto, values: Values) -> ModelProto:
    """The shape-only model with each folded node replaced by Constant nodes of its outputs."""
    model = ModelProto()
    model.CopyFrom(light)
    del model.graph.node[:]
    for node in light.graph.node:
        outputs = [name for name in node.output if name]
        if node.op_type != "Constant" and outputs and all(name in values for name in outputs):
            for name in outputs:
                model.graph.node.append(helper.make_node("Constant", [], [name], value=numpy_helper.from_array(values[name], name)))
        else:
            model.graph.node.append(node)
    return model


def folded_values(model: ModelProto, nodes: list[Node], shapes: Shapes) -> Values:
    """Every small integer or boolean tensor (and single number) that follows from the graph's constants
    and the `shapes` known: what a Slice's bounds or a Pad's pads are, when the exporter computed them."""
    return _folded(model, nodes, shapes)[0]


def _folded(model: ModelProto, nodes: list[Node], shapes: Shapes) -> tuple[Values, Reasons]:
    """Every small integer or boolean tensor (and single number) that follows from constants and known
    shapes; and the tensors left unfolded because they, or what they are computed from, are past a bound."""
    values: Values = {}
    unfolded: Reasons = {}
    for tensor in model.graph.initializer:
        if foldable(tensor):
            values[tensor.name] = numpy_helper.to_array(tensor)
    for node in nodes:
        past = None if node.op_type in ("Shape", "Size") else next((unfolded[name] for name in node.input if name in unfolded), None)  # they read shapes alone
        if past is None:
            try:
                outputs = fold_node(node, values, shapes)
            except Unfoldable as error:
                past = f"{_named(node)} {error}"
            except (ValueError, IndexError, TypeError, KeyError, ZeroDivisionError, OverflowError, FloatingPointError):
                continue  # not a computation that folds (or not one written here): left to inference
        if past is not None:
            unfolded.update((name, past) for name in node.output if name)
            continue
        for name, result in zip(node.output, outputs, strict=False):
            if name and result is not None and small(result):
                values[name] = result
    return values, unfolded
