"""Two reports, layer by layer: which layers are the same, changed, added or removed.

Layers are matched as a text diff matches lines, comparing what was written (kind and arguments;
not position or file line). In a stretch that differs on both sides, layers of the same kind are
paired in order as "changed"; the rest are added or removed.

The alignment takes time linear in the layers, whatever they are: the common start and end are
matched first (two specs that differ in one block of 10,000 layers leave only that block), a
short middle goes to difflib, and a long one is split at layers written once on each side
(patience diff) before that. difflib alone is quadratic on repetitive sequences: two 10,000-layer
specs took 13 s, and a repeat unrolled into 50,000 iterations six minutes. Inside a repeat, its
iterations are the layers compared, so a repeat lines up iteration by iteration with the other's.
"""

from __future__ import annotations

import bisect
import difflib
import enum
from collections.abc import Hashable, Iterator, Sequence

from archcalc.engine.relative import Relative
from archcalc.engine.report import Report
from archcalc.kinds.base import unnamed
from archcalc.model import Cost, Layer, LayerResult, total_cost
from archcalc.values import value


class Change(enum.Enum):
    SAME = "same"
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"


@value
class ComparedLayer:
    """A layer result and how many times it occurs (inside a `repeat`), as compared. A repeat's
    iterations are one occurrence of each layer of its block: `result` the last iteration's,
    `summed` their costs together (a block that changes the shape costs more each time)."""

    result: LayerResult
    occurrences: int = 1
    summed: Cost | None = None

    @property
    def cost(self) -> Cost:
        return self.summed if self.summed is not None else self.result.cost * self.occurrences


@value
class LayerDiff:
    """One row of a diff: a layer on either side, or both, and how it changed."""

    change: Change
    base: ComparedLayer | None
    head: ComparedLayer | None

    def figure(self, side: ComparedLayer | None, name: str) -> int:
        return 0 if side is None else int(getattr(side.cost, name))

    def delta(self, name: str) -> int:
        """head − base for one figure (`params`, `macs`, `weights`...); a missing side counts 0."""
        return self.relative(name).delta

    def relative(self, name: str) -> Relative:
        """One figure, head against base; a missing side counts 0."""
        return Relative(self.figure(self.base, name), self.figure(self.head, name))


@value
class ReportDiff:
    """Two reports and their layers lined up, base against head."""

    base: Report
    head: Report
    layers: tuple[LayerDiff, ...]

    def total(self, name: str) -> Relative:
        """One total (`params`, `macs`...), head against base."""
        return Relative(getattr(self.base.total, name), getattr(self.head.total, name))

    @property
    def total_delta(self) -> Cost:
        """Each total, head − base (negative where head has fewer)."""
        base, head = self.base.total, self.head.total
        return Cost(head.weights - base.weights, head.biases - base.biases, head.non_trainable - base.non_trainable, head.macs - base.macs)

    @property
    def counts(self) -> dict[Change, int]:
        """How many layers each change has: changed, added, removed, the same."""
        return {change: sum(layer.change is change for layer in self.layers) for change in Change}


def flatten(results: tuple[LayerResult, ...], depth: int, outer: int = 1, unroll: bool = False) -> Iterator[ComparedLayer]:
    """The layers `depth` levels down: composites above that level give way to their children. A
    repeat gives way to its block, each layer once over all its iterations, unless `unroll`."""
    for result in results:
        occurrences = outer * result.occurrences
        passes = result.layer.pass_length()
        if depth > 0 and passes and not unroll:
            yield from _block(result, passes, depth - 1, occurrences)
        elif depth > 0 and result.children:
            yield from flatten(result.children, depth - 1, occurrences, unroll)
        else:
            yield ComparedLayer(result, occurrences)


def _block(result: LayerResult, size: int, depth: int, outer: int) -> Iterator[ComparedLayer]:
    """A repeat as a repeat: each layer of its block once, over all its iterations (a repeat unrolled
    into 9,999 iterations is a few rows, not 9,999 times a few). Iterations that flatten differently
    (a repeat inside whose unrolling depends on the shape) are listed one after another instead."""
    iterations = [list(flatten(result.children[start : start + size], depth, outer)) for start in range(0, len(result.children), size)]
    first = iterations[0]
    if any(len(rows) != len(first) or any(row.result.layer is not one.result.layer for row, one in zip(rows, first, strict=True)) for rows in iterations):
        for rows in iterations:
            yield from rows
        return
    for column in zip(*iterations, strict=True):
        yield ComparedLayer(column[-1].result, sum(row.occurrences for row in column), total_cost([row.cost for row in column]))


def diff_reports(base: Report, head: Report, depth: int = 0, ignore_names: bool = False, unroll: bool = False) -> ReportDiff:
    """`ignore_names` matches layers by what they are alone, and `unroll` compares a repeat's every
    iteration (a spec against the model file it describes, which has no repeats)."""
    before = list(flatten(base.layers, depth, unroll=unroll))
    after = list(flatten(head.layers, depth, unroll=unroll))
    key = unnamed if ignore_names else _as_written
    layers: list[LayerDiff] = []
    for equal, base_start, base_end, head_start, head_end in align([key(o.result.layer) for o in before], [key(o.result.layer) for o in after]):
        if equal:
            for old, new in zip(before[base_start:base_end], after[head_start:head_end], strict=True):
                same = old.result.output_shape == new.result.output_shape and old.cost == new.cost and old.occurrences == new.occurrences
                layers.append(LayerDiff(Change.SAME if same else Change.CHANGED, old, new))
        else:
            layers.extend(_pair(before[base_start:base_end], after[head_start:head_end]))
    return ReportDiff(base, head, tuple(layers))


