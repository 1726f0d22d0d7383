"""A model file's data-flow graph -> archcalc's nested layers.

Readers of model files (formats/onnx, formats/keras) describe each operation: the activations it reads,
its output, its shapes, what the file holds for it, and the layer kind that describes it, if one does.
Here paths that split and meet again become `residual` (an addition), `concat`, `squeeze_excite` or
`silu` (a product); runs of identical layers become `repeat`. A tensor joined again after a path of
its own (U-Net's encoder map, cropped or not, concatenated to its decoder's; `x · gate(x)`) is read
by name: the path is written on in line, and the join names the layer that made the tensor
(`concat: {with: NAME}`, `multiply: NAME`), so a deep encoder-decoder stays a list rather than a
nest of branches. What cannot be nested becomes one `counted` layer that carries its figures, so
the totals are always the file's.

Each step costs what the operations it looks at number, and paths nest at most MAX_NESTING_DEPTH deep
(deeper, what is left is counted): a file of 100,000 nodes nests in linear time, without a recursion
as deep as the graph, however its paths split and meet.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Iterable, Sequence

from archcalc.errors import Origin, ShapeError, SpecError
from archcalc.kinds.base import inner_layer_lists, nested_fields, unnamed_key
from archcalc.kinds.composite import Concat, Repeat, Residual
from archcalc.kinds.conv import Conv
from archcalc.kinds.counted import Counted
from archcalc.kinds.elementwise import Activation
from archcalc.kinds.graph import Multiply
from archcalc.kinds.pool import AdaptivePool, GlobalPool, PoolMode
from archcalc.kinds.squeeze_excite import SqueezeExcite
from archcalc.model import NO_COST, Cost, Layer, LayerResult, Shape, total_cost
from archcalc.values import replace, value

MAX_NESTING_DEPTH = 12
"""The most paths nested one in another (a residual in a concat's branch is 2; a U-Net's skips, read
by name, 1 each). ResNets nest 1 or 2 deep, U-Nets 4 to 8; a sum of 500 paths (issue 27's fan) would
nest 500 deep. Past this depth, the rest of a region is one counted layer: the recursion stays
shallow, nesting costs at most this many walks over the graph, and the spec `import` writes reads
back within the YAML reader's 100 levels (7 a nesting at most, a repeat's included)."""

MAX_REPEAT_PERIOD = 8
"""The longest run of layers looked for as a repeated block (a ResNet block and its ReLU is 2)."""


class Join(enum.Enum):
    """How an operation of several inputs combines them, when archcalc can nest it."""

    ADD = "add"
    CONCAT = "concat"  # on the channel axis
    MUL = "mul"


@value
class Operation:
    """One operation of the file: what it reads and makes, what the file holds for it, and the layer
    that describes it (None: no kind does, and it is counted)."""

    name: str
    op: str
    inputs: tuple[str, ...]  # the activations it reads (not weights, not shape constants)
    output: str
    input_shape: Shape  # of its first input; channels last, no batch axis
    output_shape: Shape
    cost: Cost  # what the file holds for it, and its MACs by archcalc's rule
    layer: Layer | None = None
    join: Join | None = None
    passes_through: bool = False  # changes nothing archcalc shows (Identity, a transpose to channels last)
    cut: tuple[int, ...] | None = None  # a crop of the spatial axes alone: where its window starts on each


@value
class ModelGraph:
    """A model file's operations, in an order where each comes after those it reads from."""

    input: str
    input_shape: Shape
    output: str
    operations: tuple[Operation, ...]


class _NotNested(Exception):
    """Paths that cross instead of nesting: the stretch is counted as one layer."""


class _NoContext:
    """Single layers are applied without an engine; composites are never applied here. A layer that
    names an earlier one (a dense tied to an embedding) finds it among the `named` results so far."""

    def __init__(self, named: dict[str, LayerResult] | None = None) -> None:
        self.results = {} if named is None else named

    def sequence(self, layers: tuple[Layer, ...], shape: Shape) -> tuple[LayerResult, ...]:
        if layers:
            raise _NotNested
        return ()  # a concat's identity branch: nothing to apply

    def unrolled(self, layer: Layer, results: tuple[LayerResult, ...]) -> None:
        raise _NotNested

    def only_in_training(self, branch: Layer, results: tuple[LayerResult, ...]) -> None:
        raise _NotNested

    def named(self, name: str, asking: Layer) -> LayerResult:
        result = self.results.get(name)
        if result is None:
            raise _NotNested
        return result


