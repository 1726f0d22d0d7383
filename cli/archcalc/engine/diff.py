"""Two reports, layer by layer: which layers are the same, changed, added or removed.

Layers are matched as a text diff matches lines (difflib's longest matching blocks), comparing what
was written (kind and arguments; not position or file line). In a stretch that differs on both
sides, layers of the same kind are paired in order as "changed"; the rest are added or removed.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterator

from archcalc.engine.report import Report
from archcalc.kinds.base import unnamed
from archcalc.model import Cost, Layer, LayerResult
from archcalc.values import value


class Change(enum.Enum):
    SAME = "same"
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"


@value
class Occurrence:
    """A layer result and how many times it occurs (inside a `repeat`), as compared."""

    result: LayerResult
    times: int = 1

    @property
    def cost(self) -> Cost:
        return self.result.cost * self.times


@value
class LayerDiff:
    """One row of a diff: a layer on either side, or both, and how it changed."""

    change: Change
    base: Occurrence | None
    head: Occurrence | None

    def figure(self, side: Occurrence | None, name: str) -> int:
        return 0 if side is None else int(getattr(side.cost, name))

    def delta(self, name: str) -> int:
        """head − base for one figure (`params`, `macs`, `weights`...); a missing side counts 0."""
        return self.figure(self.head, name) - self.figure(self.base, name)


@value
class ReportDiff:
    """Two reports and their layers lined up, base against head."""

    base: Report
    head: Report
    layers: tuple[LayerDiff, ...]


def flatten(results: tuple[LayerResult, ...], depth: int, times: int = 1) -> Iterator[Occurrence]:
    """The layers `depth` levels down: composites above that level give way to their children."""
    for result in results:
        occurrences = times * result.times
        if depth > 0 and result.children:
            yield from flatten(result.children, depth - 1, occurrences)
        else:
            yield Occurrence(result, occurrences)


def diff_reports(base: Report, head: Report, depth: int = 0, ignore_names: bool = False) -> ReportDiff:
    """`ignore_names` matches layers by what they are alone (a spec against the model file it describes)."""
    before = list(flatten(base.layers, depth))
    after = list(flatten(head.layers, depth))
    key = unnamed if ignore_names else _as_written
    matcher = difflib.SequenceMatcher(a=[key(o.result.layer) for o in before], b=[key(o.result.layer) for o in after], autojunk=False)
    layers: list[LayerDiff] = []
    for operation, base_start, base_end, head_start, head_end in matcher.get_opcodes():
        if operation == "equal":
            for old, new in zip(before[base_start:base_end], after[head_start:head_end], strict=True):
                same = old.result.output_shape == new.result.output_shape and old.cost == new.cost and old.times == new.times
                layers.append(LayerDiff(Change.SAME if same else Change.CHANGED, old, new))
        else:
            layers.extend(_pair(before[base_start:base_end], after[head_start:head_end]))
    return ReportDiff(base, head, tuple(layers))


def _as_written(layer: Layer) -> Layer:
    return layer


def _pair(removed: list[Occurrence], added: list[Occurrence]) -> Iterator[LayerDiff]:
    """Within a differing stretch, pair layers of the same kind in order; the others stand alone."""
    head_index = 0
    for old in removed:
        match = next((i for i in range(head_index, len(added)) if added[i].result.layer.kind == old.result.layer.kind), None)
        if match is None:
            yield LayerDiff(Change.REMOVED, old, None)
            continue
        for new in added[head_index:match]:
            yield LayerDiff(Change.ADDED, None, new)
        yield LayerDiff(Change.CHANGED, old, added[match])
        head_index = match + 1
    for new in added[head_index:]:
        yield LayerDiff(Change.ADDED, None, new)
