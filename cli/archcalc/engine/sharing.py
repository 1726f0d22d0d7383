"""Parameter sharing, per convolution: what the same mapping costs without it.

A conv applies each filter's weights at every output position. The same windows with weights of
their own at each position (a locally connected layer) need positions × as many; a dense layer
from the same input to the same output map needs input values × output values.
"""

from __future__ import annotations

from archcalc.arithmetic import quotient, volume
from archcalc.engine.report import Report, walk
from archcalc.model import LayerResult
from archcalc.values import value


@value
class Sharing:
    """One convolution's weights, how many positions reuse each, and what it would cost unshared."""

    result: LayerResult
    occurrences: int  # how many times this layer occurs (inside a `repeat`)

    @property
    def positions(self) -> int:
        """Output positions: where each weight is applied, once per position."""
        return volume(self.result.output_shape[:-1])

    @property
    def shared_weights(self) -> int:
        return self.result.cost.weights

    @property
    def locally_connected_weights(self) -> int:
        """The same windows, but every position with weights of its own."""
        return self.positions * self.shared_weights

    @property
    def input_values(self) -> int:
        return volume(self.result.input_shape)

    @property
    def output_values(self) -> int:
        return volume(self.result.output_shape)

    @property
    def dense_weights(self) -> int:
        """A dense layer from the whole input to the whole output map."""
        return self.input_values * self.output_values

    @property
    def dense_over_shared(self) -> float | None:
        """How many times the conv's weights a dense layer needs; None for a conv without weights."""
        return quotient(self.dense_weights, self.shared_weights) if self.shared_weights else None


def sharing(report: Report) -> tuple[Sharing, ...]:
    """Every layer whose weights are applied at every position (each convolution), at any depth, in order."""
    return tuple(Sharing(result, times) for result, times in walk(report.layers) if result.layer.SHARES_WEIGHTS_ACROSS_POSITIONS)