def applied(layer: Layer, shape: Shape) -> LayerResult:
    """One layer that is not a composite, applied without an engine (a reader's shapes and figures)."""
    return layer.apply(shape, _NoContext())


def nest(graph: ModelGraph, origin: Origin) -> tuple[Layer, ...]:
    """The graph as a layer list, positioned as a spec's layers are (`3`, `5.2`, `5.shortcut.1`)."""
    if graph.output != graph.input and all(operation.output != graph.output for operation in graph.operations):
        raise SpecError(f"the model's output '{graph.output}' is not computed from its input '{graph.input}': no path of operations joins them", origin)
    nester = _Nester(graph, origin)
    layers = nester.sequence(graph.input, graph.output, frozenset(range(len(graph.operations))), 0)
    return positioned(repeats_collapsed(layers, frozenset(nester.read_names)), None)


class _Nester:
    def __init__(self, graph: ModelGraph, origin: Origin) -> None:
        self.graph = graph
        self.origin = origin
        self.operations = graph.operations
        self.producer = {operation.output: index for index, operation in enumerate(graph.operations)}
        self.reads = [tuple(dict.fromkeys(operation.inputs)) for operation in graph.operations]  # each operation's inputs, once each
        self.consumers: dict[str, list[int]] = {}
        for index, reads in enumerate(self.reads):
            for tensor in reads:
                self.consumers.setdefault(tensor, []).append(index)
        self.outputs = [operation.output for operation in graph.operations]
        self.readers = [self.consumers.get(output, []) for output in self.outputs]  # each operation's output's readers
        self.shapes = {graph.input: graph.input_shape} | {operation.output: operation.output_shape for operation in graph.operations}
        self.context = _NoContext({})  # the named layers read so far, for a layer that names one
        self.made: dict[str, Layer] = {}  # each tensor -> the layer whose output it is, once that layer is made
        self.read_names: set[str] = set()  # names a join reads: kept apart by `repeat` and `counted` merges
        self.name_counts: dict[str, int] = {}  # every name a layer may be given, and how many operations give it
        for operation in graph.operations:
            for name in {operation.name, operation.layer.name if operation.layer is not None else None} - {None}:
                assert name is not None
                self.name_counts[name] = self.name_counts.get(name, 0) + 1

    def sequence(self, start: str, stop: str, allowed: frozenset[int], depth: int) -> list[Layer]:
        """The layers from tensor `start` to tensor `stop`, using only the `allowed` operations, nested
        `depth` deep in the paths of others."""
        layers: list[Layer] = []
        ordered: list[int] | None = None  # the allowed operations in the graph's order, sorted once the first region needs them
        tensor = start
        while tensor != stop:
            consumers = [index for index in self.consumers.get(tensor, []) if index in allowed]
            if len(consumers) == 1 and self.operations[consumers[0]].inputs == (tensor,):
                operation = self.operations[consumers[0]]
                if not operation.passes_through:
                    layers.append(self.single(operation))
                    self.made[operation.output] = layers[-1]
                elif tensor in self.made:
                    self.made[operation.output] = self.made[tensor]
                tensor = operation.output
                continue
            try:
                if depth >= MAX_NESTING_DEPTH:
                    raise _NotNested
                ordered = sorted(allowed) if ordered is None else ordered
                region, end = self.region(tensor, stop, allowed, ordered, consumers)
            except _NotNested:
                rest = sorted(index for index in allowed if self.after(index, tensor))
                layers.append(self.counted(rest, tensor, stop))
                self.made[stop] = layers[-1]
                break
            made = self.nested(tensor, region, end, depth)
            layers.extend(made)
            if made:
                self.made[end] = made[-1]
            elif tensor in self.made:
                self.made[end] = self.made[tensor]
            tensor = end
        return merge_counted(layers, self.read_names)

    def after(self, index: int, tensor: str) -> bool:
        producer = self.producer.get(tensor)
        return producer is None or index > producer

    def region(self, start: str, stop: str, allowed: frozenset[int], ordered: list[int], readers: list[int]) -> tuple[list[int], str]:
        """From a tensor read by several operations (`readers`), the operations up to the first tensor
        every path from it passes through (where its branches meet again), and that tensor. `ordered`
        holds the allowed operations sorted: those after `start` are looked at in the graph's order, each
        once, and those that read nothing the region made are passed by (in a sequence there are none:
        what came before `start` is behind it, and all that follows comes from it)."""
        inside = {start}
        waiting = {start: len(readers)}  # each tensor made in the region -> its readers not yet reached
        region: list[int] = []
        ends = {stop, self.graph.output}
        outputs, all_reads, all_readers = self.outputs, self.reads, self.readers  # looked up once: this loop is nesting's cost
        for position in range(bisect.bisect_right(ordered, self.producer.get(start, -1)), len(ordered)):  # no copy of the list
            index = ordered[position]
            reads = all_reads[index]
            if not inside.issuperset(reads):
                if inside.isdisjoint(reads):
                    continue  # not reached from `start`
                raise _NotNested
            region.append(index)
            for tensor in reads:
                left = waiting[tensor] - 1
                if left:
                    waiting[tensor] = left
                else:
                    del waiting[tensor]
            output = outputs[index]
            inside.add(output)
            later = len([reader for reader in all_readers[index] if reader in allowed]) + (output in ends)
            if later:
                waiting[output] = later
            if len(waiting) == 1 and output in waiting:
                return region, output
        raise _NotNested

    def nested(self, start: str, region: list[int], end: str, depth: int) -> list[Layer]:
        """The region as one layer: a composite whose paths are nested in turn, or counted."""
        if len(region) == 1:
            operation = self.operations[region[0]]
            if operation.inputs != (start,):
                return [self.counted(region, start, end)]
            return [] if operation.passes_through else [self.single(operation)]
        join = self.operations[region[-1]]
        branches = self.branches(start, region) if join.join is not None else None
        if branches is None:
            return [self.counted(region, start, end)]
        skip = self.named_skip(start, join, branches, depth) if join.join is Join.CONCAT else None
        if skip is not None:
            return skip
        paths = [self.sequence(start, tensor, branch, depth + 1) for tensor, branch in zip(join.inputs, branches, strict=True)]
        layer = self.joined(join, paths)
        if layer is None and join.join is Join.MUL:  # a product that is no gate archcalc names: read by name
            skip = self.named_skip(start, join, branches, depth, paths)
            if skip is not None:
                return skip
        return [layer if layer is not None else self.counted(region, start, end)]

    def branches(self, start: str, region: list[int]) -> list[frozenset[int]] | None:
        """The operations each input of the region's join (its last operation) is computed from, found
        in one pass backwards over the region; None unless the paths share nothing and every operation
        is on one of them (none crosses to another path, none ends nowhere)."""
        join = self.operations[region[-1]]
        path_of = {tensor: path for path, tensor in enumerate(join.inputs) if tensor != start}  # each tensor -> the input it is computed for
        found: list[set[int]] = [set() for _ in join.inputs]
        outputs, all_reads = self.outputs, self.reads  # looked up once: this loop walks a whole region
        for index in reversed(region[:-1]):  # each operation after all that read it
            path = path_of.get(outputs[index])
            if path is None:
                return None  # nothing on any path reads it
            found[path].add(index)
            for tensor in all_reads[index]:
                if tensor != start and path_of.setdefault(tensor, path) != path:
                    return None  # it is read on two paths
        return [frozenset(indices) for indices in found]

    def named_skip(self, start: str, join: Operation, branches: list[frozenset[int]], depth: int, paths: list[list[Layer]] | None = None) -> list[Layer] | None:
        """A concat or product of two paths, one of them `start` itself or a centred crop of it: the
        other path in line, then the join naming the layer that made `start`. None when that layer
        has no name of its own, or the kind would not give the file's shape (the caller then nests
        the paths as branches). `paths`: the paths' layers, when the caller has made them already."""
        if join.join not in (Join.CONCAT, Join.MUL) or len(join.inputs) != 2 or join.cost != Cost():
            return None
        source = self.made.get(start)
        name = source.name if source is not None else None
        if source is None or name is None or self.name_counts.get(name) != 1:
            return None
        for skip, path in ((0, 1), (1, 0)):
            crop = self.centred_crop(start, join.inputs[skip], branches[skip])
            if crop is None or not branches[path]:
                continue
            kind = Concat if join.join is Join.CONCAT else Multiply
            layer: Layer = kind(origin=self.origin, position="", name=join.name, with_=(name,), crop=crop)
            self.context.results.setdefault(name, LayerResult(source, self.shapes[start], self.shapes[start], NO_COST))  # its output alone is read
            try:  # the join applied to the path's output: it must give the file's shape (its cost is none, as the file's)
                result = layer.apply(self.shapes[join.inputs[path]], self.context)
            except (ShapeError, _NotNested):
                return None
            if result.output_shape != join.output_shape:
                return None
            self.read_names.add(name)
            layers = paths[path] if paths is not None else self.sequence(start, join.inputs[path], branches[path], depth + 1)
            return [*layers, layer]
        return None

    def centred_crop(self, start: str, tensor: str, branch: frozenset[int]) -> bool | None:
        """Whether `tensor` is `start` (False) or `start` cut to a window centred on every spatial axis
        by a chain of crops (True), as `crop: true` cuts; None when it is neither."""
        if not all(self.operations[index].cut is not None for index in branch):
            return None
        offsets = [0] * (len(self.shapes[start]) - 1)
        current = start
        for index in sorted(branch):  # in the graph's order: each crop reads the one before it
            operation = self.operations[index]
            if operation.cut is None or operation.inputs != (current,) or len(operation.cut) != len(offsets):
                return None
            offsets = [total + offset for total, offset in zip(offsets, operation.cut, strict=True)]
            current = operation.output
        if current != tensor:
            return None
        before, after = self.shapes[start], self.shapes[tensor]
        centred = all(offset == (larger - smaller) // 2 for offset, larger, smaller in zip(offsets, before[:-1], after[:-1], strict=True))
        return bool(branch) if centred and before[-1] == after[-1] else None

    def joined(self, join: Operation, paths: list[list[Layer]]) -> Layer | None:
        """The composite a join of these paths is, or None when no kind describes it."""
        match join.join:
            case Join.ADD if len(paths) == 2:
                main, shortcut = sorted(paths, key=len, reverse=True)  # the longer path is the main one
                return Residual(origin=self.origin, position="", name=join.name, layers=tuple(main), shortcut=tuple(shortcut))
            case Join.CONCAT:
                return Concat(origin=self.origin, position="", name=join.name, branches=tuple(tuple(path) for path in paths))
            case Join.MUL if len(paths) == 2 and not all(paths):
                gate = next(path for path in paths if path)
                return self.gate(join, gate)
            case _:
                return None

    def gate(self, join: Operation, gate: list[Layer]) -> Layer | None:
        """x · sigmoid(x) is SiLU; x · sigmoid(conv(act(conv(pool(x))))) is squeeze-and-excitation."""
        match gate:
            case [Activation(function="sigmoid")]:
                return Activation(origin=self.origin, position="", name=join.name, function="silu")
            case [
                AdaptivePool(mode=PoolMode.AVG) | GlobalPool(mode=PoolMode.AVG) as pool,
                Conv() as squeeze,
                Activation(),
                Conv() as excite,
                Activation() as last,
            ]:
                if last.function not in ("sigmoid", "hardsigmoid") or (isinstance(pool, AdaptivePool) and set(pool.output) != {1}):
                    return None
                if not all(conv.kernel == (1,) and conv.stride == (1,) and conv.groups == 1 and conv.bias for conv in (squeeze, excite)):
                    return None
                return SqueezeExcite(origin=self.origin, position="", name=join.name, channels=squeeze.filters)
            case _:
                return None

    def single(self, operation: Operation) -> Layer:
        """The operation's layer when applying it gives the file's shape and figures; else counted."""
        if operation.layer is not None:
            try:
                result = operation.layer.apply(operation.input_shape, self.context)
            except (ShapeError, _NotNested):
                result = None
            if result is not None and result.output_shape == operation.output_shape and result.cost == operation.cost:
                if operation.layer.name is not None:
                    self.context.results[operation.layer.name] = result
                return operation.layer
        return self.counted([self.producer[operation.output]], operation.inputs[0] if operation.inputs else self.graph.input, operation.output)

    def counted(self, region: Iterable[int], start: str, end: str) -> Counted:
        indices = list(region)
        cost = total_cost([self.operations[index].cost for index in indices])
        name = self.operations[indices[0]].name if indices else None
        return Counted(
            origin=self.origin,
            position="",
            name=name,
            input=self.shapes[start],
            output=self.shapes[end],
            weights=cost.weights,
            biases=cost.biases,
            non_trainable=cost.non_trainable,
            macs=cost.macs,
        )


def merge_counted(layers: Sequence[Layer], read: Iterable[str] = ()) -> list[Layer]:
    """Counted layers in a row are one stretch the file's kinds do not describe: one counted layer,
    unless a join reads one of them by name (its output must stay its own)."""
    kept = set(read)
    merged: list[Layer] = []
    for layer in layers:
        previous = merged[-1] if merged else None
        if isinstance(layer, Counted) and isinstance(previous, Counted) and not {layer.name, previous.name} & kept:
            merged[-1] = replace(
                previous,
                output=layer.output,
                weights=previous.weights + layer.weights,
                biases=previous.biases + layer.biases,
                non_trainable=previous.non_trainable + layer.non_trainable,
                macs=previous.macs + layer.macs,
            )
        else:
            merged.append(layer)
    return merged


def repeats_collapsed(layers: Sequence[Layer], read: frozenset[str] = frozenset()) -> list[Layer]:
    """Runs of identical blocks (the same layers but for their names) as `repeat`, inner lists too.
    At each place the block that covers the most layers wins; the first occurrence's names are kept.
    A layer whose name a join reads is never folded into a repeat: the name must stay on its output.
    Layers are compared once each, by hash, to number the distinct ones: blocks are compared as lists
    of those numbers, so that a run of 50,000 residual blocks costs 50,000 comparisons, not 400,000."""
    layers = [_inner_collapsed(layer, read) for layer in layers]
    if len(layers) < 2:
        return layers
    distinct: dict[tuple[object, ...], int] = {}  # each block's key (a layer that holds a read name: itself) -> its number
    shapes = [distinct.setdefault(unnamed_key(layer) if not _holds_name(layer, read) else (layer,), len(distinct)) for layer in layers]
    collapsed: list[Layer] = []
    index = 0
    while index < len(layers):
        best_period, best_times = 1, 1
        for period in range(1, MAX_REPEAT_PERIOD + 1):
            block = shapes[index : index + period]
            if len(block) < period:
                break
            times = 1
            while shapes[index + times * period : index + (times + 1) * period] == block:
                times += 1
            if times > 1 and times * period > best_times * best_period:
                best_period, best_times = period, times
        if best_times > 1:
            block_layers = tuple(layers[index : index + best_period])
            first = block_layers[0]
            collapsed.append(Repeat(origin=first.origin, position="", name=None, times=best_times, layers=block_layers))
        else:
            collapsed.append(layers[index])
        index += best_period * best_times
    return collapsed


def _inner_collapsed(layer: Layer, read: frozenset[str]) -> Layer:
    """The layer with its inner lists collapsed; the layer itself when nothing in them is."""
    changes: dict[str, object] = {}
    for _, field, branches in nested_fields(type(layer)):
        if branches:
            lists = getattr(layer, field)
            collapsed_lists = tuple(tuple(repeats_collapsed(inner, read)) for inner in lists)
            if not all(_same(collapsed, inner) for collapsed, inner in zip(collapsed_lists, lists, strict=True)):
                changes[field] = collapsed_lists
        else:
            inner = getattr(layer, field)
            collapsed = tuple(repeats_collapsed(inner, read))
            if not _same(collapsed, inner):
                changes[field] = collapsed
    return replace(layer, **changes) if changes else layer


def _same(layers: Sequence[Layer], others: Sequence[Layer]) -> bool:
    """The very same layer objects: nothing was collapsed."""
    return len(layers) == len(others) and all(layer is other for layer, other in zip(layers, others, strict=True))


def _holds_name(layer: Layer, names: frozenset[str]) -> bool:
    """Whether the layer, or any layer inside it, carries one of `names`."""
    if not names:
        return False
    return layer.name in names or any(_holds_name(inner, names) for inner_list in inner_layer_lists(layer) for inner in inner_list)


def positioned(layers: Sequence[Layer], parent: str | None) -> tuple[Layer, ...]:
    """Positions as the YAML reader gives them: `3`; inside layer 5, `5.2`, `5.shortcut.1`, `5.branch2.1`."""
    prefix = f"{parent}." if parent else ""
    result = []
    for number, layer in enumerate(layers, start=1):
        position = f"{prefix}{number}"
        changes: dict[str, object] = {"position": position}
        for name, field, branches in nested_fields(type(layer)):
            if branches:
                lists = getattr(layer, field)
                changes[field] = tuple(positioned(branch, f"{position}.branch{index}") for index, branch in enumerate(lists, start=1))
            else:
                changes[field] = positioned(getattr(layer, field), position if name == "layers" else f"{position}.{name}")
        result.append(replace(layer, **changes))
    return tuple(result)
