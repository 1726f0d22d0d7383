"""A Keras model's layers as a graph of operations: Sequential in order, Functional by its
`inbound_nodes`, each layer's output known by the layer's name. The graph is nested as ONNX graphs
are (formats/graph/nesting.py), so a Functional model's `Add` is a `residual` and its `Concatenate`
a `concat`; recurrent layers stacked one on another become one layer of `layers: N`."""

from __future__ import annotations

from typing import Any

from archcalc.errors import Origin, SpecError
from archcalc.formats.graph.nesting import Join, ModelGraph, Operation, applied
from archcalc.formats.graph.order import dependency_order
from archcalc.formats.keras.config import class_name, is_whole, layer_config, layer_name, shown
from archcalc.formats.keras.layers import Site, converted
from archcalc.kinds.recurrent import Recurrent
from archcalc.model import NO_COST, Layer, Shape
from archcalc.printable import describe
from archcalc.values import replace

JOINS = {"Add": Join.ADD, "Concatenate": Join.CONCAT, "Multiply": Join.MUL}
SEQUENTIAL_INPUT = "<input>"
"""A Sequential model's input, as its first layer reads it: no Keras layer is named so (a layer named `input` may be)."""
ATTENTION_INPUTS = ("query", "value", "key")
"""The keyword arguments of a MultiHeadAttention call that name its inputs (a mask does not change its figures)."""


class KerasGraph:
    """One model's layers, read into operations."""

    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        self.shapes: dict[str, Shape] = {}
        self.operations: list[Operation] = []

    def sequential(self, layers: list[Any], document: dict[str, Any]) -> ModelGraph:
        first = layers[0]
        shape = _input_shape(first, document, self.origin)
        tensor = SEQUENTIAL_INPUT
        self.shapes[tensor] = shape
        for index, layer in enumerate(layers):
            if class_name(layer) == "InputLayer":
                continue
            if not isinstance(layer, dict):
                raise SpecError(f"layer {index + 1} of the Keras config is not a mapping", self.origin)
            tensor = self.layer(layer, [tensor])
        return ModelGraph(SEQUENTIAL_INPUT, shape, tensor, _stacked(self.operations))

    def functional(self, layers: list[Any], config: dict[str, Any]) -> ModelGraph:
        for index, layer in enumerate(layers):
            if not isinstance(layer, dict):
                raise SpecError(f"layer {index + 1} of the Keras config is not a mapping", self.origin)
        inputs = [layer for layer in layers if class_name(layer) == "InputLayer"]
        if len(inputs) != 1:
            raise SpecError(f"archcalc reads models with one input; this Keras model has {len(inputs)}", self.origin)
        input_name = layer_name(inputs[0], self.origin)
        self.shapes[input_name] = _input_shape(inputs[0], {}, self.origin)
        outputs = config.get("output_layers")
        if isinstance(outputs, list) and outputs and isinstance(outputs[0], str):
            outputs = [outputs]  # Keras 3 writes a single output as ["name", 0, 0]
        if not isinstance(outputs, list) or len(outputs) != 1 or not isinstance(outputs[0], list) or not outputs[0]:
            raise SpecError("archcalc reads Keras models with one output", self.origin)
        output = str(outputs[0][0])
        rest = [layer for layer in layers if class_name(layer) != "InputLayer"]
        names = [layer_name(layer, self.origin) for layer in rest]
        sources = [_inbound(layer, self.origin, _keywords(layer)) for layer in rest]
        produced: dict[str, str] = {input_name: input_name}
        for index in _in_order(names, sources, input_name, self.origin):
            produced[names[index]] = self.layer(rest[index], [produced[source] for source in sources[index]])
        if output not in produced:
            raise SpecError(f"the Keras model's output '{output}' is not one of its layers", self.origin)
        return ModelGraph(input_name, self.shapes[input_name], produced[output], _stacked(self.operations))

    def layer(self, layer: dict[str, Any], inputs: list[str]) -> str:
        """Add one Keras layer's operations; return the tensor it outputs."""
        kind, name = class_name(layer), layer_name(layer, self.origin)
        config = layer_config(layer, name, self.origin)
        if kind in JOINS:
            return self.join(kind, name, inputs, config)
        if kind == "MultiHeadAttention":
            inputs = list(dict.fromkeys(inputs))  # self-attention: query, value (and key) are one tensor
            if len(inputs) > 1:
                raise SpecError(f"Keras layer '{name}' attends to another sequence than its queries; archcalc reads self-attention", self.origin)
        if len(inputs) != 1:
            raise SpecError(f"Keras layer '{name}' ({kind}) reads {len(inputs)} inputs; archcalc reads it with one", self.origin)
        tensor = inputs[0]
        site = Site(kind, name, config, self.shapes[tensor], self.origin)
        for number, made in enumerate(converted(site)):
            tensor = self.add(made, tensor, name if number == 0 else f"{name}/{made.kind}")
        return tensor

    def add(self, layer: Layer, tensor: str, output: str) -> str:
        self.new_tensor(output)
        shape = self.shapes[tensor]
        result = applied(layer, shape)
        self.shapes[output] = result.output_shape
        self.operations.append(Operation(output, layer.kind, (tensor,), output, shape, result.output_shape, result.cost, layer))
        return output

    def join(self, kind: str, name: str, inputs: list[str], config: dict[str, Any]) -> str:
        if not inputs:
            raise SpecError(f"Keras layer '{name}' ({kind}) joins no inputs", self.origin)
        self.new_tensor(name)
        shapes = [self.shapes[tensor] for tensor in inputs]
        if JOINS[kind] is Join.CONCAT:
            if config.get("axis", -1) not in (-1, len(shapes[0])):
                raise SpecError(f"Keras layer '{name}' concatenates on axis {config.get('axis')}; archcalc joins on the channels (the last axis)", self.origin)
            output: Shape = (*shapes[0][:-1], sum(shape[-1] for shape in shapes))
        else:
            output = shapes[0]
        self.shapes[name] = output
        self.operations.append(Operation(name, kind, tuple(inputs), name, shapes[0], output, NO_COST, None, JOINS[kind]))
        return name

    def new_tensor(self, name: str) -> None:
        """A layer's output is known by its name, which no other layer may have (as Keras requires)."""
        if name in self.shapes:
            raise SpecError(f"two Keras layers are named '{name}'; a model's layer names are unique", self.origin)


