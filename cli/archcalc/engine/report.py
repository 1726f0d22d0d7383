"""Results the engine hands to renderers: exact integers per layer and in total. Frozen; no formatting."""

from __future__ import annotations

from archcalc.spec.model import Layer, Shape, Spec
from archcalc.values import value


@value
class Cost:
    """What one layer (or a whole block, or a network) costs. Every figure is an exact int."""

    weights: int = 0
    biases: int = 0
    non_trainable: int = 0  # batch-norm running mean and variance: state, not parameters
    macs: int = 0

    @property
    def params(self) -> int:
        """What PyTorch counts: `sum(p.numel() for p in model.parameters())`."""
        return self.weights + self.biases

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.weights + other.weights,
            self.biases + other.biases,
            self.non_trainable + other.non_trainable,
            self.macs + other.macs,
        )

    def __mul__(self, times: int) -> Cost:
        return Cost(self.weights * times, self.biases * times, self.non_trainable * times, self.macs * times)


def total_cost(costs: list[Cost] | tuple[Cost, ...]) -> Cost:
    result = Cost()
    for cost in costs:
        result = result + cost
    return result


@value
class LayerResult:
    """One layer applied to one input shape. A composite's cost includes its children's.

    `times` is how many times this row occurs in a row: inside a `repeat`, iterations whose input
    shape no longer changes are identical, so they are computed once and counted `times` times.
    """

    layer: Layer
    input_shape: Shape
    output_shape: Shape
    cost: Cost
    children: tuple[LayerResult, ...] = ()
    times: int = 1


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
