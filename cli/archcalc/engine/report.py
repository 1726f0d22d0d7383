"""What the engine computes for a spec: its layers' results in order and their total. No formatting."""

from __future__ import annotations

from collections.abc import Iterator

from archcalc.model import Cost, LayerResult, Shape, Spec, output_after
from archcalc.values import value


@value
class Report:
    """A whole spec computed: its layers in order and their total, and the side branches whose
    outputs are extra outputs of the spec (an auxiliary classifier's)."""

    spec: Spec
    layers: tuple[LayerResult, ...]
    total: Cost
    side_outputs: tuple[LayerResult, ...] = ()

    @property
    def input_shape(self) -> Shape:
        return self.spec.input_shape

    @property
    def output_shape(self) -> Shape:
        return output_after(self.layers, self.spec.input_shape)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def active_params(self) -> int:
        """The parameters one token uses: all of them but the experts a mixture of experts leaves idle."""
        return self.total.params - sum(result.layer.idle_params(result) * result.occurrences for result in self.layers)


def walk(results: tuple[LayerResult, ...], outer: int = 1) -> Iterator[tuple[LayerResult, int]]:
    """Every result at every depth, with how many times it occurs (inside `repeat`s)."""
    for result in results:
        occurrences = outer * result.occurrences
        yield result, occurrences
        yield from walk(result.children, occurrences)