def _stacked(operations: list[Operation]) -> tuple[Operation, ...]:
    """A recurrent layer that reads every step of one like it (same kind, width, directions and bias)
    and nothing else reads is its next stacked layer, as PyTorch writes them: one layer of `layers: 2`."""
    readers: dict[str, int] = {}
    for operation in operations:
        for tensor in operation.inputs:
            readers[tensor] = readers.get(tensor, 0) + 1
    stacked: list[Operation] = []
    for operation in operations:
        below = stacked[-1] if stacked else None
        layer, previous = operation.layer, below.layer if below is not None else None
        if (
            below is not None
            and isinstance(layer, Recurrent)
            and isinstance(previous, Recurrent)
            and type(layer) is type(previous)
            and operation.inputs == (below.output,)
            and readers[below.output] == 1
            and previous.sequences
            and (layer.hidden, layer.bidirectional, layer.bias) == (previous.hidden, previous.bidirectional, previous.bias)
        ):
            merged = replace(previous, layers=previous.layers + layer.layers, sequences=layer.sequences)
            stacked[-1] = replace(below, output=operation.output, output_shape=operation.output_shape, cost=below.cost + operation.cost, layer=merged)
        else:
            stacked.append(operation)
    return tuple(stacked)


def _in_order(names: list[str], sources: list[list[str]], input_name: str, origin: Origin) -> list[int]:
    """The layers in an order where each comes after the layers it reads, in the file's order where
    that allows: each layer waits only for its own sources (one pass, however the file orders them)."""
    makers = {name: index for index, name in enumerate(names)}
    if len(makers) < len(names) or input_name in makers:
        twice = next(name for index, name in enumerate(names) if makers[name] != index or name == input_name)
        raise SpecError(f"two Keras layers are named '{twice}'; a model's layer names are unique", origin)
    needs: list[list[int]] = []
    for index, read in enumerate(sources):
        needs.append([])
        for source in read:
            if source == input_name:
                continue
            maker = makers.get(source)
            if maker is None:
                raise SpecError(f"Keras layer '{names[index]}' reads '{source}', which is not one of the model's layers", origin)
            needs[index].append(maker)
    order, waiting = dependency_order(needs)
    if waiting:
        stuck = [f"'{names[index]}'" for index in waiting]
        raise SpecError(f"the Keras layers {', '.join(stuck[:3])}{', ...' if len(stuck) > 3 else ''} read each other in a cycle", origin)
    return order


