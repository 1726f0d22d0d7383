"""Control flow (Loop, If, Scan: any node whose attributes hold graphs): refused when its subgraphs
hold weights or multiply, so that no weight and no MAC is dropped in silence.

archcalc reads one graph's nodes as layers. A Loop's body, an If's branches and a Scan's body are
graphs of their own, run a number of times the file may not fix (a trip count, a condition computed at
run time): their MACs have no exact figure. Counting a body's weights while leaving its MACs out would
give a spec whose params are right and whose MACs are silently wrong, so such a node is refused, with
exit 2, naming the node, what its subgraphs hold and what they multiply. A subgraph that only moves
values (a Loop of Relus) holds nothing archcalc counts: its node is read as before, a `counted` layer.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

from archcalc.errors import Origin, SpecError
from archcalc.formats.onnx.costs import MACS
from archcalc.formats.onnx.weights import FLOATING, Weights

if TYPE_CHECKING:
    from onnx import GraphProto, NodeProto

    from archcalc.formats.onnx.load import Node

MAX_NAMED = 3
"""The most weights and multiplying operators a refusal names one by one."""


def refuse_weighted_control_flow(nodes: list[Node], weights: Weights, origin: Origin) -> None:
    """The first node whose subgraphs hold or read weights (floating-point tensors of more than one value,
    stored inside them or read from the graph around them), or hold an operator that multiplies, refused."""
    for node in nodes:
        graphs = list(_subgraphs(node))
        if not graphs:
            continue
        held: dict[str, int] = {}  # the weights a subgraph holds or reads -> their values
        multiplying: set[str] = set()
        for graph in graphs:
            _survey(graph, weights, set(), held, multiplying)
        if not held and not multiplying:
            continue
        where = "body" if node.op_type in ("Loop", "Scan") else "branches" if node.op_type == "If" else "subgraphs"
        plural = where != "body"
        what = []
        if held:
            named = ", ".join(f"'{name}'" for name in sorted(held)[:MAX_NAMED]) + (f" and {len(held) - MAX_NAMED:,} more" if len(held) > MAX_NAMED else "")
            what.append(f"{'hold or read' if plural else 'holds or reads'} {sum(held.values()):,} weight values ({named})")
        if multiplying:
            what.append(f"{'multiply' if plural else 'multiplies'} ({', '.join(sorted(multiplying))})")
        raise SpecError(
            f"node '{node.name}' ({node.op_type}): its {where} {' and '.join(what)}, which archcalc does not count inside control flow; "
            f"it refuses the file rather than drop them",
            origin,
            None,
            "export the model with the loop unrolled or the branch taken (torch.onnx's tracing exporter writes a Python loop as one set of nodes per step)",
        )


def _subgraphs(node: Node | NodeProto) -> Iterator[GraphProto]:
    for attribute in node.attribute:
        if attribute.HasField("g"):
            yield attribute.g
        yield from attribute.graphs


def _survey(graph: GraphProto, weights: Weights, inner: set[str], held: dict[str, int], multiplying: set[str]) -> None:
    """What `graph` (and the graphs inside it) holds and reads: `inner` are the names its enclosing
    subgraphs define, which are not the outer graph's."""
    defined = set(inner)
    defined.update(value.name for value in graph.input)
    for tensor in graph.initializer:
        defined.add(tensor.name)
        if tensor.data_type in FLOATING and math.prod(tensor.dims) > 1:
            held[tensor.name] = math.prod(tensor.dims)
    for node in graph.node:
        if node.op_type in MACS:
            multiplying.add(node.op_type)
        for attribute in node.attribute:
            tensor = attribute.t if attribute.HasField("t") else None
            if tensor is not None and tensor.data_type in FLOATING and math.prod(tensor.dims) > 1:
                held[node.output[0] if node.output else tensor.name] = math.prod(tensor.dims)
        for name in node.input:
            if name and name not in defined:  # read from the graph around it
                for source in weights.tables(name):
                    held[source] = weights.sizes[source]
        for subgraph in _subgraphs(node):
            _survey(subgraph, weights, defined, held, multiplying)
        defined.update(name for name in node.output if name)
