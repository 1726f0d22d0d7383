"""Receptive field and effective stride of every layer, per spatial axis, each kind applying its own rule.

Through a window of span e = d·(k−1) + 1 and stride s, the field grows by (e − 1) · jump and the jump
(the input distance between neighbouring outputs) multiplies by s. A flatten, a global pool or a
squeeze-excite gate see the whole input; adaptive pools with uneven windows are marked approximate.
"""

from __future__ import annotations

from archcalc.engine.report import Report
from archcalc.model import Field, LayerResult

Fields = dict[int, Field]
"""The field after each layer result, keyed by the result's id (two identical layers at different
depths are different rows)."""


class FieldWalker:
    """Walks results in order, asking each layer's kind for the field after it."""

    def __init__(self) -> None:
        self.fields: Fields = {}

    def sequence(self, results: tuple[LayerResult, ...], field: Field, record: bool = True) -> Field:
        walker = self if record else FieldWalker()  # a scratch walk: its fields are thrown away
        for result in results:
            field = result.layer.receptive_field(result, field, walker)
            walker.fields[id(result)] = field
        return field


def receptive_fields(report: Report) -> Fields:
    """The field after every result at every depth; empty for a flat input (no positions)."""
    rank = len(report.input_shape) - 1
    walker = FieldWalker()
    if rank >= 1:
        walker.sequence(report.layers, Field((1,) * rank, (1,) * rank))
    return walker.fields
