"""Subgraphs of an ONNX graph that are one archcalc layer: attention, and recurrent layers with the
reshaping their exporters write around them.

A block is found from its core (attention's two products of activations, a recurrent node) and grown
to the sequence [1, N, D] it reads and the one it gives back, through the operators that only move
values (Transpose, Reshape...) and attention's projections. Nothing here decides figures: the reader
(onnx_source) makes each block one layer and keeps that layer only when it gives exactly the file's
figures and shape, so a block read wrongly is counted, never misreported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from archcalc.values import value

if TYPE_CHECKING:
    from onnx import NodeProto

MOVES = {"Transpose", "Reshape", "Squeeze", "Unsqueeze", "Flatten", "Identity", "Dropout"}
"""Operators that move or relabel values and compute nothing."""

ATTENTION_OPERATORS = MOVES | {"MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "Softmax", "Gather", "Slice", "Split", "Expand", "Tile", "Cast", "Where", "Concat"}
"""What an exported attention is made of: projections, heads split and joined, scores scaled, masked and normalised."""

SCORE_PATH = MOVES | {"Softmax", "Mul", "Div", "Add", "Sub", "Where", "Cast"}
"""Between the scores and the product that weighs the values: scaling, a mask, the softmax."""

RECURRENT = {"LSTM": "lstm", "GRU": "gru", "RNN": "rnn"}

Dims = tuple[int, ...]


@value
class Block:
    """Nodes that are together one layer, from the tensor `start` to the tensor `end`."""

    kind: str  # attention, lstm, gru, rnn
    nodes: tuple[NodeProto, ...]  # in the graph's order
    start: str
    end: str
    scores: NodeProto | None = None  # attention: the product of queries and keys
    layers: tuple[NodeProto, ...] = ()  # recurrent: the node of each stacked layer
    sequences: bool = True  # recurrent: every step, or (False) the last step alone


def find_blocks(nodes: list[NodeProto], data: set[str], shapes: dict[str, Dims], graph_output: str, scalar: Callable[[str], float | None]) -> list[Block]:
    """The attention and recurrent blocks of a graph whose `nodes` come in an order where each follows
    what it reads; `data` names the activations, `scalar` reads a single-valued constant."""
    finder = _Finder(nodes, data, shapes, graph_output, scalar)
    blocks: list[Block] = []
    taken: set[int] = set()
    for block in [*finder.recurrent_blocks(), *finder.attention_blocks()]:
        members = {id(node) for node in block.nodes}
        if members & taken:
            continue  # blocks never share a node: the first found keeps it
        taken |= members
        blocks.append(block)
    return blocks


class _Finder:
    def __init__(self, nodes: list[NodeProto], data: set[str], shapes: dict[str, Dims], graph_output: str, scalar: Callable[[str], float | None]) -> None:
        self.data = data
        self.shapes = shapes
        self.graph_output = graph_output
        self.scalar = scalar
        # the operations on activations (a Shape node reads one but makes a constant)
        self.nodes = [node for node in nodes if any(name in data for name in node.input) and any(name in data for name in node.output)]
        self.order = {id(node): index for index, node in enumerate(self.nodes)}
        self.producer: dict[str, NodeProto] = {name: node for node in self.nodes for name in node.output if name in data}
        self.consumers: dict[str, list[NodeProto]] = {}
        for node in self.nodes:
            for name in dict.fromkeys(self.inputs(node)):
                self.consumers.setdefault(name, []).append(node)
        self.dominator: dict[str, str] = {}
        self.depth: dict[str, int] = {}

    def inputs(self, node: NodeProto) -> list[str]:
        return [name for name in node.input if name in self.data]

    def only_reader(self, tensor: str) -> NodeProto | None:
        readers = self.consumers.get(tensor, [])
        return readers[0] if len(readers) == 1 and tensor != self.graph_output else None

    def dims(self, tensor: str) -> Dims | None:
        return self.shapes.get(tensor)

    # attention

    def attention_blocks(self) -> Iterator[Block]:
        for weighted in self.nodes:
            if weighted.op_type == "MatMul" and len(self.inputs(weighted)) == 2:
                scores = self.scores_before(weighted)
                block = self.attention(scores, weighted) if scores is not None else None
                if block is not None:
                    yield block

    def scores_before(self, weighted: NodeProto) -> NodeProto | None:
        """The product of queries and keys whose softmax `weighted` multiplies with the values."""
        tensor, softmax = weighted.input[0], False
        while True:
            node = self.producer.get(tensor)
            if node is None:
                return None
            if node.op_type == "MatMul" and len(self.inputs(node)) == 2:
                return node if softmax else None
            if node.op_type not in SCORE_PATH or len(self.inputs(node)) != 1:
                return None
            softmax = softmax or node.op_type == "Softmax"
            tensor = self.inputs(node)[0]

    def attention(self, scores: NodeProto, weighted: NodeProto) -> Block | None:
        score_dims = self.dims(scores.output[0])
        if score_dims is None or len(score_dims) < 2:
            return None
        end = self.attention_end(weighted, score_dims[-2])
        if end is None:
            return None
        start = self.common_dominator([*self.inputs(scores), *self.inputs(weighted)])
        while start is not None and self.dims(start) != self.dims(end):  # back through a fused projection to the sequence it read
            node = self.producer.get(start)
            start = self.inputs(node)[0] if node is not None and node.op_type in ATTENTION_OPERATORS and len(self.inputs(node)) == 1 else None
        if start is None:
            return None
        nodes = self.between(start, end)
        if nodes is None or any(node.op_type not in ATTENTION_OPERATORS for node in nodes):
            return None
        if [node for node in nodes if node.op_type == "MatMul" and len(self.inputs(node)) == 2] != [scores, weighted]:
            return None
        return Block("attention", tuple(nodes), start, end, scores=scores)

    def attention_end(self, weighted: NodeProto, queries: int) -> str | None:
        """After the weighted sum: the heads joined, the output projection (and its bias), back to [1, N, D]."""
        tensor, projected = weighted.output[0], False
        while True:
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

    def common_dominator(self, tensors: list[str]) -> str | None:
        """The last tensor every path from the model's input to all of `tensors` passes through."""
        found: str | None = tensors[0]
        for tensor in tensors[1:]:
            found = self.meet(found, tensor) if found is not None else None
        return found

    def meet(self, first: str, second: str) -> str | None:
        while first != second:
            first_depth, second_depth = self.dominated(first), self.dominated(second)
            if first_depth >= second_depth:
                first = self.dominator.get(first, "")
            if second_depth >= first_depth:
                second = self.dominator.get(second, "")
            if not first or not second:
                return None
        return first

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

    def between(self, start: str, end: str) -> list[NodeProto] | None:
        """The nodes `end` is computed from, back to `start`, in the graph's order; None unless they read
        nothing else and nothing else reads them."""
        found: dict[int, NodeProto] = {}
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

    def recurrent_blocks(self) -> Iterator[Block]:
        stacked: set[int] = set()
        for node in self.nodes:
            if node.op_type in RECURRENT and id(node) not in stacked:
                block = self.recurrent(node)
                if block is not None:
                    stacked.update(id(layer) for layer in block.layers)
                    yield block

    def recurrent(self, first: NodeProto) -> Block | None:
        """A recurrent node, the transpose to time-major before it, the stacked layers after it, back to
        [1, N, H·dirs] (or its last step, [1, H·dirs])."""
        nodes: list[NodeProto] = []
        start = first.input[0]
        source = self.dims(start)
        if source is None or len(source) != 3:
            return None
        if not _attribute(first, "layout", 0):  # time-major [N, 1, I]: the exporter transposed [1, N, I]
            before = self.producer.get(start)
            if before is None or before.op_type != "Transpose" or _ints(before, "perm") != (1, 0, 2) or self.only_reader(start) is not first:
                return None
            nodes.append(before)
            start = before.input[0]
        steps = self.dims(start)
        if steps is None or len(steps) != 3 or steps[0] != 1:
            return None
        layers = [first]
        tensor = self.recurrent_output(first)
        while tensor is not None:
            dims = self.dims(tensor)
            reader = self.only_reader(tensor)
            if dims is not None and len(dims) == 3 and dims[:2] == (1, steps[1]):
                last = self.last_step(reader, steps[1]) if reader is not None else None
                members = [*nodes, *layers] + ([last] if last is not None else [])
                end = last.output[0] if last is not None else tensor
                ordered = self.between(start, end)
                if ordered is None or {id(node) for node in members} - {id(node) for node in ordered}:
                    return None
                return Block(RECURRENT[first.op_type], tuple(ordered), start, end, layers=tuple(layers), sequences=last is None)
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

    def recurrent_output(self, node: NodeProto) -> str | None:
        """The output of every step; the final states (Y_h, Y_c) must not be read elsewhere."""
        if not node.output or not node.output[0] or any(self.consumers.get(name) for name in node.output[1:] if name):
            return None
        return str(node.output[0])

    def last_step(self, reader: NodeProto, steps: int) -> NodeProto | None:
        """`y[:, -1]`: a Gather on the steps' axis of the last index."""
        if reader.op_type != "Gather" or _attribute(reader, "axis", 0) != 1 or len(reader.input) != 2 or reader.input[1] in self.data:
            return None
        index = self.scalar(reader.input[1])
        dims = self.dims(reader.output[0])
        return reader if index in (-1, steps - 1) and dims is not None and len(dims) == 2 else None


def _attribute(node: NodeProto, name: str, default: int) -> int:
    for attribute in node.attribute:
        if attribute.name == name:
            return int(attribute.i)
    return default


def _ints(node: NodeProto, name: str) -> tuple[int, ...] | None:
    for attribute in node.attribute:
        if attribute.name == name:
            return tuple(int(item) for item in attribute.ints)
    return None
