"""One analysis step: every figure a command asked for, computed once into one value renderers read.

`show` asks for per-layer rows (each counted over the occurrences it stands for, each with the rows
that read it by name), and optionally receptive fields and memory at a dtype; `sharing` asks for
weight sharing; pictures and the report ask for identical layers in a row folded into runs.
Renderers only format.
"""

from __future__ import annotations

from collections.abc import Sequence

from archcalc.arithmetic import volume
from archcalc.engine import every_result
from archcalc.engine.fields import Fields, receptive_fields
from archcalc.engine.memory import activation_bytes, kv_cache_values, param_bytes
from archcalc.engine.report import Report
from archcalc.engine.sharing import Sharing, sharing
from archcalc.model import Cost, DType, LayerResult, ReceptiveField
from archcalc.values import value


@value
class Request:
    """What a command asked for beyond shapes, parameters and MACs."""

    receptive_field: bool = False
    memory: DType | None = None
    sharing: bool = False
    batch: int = 1  # samples (sequences) at once: outputs, the peak and the key/value cache are the batch's
    folded: bool = False  # identical layers in a row as one run (Run, below), for pictures and the report
    eager_attention: bool = False  # --attention eager: the peak counts attention's score matrix


@value
class LayerFigures:
    """One row: a layer result, and its figures counted over every occurrence it stands for (inside
    `repeat`s), so that a composite's children add up to it."""

    result: LayerResult
    occurrences: int
    cost: Cost
    children: tuple[LayerFigures, ...]
    field: ReceptiveField | None = None  # with receptive fields asked, and an input with positions
    param_bytes: int | None = None  # with memory asked
    output_bytes: int | None = None
    kv_cache_bytes: int | None = None  # with memory asked: the key/value cache of causal attention in it
    read_by: tuple[LayerResult, ...] = ()  # the later layers that read this one's output by name
    side_output: bool = False  # a branch whose output is an extra output of the spec


@value
class Memory:
    """Memory at one number format: the parameters stored, the peak of activations and the key/value
    cache of every causal attention, both for the batch (sequences of the input's length). In
    inference every activation is per sample, so the batch's peak is the batch times one sample's."""

    dtype: DType
    param_bytes: int
    peak_activation_bytes: int
    kv_cache_values: int = 0
    cache_rules: tuple[str, ...] = ()  # how each kind that keeps a cache counts it (its CACHE_RULE)
    batch: int = 1  # the samples (sequences) the peak and the cache are for
    eager_attention: bool = False
    attends: bool = False  # it has attention, which flash and eager run differently

    @property
    def kv_cache_bytes(self) -> int:
        return self.kv_cache_values * self.dtype.bytes


@value
class Analysis:
    """A report and everything asked of it."""

    report: Report
    request: Request
    layers: tuple[LayerFigures, ...]
    memory: Memory | None = None
    sharing: tuple[Sharing, ...] | None = None
    runs: tuple[Run, ...] | None = None  # with folded asked
    state_kinds: tuple[str, ...] = ()  # what its non-trainable values are (Layer.STATE), each kind once


# Identical layers in a row folded into one run, so that a picture or a page of 100,000 layers stays
# one screen: `relu ×100,000` is one bar and one line, not 100,000 (for pictures and the report).


@value
class Run:
    """Layers in a row that are the same layer (kind, arguments and name) on the same input, so
    that each has the same figures: the first and last of them, how many, their cost together, and
    (for a run of one block) the runs inside it."""

    first: LayerFigures
    last: LayerFigures
    count: int
    cost: Cost
    inside: tuple[Run, ...] = ()
    param_bytes: int | None = None  # with memory asked: the run's together, as `cost` is
    kv_cache_bytes: int | None = None


