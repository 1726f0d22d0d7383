"""What the engine computes for a spec: its layers' results in order and their total. No formatting."""

from __future__ import annotations

from archcalc.model import Cost, LayerResult, Shape, Spec
from archcalc.values import value


@value
class Report:
    """A whole spec computed: its layers in order and their total."""

    spec: Spec
    layers: tuple[LayerResult, ...]
    total: Cost

    @property
    def input_shape(self) -> Shape:
        return self.spec.input_shape

    @property
    def output_shape(self) -> Shape:
        return self.layers[-1].output_shape if self.layers else self.spec.input_shape

    @property
    def name(self) -> str:
        return self.spec.name
