"""Identical layers in a row folded into one run, so that a picture or a page of 100,000 layers
stays one screen: `relu ×100,000` is one bar and one line, not 100,000."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.model import Cost
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.engine.analysis import LayerFigures


@value
class Run:
    """Layers in a row that are the same layer (kind, arguments and name) on the same input, so
    that each has the same figures: the first and last of them, how many, and their cost together."""

    first: LayerFigures
    last: LayerFigures
    count: int
    cost: Cost


def runs(layers: Sequence[LayerFigures]) -> tuple[Run, ...]:
    """`layers` (siblings, in order) with each stretch of identical ones made one run; a layer
    unlike its neighbours is a run of one."""
    folded: list[Run] = []
    start = 0
    for index in range(1, len(layers) + 1):
        if index < len(layers) and _alike(layers[start], layers[index]):
            continue
        count = index - start
        first = layers[start]
        folded.append(Run(first, layers[index - 1], count, first.cost if count == 1 else first.cost * count))
        start = index
    return tuple(folded)


def _alike(first: LayerFigures, other: LayerFigures) -> bool:
    a, b = first.result, other.result
    return a.input_shape == b.input_shape and first.occurrences == other.occurrences and not a.joined and not b.joined and a.layer == b.layer