def runs(layers: Sequence[LayerFigures]) -> tuple[Run, ...]:
    """`layers` (siblings, in order) with each stretch of identical ones made one run, at every
    depth; a layer unlike its neighbours is a run of one."""
    folded: list[Run] = []
    start = 0
    for index in range(1, len(layers) + 1):
        if index < len(layers) and _alike(layers[start], layers[index]):
            continue
        count = index - start
        first = layers[start]
        inside = runs(first.children) if count == 1 and first.children else ()
        together = _times(first.param_bytes, count), _times(first.kv_cache_bytes, count)
        folded.append(Run(first, layers[index - 1], count, first.cost if count == 1 else first.cost * count, inside, *together))
        start = index
    return tuple(folded)


def _times(figure: int | None, count: int) -> int | None:
    return None if figure is None else figure * count


def _alike(first: LayerFigures, other: LayerFigures) -> bool:
    a, b = first.result, other.result
    return a.input_shape == b.input_shape and first.occurrences == other.occurrences and not a.joined and not b.joined and a.layer == b.layer


NOTHING_MORE = Request()


def analysis_of(report: Report, request: Request = NOTHING_MORE) -> Analysis:
    fields = receptive_fields(report) if request.receptive_field else None
    graph = Graph(report)
    layers = _figures(report.layers, 1, request, fields, graph)
    memory = None if request.memory is None else memory_of(report, request.memory, request.batch, request.eager_attention)
    folded = runs(layers) if request.folded else None
    return Analysis(report, request, layers, memory, sharing(report) if request.sharing else None, folded, state_kinds(report))


def state_kinds(report: Report) -> tuple[str, ...]:
    """What the layers holding non-trainable values hold, as each kind names it, once each: batch-norm's
    running statistics in a CNN, a router's routing bias in a mixture of experts."""
    return tuple(dict.fromkeys(result.layer.STATE for result in every_result(report.layers) if result.cost.non_trainable and not result.children))


def attends(report: Report) -> bool:
    """Whether any layer scores queries against keys, which `--attention` runs as flash or eager."""
    return any(result.layer.ATTENDS for result in every_result(report.layers))


def memory_of(report: Report, dtype: DType, batch: int = 1, eager_attention: bool = False) -> Memory:
    """The spec's memory at `dtype`, the peak and the cache for `batch` samples (sequences), attention's
    scores counted with `eager_attention`: what `show --memory` and `compare --memory` both write."""
    activations = activation_bytes(report, dtype, eager_attention) * batch
    cache = kv_cache_values(report) * batch
    return Memory(dtype, param_bytes(report, dtype), activations, cache, cache_rules(report), batch, eager_attention, attends(report))


def cache_rules(report: Report) -> tuple[str, ...]:
    """How each kind that keeps a cache here counts it, as the kind writes it (CACHE_RULE), once each."""
    kept = (result.layer.CACHE_RULE for result in every_result(report.layers) if result.layer.CACHE_RULE and result.layer.cached_values(result))
    return tuple(dict.fromkeys(kept))


class Graph:
    """Who reads whom by name: for each result read, the results that read it; and the side outputs."""

    def __init__(self, report: Report) -> None:
        self.readers: dict[int, list[LayerResult]] = {}
        for result in every_result(report.layers):
            for source in result.joined:
                self.readers.setdefault(id(source), []).append(result)
        self.side_outputs = {id(result) for result in report.side_outputs}


def _figures(results: tuple[LayerResult, ...], outer: int, request: Request, fields: Fields | None, graph: Graph) -> tuple[LayerFigures, ...]:
    rows = []
    for result in results:
        occurrences = outer * result.occurrences
        cost = result.cost * occurrences
        children = _figures(result.children, occurrences, request, fields, graph)
        memory = request.memory
        figures = LayerFigures(
            result,
            occurrences,
            cost,
            children,
            None if fields is None else fields.get(id(result)),
            None if memory is None else cost.params * memory.bytes,
            None if memory is None else volume(result.output_shape) * memory.bytes * request.batch,
            None if memory is None else result.layer.cached_values(result) * occurrences * memory.bytes * request.batch,
            tuple(graph.readers.get(id(result), ())),
            id(result) in graph.side_outputs,
        )
        rows.append(figures)
    return tuple(rows)
