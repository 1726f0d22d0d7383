"""Memory figures from shapes: parameter bytes, activations (an estimate, documented as such), and
the key/value cache of causal attention.

Peak activation memory is the most that must be live while any one layer runs in inference: its
input and its output, the tensors it joins by name, and the tensors held for later. A tensor is held
from the layer that makes it to the last layer that reads it by name (a U-Net's encoder outputs wait
for its decoder), and a side branch holds the main path's tensor while it runs (an auxiliary head).
It does not simulate an allocator (tensors kept alive for a residual's shortcut are not added), so
it is a floor a real runtime meets or exceeds.

A causal attention that generates token by token keeps every earlier token's keys and values:
2·M·kv·d values for M tokens, kv key/value heads of width d. That cache, not the activations, is
what sizes a language model's memory at long contexts.
"""

from __future__ import annotations

from archcalc.arithmetic import volume
from archcalc.engine.report import Report
from archcalc.errors import ShapeError
from archcalc.model import DType, LayerResult
from archcalc.values import value


def working_set(result: LayerResult) -> int:
    """Values live while this layer runs: its input and its output."""
    return volume(result.input_shape) + volume(result.output_shape)


@value
class Hold:
    """A tensor (named by the result that made it; None for the spec's input) kept live while the
    steps from `first` to `last` run."""

    tensor: LayerResult | None
    values: int
    first: int
    last: int


class Timeline:
    """The results in the order they run (each composite before its children), what made each one's
    input, and the tensors held across them."""

    def __init__(self, report: Report, eager_attention: bool = False) -> None:
        self.eager_attention = eager_attention  # eager attention holds its score matrix while it runs; flash does not
        self.input_values = volume(report.input_shape)
        self.steps: list[LayerResult] = []
        self.made_by: list[LayerResult | None] = []  # the result whose output is the step's input; None: the spec's input
        self.after: list[int] = []  # the first step after the step's descendants
        self.holds: list[Hold] = []
        self.walk(report.layers, None)
        last_read: dict[int, int] = {}
        for place, result in enumerate(self.steps):
            for source in result.joined:
                last_read[id(source)] = place
        for place, result in enumerate(self.steps):
            if id(result) in last_read:  # read by name later: held from the end of it to the step that reads it last
                self.holds.append(Hold(result, volume(result.output_shape), self.after[place], last_read[id(result)]))

    def values_of(self, tensor: LayerResult | None) -> int:
        return self.input_values if tensor is None else volume(tensor.output_shape)

    def walk(self, results: tuple[LayerResult, ...], made_by: LayerResult | None) -> None:
        """A composite's paths each start from its input, and a branch's from the layer it branches
        from, while the main path's tensor waits."""
        for result in results:
            place = len(self.steps)
            reads = result.joined[0] if result.layer.SIDE_BRANCH and result.joined else made_by
            self.steps.append(result)
            self.made_by.append(reads)
            self.after.append(place + 1)
            for path in result.layer.paths(result):
                self.walk(path, reads)
            self.after[place] = len(self.steps)
            if result.layer.SIDE_BRANCH:
                self.holds.append(Hold(made_by, self.values_of(made_by), place, self.after[place] - 1))
            else:
                made_by = result

    def peak(self) -> int:
        """The largest of: a step's input, output and the tensors it joins, plus every tensor held
        across it (those it reads itself are counted once)."""
        change = [0] * (len(self.steps) + 1)
        held_by_tensor: dict[int, list[Hold]] = {}
        for hold in self.holds:
            if hold.first <= hold.last:
                change[hold.first] += hold.values
                change[hold.last + 1] -= hold.values
                held_by_tensor.setdefault(id(hold.tensor), []).append(hold)
        best, held = self.input_values, 0
        for place, result in enumerate(self.steps):
            held += change[place]
            live = working_set(result) + held + result.layer.scratch_values(result, self.eager_attention)
            if result.joined:
                live += sum(volume(source.output_shape) for source in result.joined if source is not self.made_by[place])
            if held:  # a held tensor this step reads is already in its input or its joins
                read = {id(self.made_by[place])} | {id(source) for source in result.joined}
                live -= sum(hold.values for tensor in read for hold in held_by_tensor.get(tensor, ()) if hold.first <= place <= hold.last)
            best = max(best, live)
        return best


def peak_activations(report: Report, eager_attention: bool = False) -> int:
    """The most values live at once (the input alone for a spec with no layers). Attention is taken
    as flash attention computes it, holding no score matrix; `eager_attention` adds the scores and
    their softmax, as the math path holds them. A checkpoint has no shapes, so it has no activations
    to count: refused rather than invented."""
    if report.spec.checkpoint is not None:
        hint = "its config.json has them (archcalc show config.json --memory); its stored bytes are in the notes"
        raise ShapeError("a checkpoint holds no shapes, so its activations cannot be counted", report.spec.origin, None, hint)
    return Timeline(report, eager_attention).peak()


def param_bytes(report: Report, dtype: DType) -> int:
    return report.total.params * dtype.bytes


def activation_bytes(report: Report, dtype: DType, eager_attention: bool = False) -> int:
    return peak_activations(report, eager_attention) * dtype.bytes


def kv_cache_values(report: Report) -> int:
    return sum(result.layer.cached_values(result) for result in report.layers)
