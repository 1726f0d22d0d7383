"""One analysis step: every figure a command asked for, computed once into one value renderers read.

`show` asks for per-layer rows (each counted over the occurrences it stands for, each with the rows
that read it by name), and optionally receptive fields and memory at a dtype; `sharing` asks for
weight sharing. Renderers only format.
"""

from __future__ import annotations

from archcalc.arithmetic import volume
from archcalc.engine import every_result
from archcalc.engine.fields import Fields, receptive_fields
from archcalc.engine.memory import activation_bytes, kv_cache_values, param_bytes
from archcalc.engine.report import Report
from archcalc.engine.sharing import Sharing, sharing
from archcalc.model import Cost, DType, Field, LayerResult
from archcalc.values import value


@value
class Request:
    """What a command asked for beyond shapes, parameters and MACs."""

    receptive_field: bool = False
    memory: DType | None = None
    sharing: bool = False
    eager_attention: bool = False  # --attention eager: the peak counts attention's score matrix


@value
class LayerFigures:
    """One row: a layer result, and its figures counted over every occurrence it stands for (inside
    `repeat`s), so that a composite's children add up to it."""

    result: LayerResult
    occurrences: int
    cost: Cost
    children: tuple[LayerFigures, ...]
    field: Field | None = None  # with receptive fields asked, and an input with positions
    param_bytes: int | None = None  # with memory asked
    output_bytes: int | None = None
    kv_cache_bytes: int | None = None  # with memory asked: the key/value cache of causal attention in it
    read_by: tuple[LayerResult, ...] = ()  # the later layers that read this one's output by name
    side_output: bool = False  # a branch whose output is an extra output of the spec


@value
class Memory:
    """Memory at one number format: the parameters stored, the peak of activations, and the
    key/value cache of every causal attention (for one sequence of the input's length)."""

    dtype: DType
    param_bytes: int
    peak_activation_bytes: int
    kv_cache_values: int = 0
    eager_attention: bool = False

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


NOTHING_MORE = Request()


def analysis_of(report: Report, request: Request = NOTHING_MORE) -> Analysis:
    fields = receptive_fields(report) if request.receptive_field else None
    graph = Graph(report)
    layers = _figures(report.layers, 1, request, fields, graph)
    memory = None
    if request.memory is not None:
        dtype = request.memory
        memory = Memory(
            dtype, param_bytes(report, dtype), activation_bytes(report, dtype, request.eager_attention), kv_cache_values(report), request.eager_attention
        )
    return Analysis(report, request, layers, memory, sharing(report) if request.sharing else None)


class Graph:
    """Who reads whom by name: for each result read, the results that read it; and the side outputs."""

    def __init__(self, report: Report) -> None:
        self.readers: dict[int, list[LayerResult]] = {}
        for result in every_result(report.layers):
            for source in result.joined:
                self.readers.setdefault(id(source), []).append(result)
        self.side_outputs = {id(result) for result in report.side_outputs}


def _figures(results: tuple[LayerResult, ...], times: int, request: Request, fields: Fields | None, graph: Graph) -> tuple[LayerFigures, ...]:
    rows = []
    for result in results:
        occurrences = times * result.times
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
            None if memory is None else volume(result.output_shape) * memory.bytes,
            None if memory is None else result.layer.cached_values(result) * occurrences * memory.bytes,
            tuple(graph.readers.get(id(result), ())),
            id(result) in graph.side_outputs,
        )
        rows.append(figures)
    return tuple(rows)
