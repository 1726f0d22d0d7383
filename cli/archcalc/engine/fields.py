"""Receptive field and effective stride of every layer, per spatial axis, each kind applying its own rule.

Through a window of span e = d·(k−1) + 1 and stride s, the field grows by (e − 1) · jump and the jump
(the input distance between neighbouring outputs) multiplies by s. A flatten, a global pool or a
squeeze-excite gate see the whole input; adaptive pools with uneven windows are marked approximate.
Where paths join (a residual, a concat, a join by name) an output sees what either path saw. Past an
upsampling the jump is a fraction of an input position.

Token ids ([N] read by an `embedding`) are N positions. Once `tokens` has laid an image's positions
out in a row, or an `embedding` has added an axis, a window along the new axes covers no box of
input positions: from such a window on, the field is the whole input (an upper bound, marked
approximate). Layers that map each position on its own keep the field they were given.
"""

from __future__ import annotations

from archcalc.engine.report import Report
from archcalc.model import LayerResult, ReceptiveField

Fields = dict[int, ReceptiveField]
"""The field after each layer result, keyed by the result's id (two identical layers at different
depths are different rows)."""


class FieldWalker:
    """Walks results in order, asking each layer's kind for the field after it."""

    def __init__(self, recorded: FieldWalker | None = None) -> None:
        self.fields: Fields = {}
        self.recorded = recorded  # for a scratch walk: the walk whose fields a join may read

    def sequence(self, results: tuple[LayerResult, ...], field: ReceptiveField, record: bool = True) -> ReceptiveField:
        walker = self if record else FieldWalker(self)  # a scratch walk: its fields are thrown away
        for result in results:
            if relaid(result, field):
                after = ReceptiveField(None, field.jump, approximate=True)
            else:
                after = result.layer.receptive_field(result, field, walker)
            walker.fields[id(result)] = after
            if not result.layer.SIDE_BRANCH:  # the path goes on from the tensor before a side branch
                field = after
        return field

    def field_of(self, result: LayerResult) -> ReceptiveField:
        """The field after an earlier result. Results are walked in the order they were applied, so a
        result read by name has been walked (in this walk or the one it scratches from)."""
        walker: FieldWalker | None = self
        while walker is not None:
            if id(result) in walker.fields:
                return walker.fields[id(result)]
            walker = walker.recorded
        raise LookupError(f"{result!r} was read by name before it was walked")


def relaid(result: LayerResult, field: ReceptiveField) -> bool:
    """A window along positions laid out on other axes than the input's. Kinds that map positions
    on their own or see them all, and composites (whose layers are asked in turn), follow any axes."""
    rank = len(result.input_shape) - 1
    if rank < 1 or rank == len(field.jump) or result.children:
        return False
    return not result.layer.ANY_LAYOUT


def receptive_fields(report: Report) -> Fields:
    """The field after every result at every depth; empty for a flat input of features (no positions)."""
    rank = 1 if report.spec.reads_token_ids else len(report.input_shape) - 1
    walker = FieldWalker()
    if rank >= 1:
        walker.sequence(report.layers, ReceptiveField((1,) * rank, (1,) * rank))
    return walker.fields
