"""Parameter sharing, per convolution: what the same mapping costs without it.

A conv applies each filter's weights at every output position. The same windows with weights of
their own at each position (a locally connected layer) need positions × as many; a dense layer
from the same input to the same output map needs input values × output values.
"""

from __future__ import annotations

from archcalc.arithmetic import volume
from archcalc.engine.memory import walk
from archcalc.engine.report import Report
from archcalc.kinds.conv import Convolution
from archcalc.model import LayerResult
from archcalc.values import value


@value
class Sharing:
    """One convolution's weights, how many positions reuse each, and what it would cost unshared."""

    result: LayerResult
    occurrences: int  # how many times this layer occurs (inside a `repeat`)
    positions: int  # output positions: where each weight is applied, once per position
    shared_weights: int
    locally_connected_weights: int  # the same windows, but every position with weights of its own
    input_values: int
    output_values: int

    @property
    def dense_weights(self) -> int:
        """A dense layer from the whole input to the whole output map."""
        return self.input_values * self.output_values


def sharing(report: Report) -> tuple[Sharing, ...]:
    """Every convolution, at any depth, in order."""
    rows = []
    for result, times in walk(report.layers):
        if isinstance(result.layer, Convolution):
            positions = volume(result.output_shape[:-1])
            weights = result.cost.weights
            rows.append(Sharing(result, times, positions, weights, positions * weights, volume(result.input_shape), volume(result.output_shape)))
    return tuple(rows)
