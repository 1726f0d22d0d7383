"""What the engine computes for a spec: its layers' results in order and their total. No formatting."""

from __future__ import annotations

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
