"""ONNX files -> a `Spec`: archcalc's kinds recognised from the graph's operators, the rest counted.

The file is checked before anything in it is read (load.py), shapes come from ONNX's own inference
with the batch axis fixed at 1 (shapes.py), the constant tensors are sorted into parameters and
the rest (weights.py), each tensor's channels are followed (layout.py), and each node on activations
becomes an operation: what the file holds for it (costs.py) and the layer that describes it, from one
table of operators (operators.py) or, for attention, recurrent layers and norms written out in
arithmetic, from a pattern of nodes (patterns.py). The operations are then nested as a spec's layers
(formats/graph/nesting.py), and the spec read must give exactly the file's totals (engine/verify.py).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archcalc.engine.verify import mismatch
from archcalc.errors import Origin, SpecError
from archcalc.formats.graph.nesting import Join, ModelGraph, Operation, nest
from archcalc.formats.onnx.attributes import int_attribute
from archcalc.formats.onnx.costs import Costs
from archcalc.formats.onnx.layout import Layout, channels, dropped, input_layout, layout_after
from archcalc.formats.onnx.load import MAX_ONNX_BYTES, loaded_model, opset
from archcalc.formats.onnx.operators import PASSES, Site, read_node
from archcalc.formats.onnx.pattern_layers import KEEPS_LAYOUT_PATTERNS, NORM_PATTERNS, PATTERNS, Found
from archcalc.formats.onnx.patterns import Constants, Pattern, find_patterns
from archcalc.formats.onnx.shapes import Shapes, fix_batch, inferred_shapes, model_input, model_output
from archcalc.formats.onnx.subgraphs import refuse_weighted_control_flow
from archcalc.formats.onnx.weights import AFFINE_NORMS, Weights
from archcalc.formats.onnx.windows import spatial_cut, zero_padding
from archcalc.formats.options import DEFAULT, ReadOptions
from archcalc.model import Cost, Spec, total_cost

if TYPE_CHECKING:
    from onnx import ModelProto

    from archcalc.formats.onnx.load import Node

__all__ = ["MAX_ONNX_BYTES", "read_onnx"]

MAX_NAMED_SHARED = 12
"""The most shared tensors a note names one by one; the rest are counted."""


def read_onnx(data: bytes, source: str, path: Path | None, name: str, options: ReadOptions = DEFAULT) -> Spec:
    """An ONNX file's bytes (read from `path`, or None for standard input) -> Spec; every problem a
    SpecError naming `source`."""
    _, model, nodes = loaded_model(data, source, path)
    return _Reader(model, nodes, Origin(source), options).spec(name)


class _Reader:
    """One model's graph, classified and converted."""

    def __init__(self, model: ModelProto, nodes: list[Node], origin: Origin, options: ReadOptions) -> None:
        self.model = model
        self.origin = origin
        graph = model.graph
        self.input, self.input_note = model_input(graph, {tensor.name for tensor in graph.initializer}, origin, options.input)
        self.output = model_output(graph, origin)
        self.nodes = nodes  # in an order where each comes after what it reads (load.topological)
        self.weights = Weights(model, self.nodes, options.untie)
        self.opset = opset(model)
        self.folded: list[int] = []  # the filters of each convolution a batch norm was folded into
        self.unlearned_norms: list[tuple[str, int]] = []  # norms whose scale and shift are 1 and 0: (name, channels)
        self.layouts: dict[str, Layout] = {}

    def spec(self, name: str) -> Spec:
        fix_batch(self.input, self.origin)
        data = self.weights.classify(self.input.name)
        refuse_weighted_control_flow(self.nodes, self.weights, self.origin)  # Loop, If, Scan: never a weight dropped
        shapes = inferred_shapes(self.model, self.nodes, self.origin)
        self.weights.find_tied_copies(data)
        live = self._live(data)
        patterns = self._patterns(live, shapes)
        norm_nodes = {id(node) for pattern in patterns if pattern.kind in NORM_PATTERNS for node in pattern.nodes}
        costs = Costs(self.weights, data, shapes, norm_nodes)
        operations = list(self._operations(data, live, patterns, shapes, costs))
        input_shape = dropped(shapes[self.input.name], self.layouts[self.input.name])
        graph = ModelGraph(self.input.name, input_shape, self.output, tuple(operations))
        file_total = total_cost([operation.cost for operation in operations])
        layers = nest(graph, self.origin)
        producer = " ".join(part for part in (self.model.producer_name, self.model.producer_version) if part) or "an unnamed exporter"
        description = f"exported by {producer}, opset {self.opset}"
        spec = Spec(name, input_shape, layers, self.origin, description, notes=tuple(self._notes(file_total, costs)), from_model=True)
        output_shape = graph.operations[-1].output_shape if operations else input_shape
        wrong = mismatch(spec, file_total, output_shape)
        if wrong is not None:
            raise SpecError(
                f"archcalc misread this file: its layers count {wrong.total!r} with output {list(wrong.output_shape)}, "
                f"the file holds {file_total!r} with output {list(output_shape)}",
                self.origin,
                None,
                "please report it with the file",
            )
        return spec

    def _operations(self, data: set[str], live: set[str], patterns: list[Pattern], shapes: Shapes, costs: Costs) -> Iterator[Operation]:
        """Each operation on activations, in order, with what the file holds for it and its layer."""
        first_reader = next((node for node in self.nodes if self.input.name in node.input), None)
        self.layouts[self.input.name] = input_layout(len(shapes.get(self.input.name, ())), first_reader)
        fused: set[int] = set()  # nodes taken into the operation before them (MatMul + Add is one dense), by id
        readers: dict[str, list[Node]] = {}
        for node in self.nodes:
            for name in dict.fromkeys(node.input):
                readers.setdefault(name, []).append(node)
        pattern_of = {id(node): pattern for pattern in patterns for node in pattern.nodes}
        for node in self.nodes:
            if id(node) in fused or node.op_type == "Constant":
                continue
            names = node.input
            if data.isdisjoint(names) or self._unused(node, live, data, shapes):
                continue
            inputs = tuple(dict.fromkeys(name for name in names if name in data))
            for output in node.output:
                if output in data and output not in shapes:
                    raise SpecError(f"ONNX shape inference leaves the shape of '{output}' (node '{node.name}', {node.op_type}) unknown", self.origin)
            pattern = pattern_of.get(id(node))
            if pattern is not None:
                if node is pattern.nodes[-1]:  # the pattern's nodes read nothing else: it is whole here
                    yield self._pattern_operation(pattern, shapes, costs)
                continue
            yield self._node_operation(node, inputs, readers, pattern_of, fused, data, shapes, costs)

    def _node_operation(
        self,
        node: Node,
        inputs: tuple[str, ...],
        readers: dict[str, list[Node]],
        pattern_of: dict[int, Pattern],
        fused: set[int],
        data: set[str],
        shapes: Shapes,
        costs: Costs,
    ) -> Operation:
        """One node (and the node it absorbs) as an operation, its layer read by OPERATORS."""
        outputs, op_type = node.output, node.op_type
        output_name = outputs[0]
        found = readers.get(output_name, [])
        follower = found[0] if len(found) == 1 else None
        absorbed = follower is not None and id(follower) not in pattern_of and self._absorbs(node, follower, data, shapes)
        if not absorbed:
            follower = None
        if follower is not None:
            fused.add(id(follower))
            output_name = follower.output[0]
        lead = follower if follower is not None and op_type == "Pad" else node  # a zero Pad is its convolution's padding
        lead_type = lead.op_type
        if lead_type in ("Conv", "ConvTranspose") and _was_folded(lead):
            self.folded.append(channels(shapes.get(lead.output[0], ())))
        if lead_type in AFFINE_NORMS and self.weights.unlearned_affine(lead):
            self.unlearned_norms.append((lead.name or output_name, channels(shapes.get(lead.output[0], ()))))
        in_dims, out_dims = shapes.get(inputs[0], ()), shapes[output_name]
        incoming = self.layouts[inputs[0]]
        layout = layout_after(node, incoming, in_dims, shapes.get(outputs[0], ()))
        self.layouts[output_name] = layout
        for name in outputs:
            self.layouts.setdefault(name, layout)
        cost = costs.cost(node)
        if follower is not None:
            cost = cost + costs.cost(follower, absorbed=op_type == "MatMul")
        join = _join(node, len(inputs), incoming, len(in_dims))
        reading = None
        if len(inputs) == 1:
            site = Site(node, follower, inputs[0], in_dims, out_dims, incoming, shapes, self.weights, self.opset, self.origin)
            reading = read_node(site)
        passes = reading is PASSES
        layer = None if reading is PASSES else reading
        cut = None
        if op_type == "Slice" and len(inputs) == 1 and incoming is Layout.FIRST:
            cut = spatial_cut(node, in_dims, out_dims, self.opset, self.weights, shapes)
        input_shape, output_shape = dropped(in_dims, incoming), dropped(out_dims, layout)
        passes = passes and cost == Cost()
        return Operation(lead.name or output_name, lead_type, inputs, output_name, input_shape, output_shape, cost, layer, join, passes, cut)

    def _unused(self, node: Node, live: set[str], data: set[str], shapes: Shapes) -> bool:
        """Shape, Size, or an operation whose result only a Shape reads: nothing the output is computed
        from, and nothing learned (a node that holds a weight is kept, so its weight is counted)."""
        if not live.isdisjoint(node.output):
            return False
        return not any(self.weights.role(node, index, name, shapes) for index, name in enumerate(node.input) if name and name not in data)

    def _live(self, data: set[str]) -> set[str]:
        """The activations the model's output is computed from."""
        live = {self.output}
        for node in reversed(self.nodes):
            if not live.isdisjoint(node.output):
                live.update(name for name in node.input if name in data)
        return live

    def _patterns(self, data: set[str], shapes: Shapes) -> list[Pattern]:
        weights = self.weights
        constants = Constants(scalar=weights.scalar, literal=weights.literal, reduced_axes=weights.reduced_axes)
        return find_patterns(self.nodes, data, shapes, self.output, constants)

    def _pattern_operation(self, pattern: Pattern, shapes: Shapes, costs: Costs) -> Operation:
        """Attention or a recurrent layer, with its reshaping, as one operation: [1, N, D] in and out."""
        cost = total_cost([costs.cost(node) for node in pattern.nodes])
        layout = self.layouts.get(pattern.start, Layout.LAST)
        for node in pattern.nodes:  # the pattern gives a sequence, or (GELU, a group norm) keeps the layout it read
            for name in node.output:
                self.layouts[name] = layout if pattern.kind in KEEPS_LAYOUT_PATTERNS else Layout.LAST
        in_dims, out_dims = shapes[pattern.start], shapes[pattern.end]
        name = _pattern_name(pattern)
        layer = PATTERNS[pattern.kind](Found(pattern, in_dims, layout, cost, shapes, self.origin, name))
        out_layout = self.layouts[pattern.end]
        return Operation(name, pattern.kind, (pattern.start,), pattern.end, dropped(in_dims, layout), dropped(out_dims, out_layout), cost, layer)

    def _absorbs(self, node: Node, follower: Node, data: set[str], shapes: Shapes) -> bool:
        """MatMul by a weight, then Add of a bias vector, is one dense layer; a global pool, then
        Flatten to [batch, C], is one global pool; a Pad of zeros on the spatial axes, then a Conv,
        is one convolution with that padding."""
        weights = self.weights
        if node.op_type == "MatMul" and follower.op_type == "Add" and len(node.input) == 2 and node.input[1] not in data:
            constants = [name for name in follower.input if name not in data]
            weight, bias = weights.weight_dims(node.input[1], shapes), weights.weight_dims(constants[0], shapes) if len(constants) == 1 else None
            return weight is not None and len(weight) == 2 and bias is not None and bias == weight[1:]
        if node.op_type in ("GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceMax") and follower.op_type in ("Flatten", "Reshape", "Squeeze"):
            return len(shapes.get(follower.output[0], ())) == 2
        if node.op_type == "Pad" and follower.op_type == "Conv" and follower.input[0] == node.output[0]:
            return zero_padding(node, len(shapes.get(node.output[0], ())), self.opset, weights, shapes) is not None
        return False

    def _notes(self, file_total: Cost, costs: Costs) -> Iterator[str]:
        if self.input_note is not None:
            yield self.input_note
        if not self.weights.untie:
            yield from self._tie_notes(file_total, costs)
        if self.unlearned_norms:
            count, channel_count = len(self.unlearned_norms), sum(channels for _, channels in self.unlearned_norms)
            names = ", ".join(f"'{name}'" for name, _ in self.unlearned_norms[:3]) + (", ..." if count > 3 else "")
            yield (
                f"norms without affine parameters: the scale and shift the file holds for {count:,} instance or group norm{'s' if count > 1 else ''} "
                f"({names}) are all 1 and all 0, as exporters write a norm that has none (PyTorch's InstanceNorm default); they are not counted. "
                f"A model whose norms do have them, never trained, holds the same values: it has {2 * channel_count:,} params more"
            )
        if self.folded:
            count, channel_count = len(self.folded), sum(self.folded)
            plural = count > 1
            yield (
                f"batch norms folded: the exporter merged {count:,} batch norm{'s' if plural else ''} into the convolution{'s' if plural else ''} "
                f"before {'them' if plural else 'it'}; the figures are the file's. Each norm's 2·C scale and shift became the C biases the file holds: "
                f"if those convolutions had no bias of their own, the model it came from has {file_total.params + channel_count:,} params "
                f"({channel_count:,} more) and {2 * channel_count:,} running statistics the file does not hold; if they had one "
                f"(PyTorch's default for a Conv), it has {file_total.params + 2 * channel_count:,} params ({2 * channel_count:,} more)"
            )

    def _tie_notes(self, file_total: Cost, costs: Costs) -> Iterator[str]:
        """Stored tensors counted once though several layers read them: a tie, or an exporter's merge."""
        for copy, table in self.weights.tied_copies.items():
            stored = self.weights.constants[copy]
            width, rows = stored.dims if stored is not None else (0, 0)
            yield (
                f"tied weights: the file stores the embedding table '{table}' ({rows:,}×{width:,}) a second time, transposed, as '{copy}'; "
                f"it is counted once, as PyTorch counts a tied weight"
            )
        if not costs.shared:
            return
        sizes = self.weights.sizes
        each = [
            f"'{source}' read by {more + 1:,} layers: {sizes[source]:,} counted, {sizes[source] * (more + 1):,} untied" for source, more in costs.shared.items()
        ]
        shown = "; ".join(each[:MAX_NAMED_SHARED]) + (f"; and {len(each) - MAX_NAMED_SHARED:,} more" if len(each) > MAX_NAMED_SHARED else "")
        untied = file_total.params + sum(sizes[source] * more for source, more in costs.shared.items())
        yield (
            f"weights read by more than one layer are counted once, as PyTorch counts a tied weight ({shown}). An exporter also merges "
            f"tensors that only happen to be equal, as the identical layers of an untrained model are: if these are such copies, the model "
            f"has {untied:,} params ({untied - file_total.params:,} more), which --untie counts"
        )