def _keywords(layer: dict[str, Any]) -> tuple[str, ...]:
    """The keyword arguments of the layer's call that name inputs it reads."""
    return ATTENTION_INPUTS if class_name(layer) == "MultiHeadAttention" else ()


def _inbound(layer: dict[str, Any], origin: Origin, keywords: tuple[str, ...] = ()) -> list[str]:
    """The layers this one reads, from `inbound_nodes` in Keras 2's form ([[["a", 0, 0, {}]]]) or Keras 3's;
    the `keywords` of the call name inputs too (MultiHeadAttention's value)."""
    nodes = layer.get("inbound_nodes") or []
    if not isinstance(nodes, list):
        raise SpecError(f"Keras layer '{layer_name(layer, origin)}': 'inbound_nodes' must be a list, got {describe(nodes)}", origin)
    if len(nodes) != 1:
        raise SpecError(f"Keras layer '{layer_name(layer, origin)}' is called {len(nodes)} times; archcalc reads layers called once", origin)
    node = nodes[0]
    if isinstance(node, list):  # Keras 2: [name, node, tensor, {keyword: [name, node, tensor]}]
        if not all(isinstance(entry, list) and entry for entry in node):
            raise SpecError(f"Keras layer '{layer_name(layer, origin)}': each inbound entry must be a list [layer, node, tensor, keywords]", origin)
        names = [str(entry[0]) for entry in node]
        for entry in node:
            arguments = entry[3] if len(entry) > 3 and isinstance(entry[3], dict) else {}
            names += [str(arguments[key][0]) for key in keywords if isinstance(arguments.get(key), list) and arguments[key]]
        return names
    if not isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
        name = layer_name(layer, origin)
        raise SpecError(f"Keras layer '{name}': an inbound node must be a list (Keras 2) or a mapping (Keras 3), got {describe(node)}", origin)
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            config = value.get("config") if value.get("class_name") == "__keras_tensor__" else None
            history = config.get("keras_history") if isinstance(config, dict) else None
            if isinstance(history, list) and history:  # [layer, node, tensor]
                found.append(str(history[0]))
                return
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(node.get("args", []))
    keyword_arguments = node.get("kwargs")
    if isinstance(keyword_arguments, dict):
        walk([keyword_arguments[key] for key in keywords if key in keyword_arguments])
    return found


def _input_shape(layer: Any, document: dict[str, Any], origin: Origin) -> Shape:
    config = layer.get("config") if isinstance(layer, dict) else None
    config = config if isinstance(config, dict) else {}
    build = document.get("build_config")
    shape = config.get("batch_shape") or config.get("batch_input_shape") or (build.get("input_shape") if isinstance(build, dict) else None)
    if not isinstance(shape, list) or len(shape) < 2 or not all(is_whole(size) for size in shape[1:]):
        raise SpecError(
            f"the Keras model's input shape must be fixed, got {shown(shape)}",
            origin,
            None,
            "build the model with a full input shape, e.g. keras.Input((224, 224, 3))",
        )
    return tuple(shape[1:])