SHORT_MIDDLE = 100_000
"""difflib aligns a differing middle of at most this many (base × head) layer pairs; past it the
middle is first split at layers written once on each side."""

Stretch = tuple[bool, int, int, int, int]
"""(equal, base start, base end, head start, head end): a run of equal layers, or a differing one."""


def align(base: Sequence[Hashable], head: Sequence[Hashable]) -> list[Stretch]:
    """Equal and differing stretches that cover both sequences in order, in time linear in their
    length (n log n where a long middle needs splitting)."""
    numbers: dict[Hashable, int] = {}  # each distinct layer as a small int: compared and hashed once
    a = [numbers.setdefault(item, len(numbers)) for item in base]
    b = [numbers.setdefault(item, len(numbers)) for item in head]
    stretches: list[Stretch] = []
    pending = [(0, len(a), 0, len(b))]
    while pending:  # regions still to align, the leftmost last
        a_start, a_end, b_start, b_end = pending.pop()
        prefix = 0
        while a_start + prefix < a_end and b_start + prefix < b_end and a[a_start + prefix] == b[b_start + prefix]:
            prefix += 1
        suffix = 0
        while a_end - suffix > a_start + prefix and b_end - suffix > b_start + prefix and a[a_end - suffix - 1] == b[b_end - suffix - 1]:
            suffix += 1
        middle = (a_start + prefix, a_end - suffix, b_start + prefix, b_end - suffix)
        if prefix:
            stretches.append((True, a_start, a_start + prefix, b_start, b_start + prefix))
        if middle[0] < middle[1] or middle[2] < middle[3]:
            anchors = None if (middle[1] - middle[0]) * (middle[3] - middle[2]) <= SHORT_MIDDLE else _unique_anchors(a, b, *middle)
            if anchors is None:
                stretches.extend(_difflib(a, b, *middle) if middle[0] < middle[1] and middle[2] < middle[3] else [(False, *middle)])
            elif not anchors:
                stretches.append((False, *middle))  # nothing to hold on to: paired in order by kind
            else:
                regions, (i, j) = [], (middle[0], middle[2])
                for anchor_a, anchor_b in anchors:
                    regions.append((i, anchor_a, j, anchor_b))
                    regions.append((anchor_a, anchor_a + 1, anchor_b, anchor_b + 1))  # equal: found at once
                    i, j = anchor_a + 1, anchor_b + 1
                regions.append((i, middle[1], j, middle[3]))
                suffix_region = [(a_end - suffix, a_end, b_end - suffix, b_end)] if suffix else []
                pending.extend(reversed([*regions, *suffix_region]))
                continue
        if suffix:
            stretches.append((True, a_end - suffix, a_end, b_end - suffix, b_end))
    return [stretch for stretch in stretches if stretch[1] < stretch[2] or stretch[3] < stretch[4]]


def _difflib(a: list[int], b: list[int], a_start: int, a_end: int, b_start: int, b_end: int) -> list[Stretch]:
    matcher = difflib.SequenceMatcher(a=a[a_start:a_end], b=b[b_start:b_end], autojunk=False)
    return [(operation == "equal", a_start + i1, a_start + i2, b_start + j1, b_start + j2) for operation, i1, i2, j1, j2 in matcher.get_opcodes()]


def _unique_anchors(a: list[int], b: list[int], a_start: int, a_end: int, b_start: int, b_end: int) -> list[tuple[int, int]]:
    """Patience diff's anchors: layers written exactly once on each side, the longest run of them
    in the same order on both (a longest increasing subsequence, n log n)."""
    once_a: dict[int, int] = {}
    for index in range(a_start, a_end):
        once_a[a[index]] = -1 if a[index] in once_a else index
    once_b: dict[int, int] = {}
    for index in range(b_start, b_end):
        once_b[b[index]] = -1 if b[index] in once_b else index
    pairs = [(i, once_b[item]) for item, i in once_a.items() if i >= 0 and once_b.get(item, -1) >= 0]
    pairs.sort()
    tails: list[int] = []  # tails[k]: the smallest head index ending an increasing run of k + 1 anchors
    tail_pair: list[int] = []
    previous: list[int] = []
    for number, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            tail_pair.append(number)
        else:
            tails[k] = j
            tail_pair[k] = number
        previous.append(tail_pair[k - 1] if k else -1)
    run, number = [], tail_pair[-1] if tail_pair else -1
    while number >= 0:
        run.append(pairs[number])
        number = previous[number]
    return run[::-1]


def _as_written(layer: Layer) -> Layer:
    return layer


def _pair(removed: list[ComparedLayer], added: list[ComparedLayer]) -> Iterator[LayerDiff]:
    """Within a differing stretch, pair layers of the same kind in order; the others stand alone.
    Each kind's places on the head side are looked up by bisection: linear-log in the stretch."""
    places: dict[str, list[int]] = {}
    for index, new in enumerate(added):
        places.setdefault(new.result.layer.kind, []).append(index)
    head_index = 0
    for old in removed:
        candidates = places.get(old.result.layer.kind, [])
        found = bisect.bisect_left(candidates, head_index)
        if found == len(candidates):
            yield LayerDiff(Change.REMOVED, old, None)
            continue
        match = candidates[found]
        for new in added[head_index:match]:
            yield LayerDiff(Change.ADDED, None, new)
        yield LayerDiff(Change.CHANGED, old, added[match])
        head_index = match + 1
    for new in added[head_index:]:
        yield LayerDiff(Change.ADDED, None, new)