def _was_folded(node: Node) -> bool:
    """A batch norm folded into this convolution by the exporter: torch.onnx's optimiser says so in
    the node's metadata; its older TorchScript exporter names the computed weight `onnx::Conv_…`."""
    rules = " ".join(entry.value for entry in node.metadata_props if entry.key.endswith("rule_name"))
    return "BatchNorm" in rules or node.input[1].startswith(("onnx::Conv_", "onnx::ConvTranspose_"))


def _pattern_name(pattern: Pattern) -> str:
    """The module the pattern's nodes come from: the scope torch.onnx records (`layers.0.self_attention`),
    or the nodes' common path (`/layers/layers.0/self_attention`); else its core node's name."""
    scopes = _common_prefix([_name_scopes(node) for node in pattern.nodes])
    if scopes and scopes[-1]:
        return scopes[-1]
    path = _common_prefix([node.name.split("/")[:-1] for node in pattern.nodes])
    if any(path):
        return "/".join(path)
    core = pattern.scores if pattern.scores is not None else pattern.layers[0] if pattern.layers else pattern.nodes[0]
    return core.name or core.output[0]


def _common_prefix(lists: list[list[str]]) -> list[str]:
    prefix: list[str] = []
    for parts in zip(*lists, strict=False):
        if len(set(parts)) > 1:
            break
        prefix.append(parts[0])
    return prefix


def _name_scopes(node: Node) -> list[str]:
    """torch.onnx's record of the modules a node came from, `['', 'layers', 'layers.0', ...]`."""
    for entry in node.metadata_props:
        if entry.key == "pkg.torch.onnx.name_scopes" and len(entry.value) < 2000:
            try:
                scopes: Any = ast.literal_eval(entry.value)  # a literal only: never code
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                return []
            return [str(scope) for scope in scopes] if isinstance(scopes, list) else []
    return []


def _join(node: Node, inputs: int, layout: Layout, rank: int) -> Join | None:
    if inputs < 2:
        return None
    match node.op_type:
        case "Add":
            return Join.ADD
        case "Mul":
            return Join.MUL
        case "Concat":
            axis = int_attribute(node, "axis", 0) % rank if rank else 0
            channel_axis = 1 if layout is Layout.FIRST and rank >= 3 else rank - 1
            return Join.CONCAT if axis == channel_axis else None
        case _:
            return None
