"""Subgraphs of an ONNX graph that are one archcalc layer: attention, recurrent layers with the
reshaping their exporters write around them, layer norms, RMS norms and GELUs written out in
arithmetic (as exporters do for opsets without LayerNormalization, RMSNormalization or Gelu), and
group norms written as an instance norm of the channels' groups (as torch.onnx writes GroupNorm).

A pattern is found from its core (attention's two products of activations, a recurrent node, a norm's
square root, GELU's Erf or Tanh, a group norm's InstanceNormalization) and grown to the tensor it
reads and the one it gives back. Nothing
here decides figures: the reader makes each pattern one layer (operators.PATTERNS) and keeps that layer
only when it gives exactly the file's figures and shape, so a pattern read wrongly is counted, never
misreported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from archcalc.formats.onnx.attributes import int_attribute, ints_attribute
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.formats.onnx.load import Node

MOVES = {"Transpose", "Reshape", "Squeeze", "Unsqueeze", "Flatten", "Identity", "Dropout"}
"""Operators that move or relabel values and compute nothing."""

ATTENTION_OPERATORS = MOVES | {"MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "Softmax", "Gather", "Slice", "Split", "Expand", "Tile", "Cast", "Where", "Concat"}
"""What an exported attention is made of: projections, heads split and joined, scores scaled, masked and normalised."""

SCORE_PATH = MOVES | {"Softmax", "Mul", "Div", "Add", "Sub", "Where", "Cast"}
"""Between the scores and the product that weighs the values: scaling, a mask, the softmax."""

RECURRENT = {"LSTM": "lstm", "GRU": "gru", "RNN": "rnn"}

POINTWISE = {"Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Neg", "Erf", "Tanh"}
"""Element-wise arithmetic GELU is written in, with literals (0.5, √2, 0.044715)."""

MAX_PATTERN_NODES = 1024
"""The most nodes a pattern holds, and the most steps any search for one takes: an exported attention is
a few dozen nodes, so a file built to make the search slow costs it little."""

Dims = tuple[int, ...]


@value
class Constants:
    """What the reader tells of constant inputs."""

    scalar: Callable[[str], float | None]  # a stored single value
    literal: Callable[[str], bool]  # computed from single values alone: no table
    reduced_axes: Callable[[Node, int], tuple[int, ...] | None]  # the axes a Reduce node reduces


@value
class Pattern:
    """Nodes that are together one layer, from the tensor `start` to the tensor `end`."""

    kind: str  # attention, lstm, gru, rnn, layernorm, rmsnorm, gelu, groupnorm
    nodes: tuple[Node, ...]  # in the graph's order
    start: str
    end: str
    scores: Node | None = None  # attention: the product of queries and keys
    layers: tuple[Node, ...] = ()  # recurrent: the node of each stacked layer
    sequences: bool = True  # recurrent: every step, or (False) the last step alone
    groups: int = 0  # groupnorm: the groups the channels are normalised in


def find_patterns(nodes: list[Node], data: set[str], shapes: dict[str, Dims], graph_output: str, constants: Constants) -> list[Pattern]:
    """The patterns of a graph whose `nodes` come in an order where each follows what it reads; `data`
    names the activations the output is computed from."""
    finder = _Finder(nodes, data, shapes, graph_output, constants)
    patterns: list[Pattern] = []
    taken: set[int] = set()
    found = [
        *finder.recurrent_patterns(),
        *finder.attention_patterns(),
        *finder.from_cores({"Sqrt"}, finder.norm),
        *finder.from_cores({"Erf", "Tanh"}, finder.gelu),
        *finder.from_cores({"InstanceNormalization"}, finder.group_norm),
    ]
    for pattern in found:
        members = {id(node) for node in pattern.nodes}
        if members & taken:
            continue  # patterns never share a node: the first found keeps it
        taken |= members
        patterns.append(pattern)
    return patterns


class _Finder:
    def __init__(self, nodes: list[Node], data: set[str], shapes: dict[str, Dims], graph_output: str, constants: Constants) -> None:
        self.data = data
        self.shapes = shapes
        self.graph_output = graph_output
        self.constants = constants
        self.nodes: list[Node] = []  # the operations on activations (a Shape node reads one but makes a constant)
        self.producer: dict[str, Node] = {}
        self.consumers: dict[str, list[Node]] = {}
        for node in nodes:
            inputs, outputs = self.inputs(node), [name for name in node.output if name in data]
            if not inputs or not outputs:
                continue
            self.nodes.append(node)
            self.producer.update(dict.fromkeys(outputs, node))
            for name in dict.fromkeys(inputs):
                self.consumers.setdefault(name, []).append(node)
        self.order = {id(node): index for index, node in enumerate(self.nodes)}
        self.dominator: dict[str, str] = {}
        self.depth: dict[str, int] = {}

    def inputs(self, node: Node) -> list[str]:
        return [name for name in node.input if name in self.data]

    def only_reader(self, tensor: str) -> Node | None:
        readers = self.consumers.get(tensor, [])
        return readers[0] if len(readers) == 1 and tensor != self.graph_output else None

    def dims(self, tensor: str) -> Dims | None:
        return self.shapes.get(tensor)

    def from_cores(self, operators: set[str], grown: Callable[[Node], Pattern | None]) -> Iterator[Pattern]:
        """The pattern grown from each node of these operators (a norm's Sqrt, GELU's Erf), where one is."""
        for core in self.nodes:
            if core.op_type in operators:
                pattern = grown(core)
                if pattern is not None:
                    yield pattern

    # attention

    def attention_patterns(self) -> Iterator[Pattern]:
        for weighted in self.nodes:
            if weighted.op_type == "MatMul" and len(self.inputs(weighted)) == 2:
                scores = self.scores_before(weighted)
                pattern = self.attention(scores, weighted) if scores is not None else None
                if pattern is not None:
                    yield pattern

    def scores_before(self, weighted: Node) -> Node | None:
        """The product of queries and keys whose softmax `weighted` multiplies with the values."""
        tensor, softmax = weighted.input[0], False
        for _ in range(MAX_PATTERN_NODES):
            node = self.producer.get(tensor)
            if node is None:
                return None
            if node.op_type == "MatMul" and len(self.inputs(node)) == 2:
                return node if softmax else None
            if node.op_type not in SCORE_PATH or len(self.inputs(node)) != 1:
                return None
            softmax = softmax or node.op_type == "Softmax"
            tensor = self.inputs(node)[0]
        return None

    def attention(self, scores: Node, weighted: Node) -> Pattern | None:
        score_dims = self.dims(scores.output[0])
        if score_dims is None or len(score_dims) < 2:
            return None
        end = self.attention_end(weighted, score_dims[-2])
        if end is None:
            return None
        start = self.common_dominator([*self.inputs(scores), *self.inputs(weighted)])
        for _ in range(MAX_PATTERN_NODES):  # back through a fused projection to the sequence it read
            if start is None or self.dims(start) == self.dims(end):
                break
            node = self.producer.get(start)
            start = self.inputs(node)[0] if node is not None and node.op_type in ATTENTION_OPERATORS and len(self.inputs(node)) == 1 else None
        if start is None:
            return None
        nodes = self.between(start, end)
        if nodes is None or any(node.op_type not in ATTENTION_OPERATORS for node in nodes):
            return None
        if [node for node in nodes if node.op_type == "MatMul" and len(self.inputs(node)) == 2] != [scores, weighted]:
            return None
        return Pattern("attention", tuple(nodes), start, end, scores=scores)

    def attention_end(self, weighted: Node, queries: int) -> str | None:
        """After the weighted sum: the heads joined, the output projection (and its bias), back to [1, N, D]."""
        tensor, projected = weighted.output[0], False
        for _ in range(MAX_PATTERN_NODES):
            reader = self.only_reader(tensor)
            dims = self.dims(tensor)
            bias_next = reader is not None and reader.op_type == "Add" and len(self.inputs(reader)) == 1
            if projected and dims is not None and len(dims) == 3 and dims[:2] == (1, queries) and not bias_next:
                return str(tensor)
            if reader is None or len(self.inputs(reader)) != 1:
                return None
            if reader.op_type in ("MatMul", "Gemm"):
                if projected:
                    return None
                projected = True
            elif reader.op_type != "Add" and reader.op_type not in MOVES:
                return None
            tensor = next(name for name in reader.output if name in self.data)
        return None

    def common_dominator(self, tensors: list[str]) -> str | None:
        """The last tensor every path from the model's input to all of `tensors` passes through."""
        found: str | None = tensors[0]
        for tensor in tensors[1:]:
            found = self.meet(found, tensor) if found is not None else None
        return found

    def meet(self, first: str, second: str) -> str | None:
        """The nearest tensor that dominates both; None when it is further than a pattern reaches."""
        for _ in range(2 * MAX_PATTERN_NODES):
            if first == second:
                return first
            first_depth, second_depth = self.dominated(first), self.dominated(second)
            if first_depth >= second_depth:
                first = self.dominator.get(first, "")
            if second_depth >= first_depth:
                second = self.dominator.get(second, "")
            if not first or not second:
                return None
        return None

    def dominated(self, tensor: str) -> int:
        """The tensor's depth in the dominator tree (the input is 0), its immediate dominator recorded."""
        if tensor in self.depth:
            return self.depth[tensor]
        pending = [tensor]
        while pending:  # without recursion: a deep model would overflow Python's stack
            current = pending[-1]
            node = self.producer.get(current)
            inputs = self.inputs(node) if node is not None else []
            missing = [name for name in inputs if name not in self.depth]
            if missing:
                pending.extend(missing)
                continue
            pending.pop()
            if current in self.depth:
                continue
            if not inputs:
                self.depth[current] = 0
                continue
            meeting: str | None = inputs[0]
            for name in inputs[1:]:
                meeting = self.meet(meeting, name) if meeting is not None else None
            if meeting is None:
                self.depth[current] = 0
                continue
            self.dominator[current] = meeting
            self.depth[current] = self.depth[meeting] + 1
        return self.depth[tensor]

    def between(self, start: str, end: str) -> list[Node] | None:
        """The nodes `end` is computed from, back to `start`, in the graph's order; None unless they read
        nothing else and nothing else reads them."""
        found: dict[int, Node] = {}
        pending = [end]
        while pending:
            tensor = pending.pop()
            if tensor == start:
                continue
            node = self.producer.get(tensor)
            if node is None:
                return None  # reached the model's input without passing `start`
            if id(node) in found:
                continue
            found[id(node)] = node
            if len(found) > MAX_PATTERN_NODES:
                return None
            pending.extend(self.inputs(node))
        nodes = sorted(found.values(), key=lambda node: self.order[id(node)])
        inside = {id(node) for node in nodes}
        for node in nodes:
            for name in node.output:
                read_outside = name == self.graph_output or any(id(reader) not in inside for reader in self.consumers.get(name, []))
                if name and name != end and name in self.data and read_outside:
                    return None
        return nodes

    # recurrent layers

    def recurrent_patterns(self) -> Iterator[Pattern]:
        stacked: set[int] = set()
        for node in self.nodes:
            if node.op_type in RECURRENT and id(node) not in stacked:
                pattern = self.recurrent(node)
                if pattern is not None:
                    stacked.update(id(layer) for layer in pattern.layers)
                    yield pattern

    def recurrent(self, first: Node) -> Pattern | None:
        """A recurrent node, the transpose to time-major before it, the stacked layers after it, back to
        [1, N, H·dirs] (or its last step, [1, H·dirs])."""
        nodes: list[Node] = []
        start = first.input[0]
        source = self.dims(start)
        if source is None or len(source) != 3:
            return None
        if not int_attribute(first, "layout", 0):  # time-major [N, 1, I]: the exporter transposed [1, N, I]
            before = self.producer.get(start)
            if before is None or before.op_type != "Transpose" or ints_attribute(before, "perm") != (1, 0, 2) or self.only_reader(start) is not first:
                return None
            nodes.append(before)
            start = before.input[0]
        steps = self.dims(start)
        if steps is None or len(steps) != 3 or steps[0] != 1:
            return None
        layers = [first]
        tensor = self.recurrent_output(first)
        for _ in range(MAX_PATTERN_NODES):
            if tensor is None:
                return None
            dims = self.dims(tensor)
            reader = self.only_reader(tensor)
            if dims is not None and len(dims) == 3 and dims[:2] == (1, steps[1]):
                last = self.last_step(reader, steps[1]) if reader is not None else None
                members = [*nodes, *layers] + ([last] if last is not None else [])
                end = last.output[0] if last is not None else tensor
                ordered = self.between(start, end)
                if ordered is None or {id(node) for node in members} - {id(node) for node in ordered}:
                    return None
                return Pattern(RECURRENT[first.op_type], tuple(ordered), start, end, layers=tuple(layers), sequences=last is None)
            if reader is None:
                return None
            if reader.op_type == first.op_type and reader.input[0] == tensor:
                layers.append(reader)
                tensor = self.recurrent_output(reader)
            elif reader.op_type in MOVES and len(self.inputs(reader)) == 1:
                tensor = reader.output[0]
            else:
                return None
        return None

    def recurrent_output(self, node: Node) -> str | None:
        """The output of every step; the final states (Y_h, Y_c) must not be read elsewhere."""
        if not node.output or not node.output[0] or any(self.consumers.get(name) for name in node.output[1:] if name):
            return None
        return str(node.output[0])

    def last_step(self, reader: Node, steps: int) -> Node | None:
        """`y[:, -1]`: a Gather on the steps' axis of the last index."""
        if reader.op_type != "Gather" or int_attribute(reader, "axis", 0) != 1 or len(reader.input) != 2 or reader.input[1] in self.data:
            return None
        index = self.constants.scalar(reader.input[1])
        dims = self.dims(reader.output[0])
        return reader if index in (-1, steps - 1) and dims is not None and len(dims) == 2 else None

    # norms and GELU written out in arithmetic

    def norm(self, root: Node) -> Pattern | None:
        """(x − mean(x)) / √(mean((x − mean(x))²) + ε) · γ + β, a layer norm; x / √(mean(x²) + ε) · γ, an RMS norm."""
        epsilon = self.producer.get(root.input[0])
        variance = self.producer.get(self.operand(epsilon, "Add") or "")
        if variance is None or not self.last_axis_mean(variance):
            return None
        square = self.producer.get(variance.input[0])
        if square is None:
            return None
        if (square.op_type == "Pow" and len(self.inputs(square)) == 1 and self.constants.scalar(square.input[1]) == 2) or (
            square.op_type == "Mul" and square.input[0] == square.input[1]
        ):
            centred = square.input[0]
        else:
            return None
        subtract = self.producer.get(centred)
        layer_norm = subtract is not None and subtract.op_type == "Sub" and self.is_mean_of(subtract.input[1], subtract.input[0])
        start = subtract.input[0] if layer_norm and subtract is not None else centred
        normalised = self.divided(centred, root.output[0])
        if normalised is None:
            return None
        end = self.scaled(normalised, shift=layer_norm)
        nodes = self.between(start, end) if end is not None else None
        if nodes is None or self.dims(start) != self.dims(end or ""):
            return None
        return Pattern("layernorm" if layer_norm else "rmsnorm", tuple(nodes), start, end or "")

    def operand(self, node: Node | None, op: str) -> str | None:
        """The activation `node` (an `op` with a literal) reads."""
        if node is None or node.op_type != op or len(self.inputs(node)) != 1:
            return None
        other = next(name for name in node.input if name not in self.data)
        return self.inputs(node)[0] if self.constants.literal(other) else None

    def last_axis_mean(self, node: Node) -> bool:
        dims = self.dims(node.input[0]) if node.input else None
        return node.op_type == "ReduceMean" and dims is not None and self.constants.reduced_axes(node, len(dims)) == (len(dims) - 1,)

    def is_mean_of(self, mean: str, tensor: str) -> bool:
        node = self.producer.get(mean)
        return node is not None and self.last_axis_mean(node) and node.input[0] == tensor

    def divided(self, centred: str, root: str) -> str | None:
        """`centred / root`, or `centred · (1 / root)`."""
        reader = self.only_reader(root)
        if reader is not None and reader.op_type == "Div" and list(reader.input) == [centred, root]:
            return str(reader.output[0])
        if reader is not None and reader.op_type in ("Reciprocal", "Div") and self.inputs(reader) == [root]:
            if reader.op_type == "Div" and self.constants.scalar(reader.input[0]) != 1:
                return None
            product = self.only_reader(reader.output[0])
            if product is not None and product.op_type == "Mul" and set(product.input) == {centred, reader.output[0]}:
                return str(product.output[0])
        return None

    def scaled(self, normalised: str, shift: bool) -> str | None:
        """· γ, then + β when the norm has a shift."""
        scale = self.only_reader(normalised)
        if scale is None or scale.op_type != "Mul" or len(self.inputs(scale)) != 1:
            return None
        end = str(scale.output[0])
        bias = self.only_reader(end)
        if shift and bias is not None and bias.op_type == "Add" and len(self.inputs(bias)) == 1:
            end = str(bias.output[0])
        return end

    def group_norm(self, core: Node) -> Pattern | None:
        """[1, C, ...] reshaped to [1, G, R], instance-normalised, reshaped back, then a scale (Mul) and a
        shift (Add) with constants: torch.onnx's GroupNorm. The reader keeps the pattern as `groupnorm`
        only when the kind gives the file's figures (its instance norm's scale 1 and shift 0 are not
        parameters; the per-channel scale and shift are)."""
        grouped = self.producer.get(core.input[0]) if core.input else None
        if grouped is None or grouped.op_type != "Reshape" or len(self.inputs(grouped)) != 1 or len(self.inputs(core)) != 1:
            return None
        start = self.inputs(grouped)[0]
        before, inside = self.dims(start), self.dims(grouped.output[0])
        if before is None or inside is None or len(before) < 3 or len(inside) != 3 or before[0] != 1 or inside[0] != 1:
            return None
        groups = inside[1]
        back = self.only_reader(core.output[0])
        if groups < 1 or before[1] % groups or self.only_reader(grouped.output[0]) is not core or back is None or back.op_type != "Reshape":
            return None
        end = str(back.output[0])
        if self.dims(end) != before:
            return None
        for op in ("Mul", "Add"):  # the affine scale, then the shift
            reader = self.only_reader(end)
            if reader is not None and reader.op_type == op and len(self.inputs(reader)) == 1:
                end = str(reader.output[0])
        nodes = self.between(start, end)
        if nodes is None:
            return None
        return Pattern("groupnorm", tuple(nodes), start, end, groups=groups)

    def gelu(self, core: Node) -> Pattern | None:
        """x·½(1 + erf(x/√2)), or x·½(1 + tanh(√(2/π)(x + 0.044715x³))): literals and x alone."""
        end = str(core.output[0])
        for _ in range(MAX_PATTERN_NODES):  # on to the product with x and its halving
            reader = self.only_reader(end)
            if reader is None or not self.pointwise(reader) or reader.op_type in ("Erf", "Tanh"):
                break
            end = str(reader.output[0])
        start = str(core.input[0])
        for _ in range(MAX_PATTERN_NODES):  # back, tensor by tensor, to the nearest x it is all computed from
            node = self.producer.get(start)
            if node is None or not self.pointwise(node):
                return None
            self.dominated(start)
            start = self.dominator.get(start, "")
            nodes = self.between(start, end) if start else None
            if nodes is not None and self.dims(start) == self.dims(end) and all(self.pointwise(node) for node in nodes):
                cores = [node for node in nodes if node.op_type in ("Erf", "Tanh")]
                if cores == [core] and any(start in node.input for node in nodes if node.op_type == "Mul"):
                    return Pattern("gelu", tuple(nodes), start, end)
        return None

    def pointwise(self, node: Node) -> bool:
        """Element-wise arithmetic of activations and literals."""
        return node.op_type in POINTWISE and all(name in self.data or self.constants.literal(name) for name in node.input if name)
