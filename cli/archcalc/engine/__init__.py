"""Spec -> Report: every layer's output shape, parameters and MACs, as exact integers.

The engine asks each layer's kind (archcalc/kinds/) for its rule; it keeps no table of kinds.
"""

from __future__ import annotations

from archcalc.engine.report import Report
from archcalc.model import Layer, LayerResult, Shape, Spec, total_cost

__all__ = ["MAX_UNROLLED_LAYERS", "Report", "analyze"]

MAX_UNROLLED_LAYERS = 50_000
"""All `repeat`s of one analysis together unroll at most this many layers (nested repeats multiply)."""


class Engine:
    """Applies layers for one analysis, and counts what `repeat`s unroll: a guard against nested
    repeats that multiply into millions of layers, not part of any figure."""

    def __init__(self) -> None:
        self.unrolled_layers = 0
        self.outputs: dict[str, LayerResult] = {}  # by `name:`, the latest result of each named layer
        self.shared_names: dict[str, tuple[Layer, Layer]] = {}  # names written on two different layers

    def sequence(self, layers: tuple[Layer, ...], shape: Shape) -> tuple[LayerResult, ...]:
        results = []
        for layer in layers:
            result = layer.apply(shape, self)
            results.append(result)
            shape = result.output_shape
            if layer.name is not None:
                earlier = self.outputs.get(layer.name)
                if earlier is not None and earlier.layer is not layer:  # the same layer again is a `repeat`'s next pass
                    self.shared_names.setdefault(layer.name, (earlier.layer, layer))
                self.outputs[layer.name] = result
        return tuple(results)

    def named(self, name: str, asking: Layer) -> LayerResult:
        if name in self.shared_names:
            first, second = self.shared_names[name]
            raise asking.error(f"'{name}' names two layers ({first.where} and {second.where}); give each a name of its own")
        result = self.outputs.get(name)
        if result is None:
            raise asking.error(f"no layer named '{name}' comes before it")
        return result

    def unrolled(self, layer: Layer, results: tuple[LayerResult, ...]) -> None:
        self.unrolled_layers += count_results(results)
        if self.unrolled_layers > MAX_UNROLLED_LAYERS:
            raise layer.error(f"the repeats unroll into more than {MAX_UNROLLED_LAYERS:,} layers; archcalc stops there")


def count_results(results: tuple[LayerResult, ...]) -> int:
    """Layers in these results, their children included."""
    return sum(1 + count_results(result.children) for result in results)


def analyze(spec: Spec) -> Report:
    """Compute a whole spec. Raises ShapeError, located at the layer, when a shape cannot be computed."""
    layers = Engine().sequence(spec.layers, spec.input_shape)
    return Report(spec, layers, total_cost([layer.cost for layer in layers]))
