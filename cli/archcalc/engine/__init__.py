"""Spec -> Report: every layer's output shape, parameters and MACs, as exact integers.

The engine asks each layer's kind (archcalc/kinds/) for its rule; it keeps no table of kinds.
"""

from __future__ import annotations

from collections.abc import Iterator

from archcalc.engine.report import Report
from archcalc.errors import suggestion
from archcalc.kinds.base import inner_layer_lists
from archcalc.model import Layer, LayerResult, Shape, Spec, total_cost
from archcalc.printable import order_of
from archcalc.quantities import MAX_COUNT

__all__ = ["MAX_DIMENSION", "MAX_UNROLLED_LAYERS", "Report", "analyze"]

MAX_UNROLLED_LAYERS = 50_000
"""All `repeat`s of one analysis together unroll at most this many layers (nested repeats multiply)."""

MAX_DIMENSION = MAX_COUNT
"""No axis of any layer's output is larger (10^36, the largest size archcalc reads): a repeat that
doubles the channels 10,000 times would reach 3,011 digits, and print megabytes of them."""


class Engine:
    """Applies the layers of one spec, and answers what a layer asks of it: the output of an earlier
    layer by its `name:`, and a count of what `repeat`s unroll (a guard against nested repeats that
    multiply into millions of layers, not part of any figure)."""

    def __init__(self, layers: tuple[Layer, ...]) -> None:
        self.unrolled_layers = 0
        self.order: dict[int, int] = {}  # id(layer) -> its place in the order layers are applied
        self.written: dict[str, list[Layer]] = {}  # each `name:`, and every layer written with it
        for place, layer in enumerate(applied_order(layers)):
            self.order[id(layer)] = place
            if layer.name is not None:
                self.written.setdefault(layer.name, []).append(layer)
        self.outputs: dict[str, LayerResult] = {}  # by `name:`, the latest result of each named layer
        self.in_training_only: dict[str, Layer] = {}  # names an inference pass does not run, and the branch that holds them

    def sequence(self, layers: tuple[Layer, ...], shape: Shape) -> tuple[LayerResult, ...]:
        results = []
        for layer in layers:
            result = layer.apply(shape, self)
            largest = max(result.output_shape, default=0)
            if largest > MAX_DIMENSION:
                raise layer.error(f"an axis of its output would be {order_of(largest)}, more than 1e36, the largest size archcalc computes")
            results.append(result)
            if not layer.SIDE_BRANCH:  # a side branch's output is an extra one: the next layer sees `shape`
                shape = result.output_shape
            if layer.name is not None:
                self.outputs[layer.name] = result
        return tuple(results)

    def only_in_training(self, branch: Layer, results: tuple[LayerResult, ...]) -> None:
        for layer in (branch, *(result.layer for result in every_result(results))):
            if layer.name is not None:
                self.in_training_only[layer.name] = branch

    def named(self, name: str, asking: Layer) -> LayerResult:
        written = self.written.get(name)
        if not written:
            hint = suggestion(name, self.written) or "a layer is given a name with `name:`"
            raise asking.error(f"no layer is named '{name}'", hint)
        if len(written) > 1:
            first, second = written[0], written[1]
            raise asking.error(f"'{name}' names two layers, {first.where_written} and {second.where_written}; give each a name of its own")
        (layer,) = written
        if self.order[id(layer)] > self.order[id(asking)]:
            raise asking.error(f"'{name}' is {layer.where_written}, which comes after this one; a layer can only read the output of one applied before it")
        result = self.outputs.get(name)
        if result is None:  # applied before, yet not finished: it is a composite that holds `asking`
            raise asking.error(f"'{name}' is {layer.where_written}, which contains this one; its output is not ready until this layer has run")
        branch = self.in_training_only.get(name)
        if branch is not None:
            raise asking.error(f"'{name}' runs only in training ({branch.where_written} is `training_only`): an inference pass has no output of it to read")
        return result

    def unrolled(self, layer: Layer, results: tuple[LayerResult, ...]) -> None:
        self.unrolled_layers += count_results(results)
        if self.unrolled_layers > MAX_UNROLLED_LAYERS:
            raise layer.error(f"the repeats unroll into more than {MAX_UNROLLED_LAYERS:,} layers; archcalc stops there")


def applied_order(layers: tuple[Layer, ...]) -> Iterator[Layer]:
    """Every layer as written, at every depth, in the order the engine applies them: each composite
    before its layers, which come in the order its kind declares them (a residual's main path, then
    its shortcut)."""
    for layer in layers:
        yield layer
        for inner in inner_layer_lists(layer):
            yield from applied_order(inner)


def count_results(results: tuple[LayerResult, ...]) -> int:
    """Layers in these results, their children included."""
    return sum(1 + count_results(result.children) for result in results)


def every_result(results: tuple[LayerResult, ...]) -> Iterator[LayerResult]:
    """Every result at every depth, each composite before its children."""
    for result in results:
        yield result
        yield from every_result(result.children)


def side_outputs(results: tuple[LayerResult, ...]) -> tuple[LayerResult, ...]:
    """The side branches whose output no later layer reads: the spec's extra outputs."""
    read = {id(source) for result in every_result(results) for source in result.joined}
    return tuple(result for result in every_result(results) if result.layer.SIDE_BRANCH and id(result) not in read)


def analyze(spec: Spec) -> Report:
    """Compute a whole spec. Raises ShapeError, located at the layer, when a shape cannot be computed."""
    layers = Engine(spec.layers).sequence(spec.layers, spec.input_shape)
    return Report(spec, layers, total_cost([layer.cost for layer in layers]), side_outputs(layers))
