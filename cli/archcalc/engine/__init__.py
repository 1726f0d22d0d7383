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

    def sequence(self, layers: tuple[Layer, ...], shape: Shape) -> tuple[LayerResult, ...]:
        results = []
        for layer in layers:
            result = layer.apply(shape, self)
            results.append(result)
            shape = result.output_shape
        return tuple(results)

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
