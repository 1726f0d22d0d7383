"""Memory figures from shapes: parameter bytes, activations (an estimate, documented as such), and
the key/value cache of causal attention.

Peak activation memory is the largest input plus output of any one layer at any depth: what must be
live while that layer runs in inference. It does not simulate an allocator (tensors kept alive for a
residual's shortcut are not added), so it is a floor a real runtime meets or exceeds.

A causal attention that generates token by token keeps every earlier token's keys and values:
2·M·kv·d values for M tokens, kv key/value heads of width d. That cache, not the activations, is
what sizes a language model's memory at long contexts.
"""

from __future__ import annotations

from collections.abc import Iterator

from archcalc.arithmetic import volume
from archcalc.engine.report import Report
from archcalc.kinds.attention import Attention
from archcalc.model import DType, LayerResult


def walk(results: tuple[LayerResult, ...], times: int = 1) -> Iterator[tuple[LayerResult, int]]:
    """Every result at every depth, with how many times it occurs (inside `repeat`s)."""
    for result in results:
        occurrences = times * result.times
        yield result, occurrences
        yield from walk(result.children, occurrences)


def working_set(result: LayerResult) -> int:
    """Values live while this layer runs: its input and its output."""
    return volume(result.input_shape) + volume(result.output_shape)


def peak_activations(report: Report) -> int:
    """The largest working set of any layer, in values (the input alone for a spec with no layers)."""
    return max((working_set(result) for result, _ in walk(report.layers)), default=volume(report.input_shape))


def param_bytes(report: Report, dtype: DType) -> int:
    return report.total.params * dtype.bytes


def activation_bytes(report: Report, dtype: DType) -> int:
    return peak_activations(report) * dtype.bytes


def cached_values(result: LayerResult) -> int:
    """The key/value cache of one occurrence of this layer: its own if it is a causal attention, else
    its children's (each counted as often as it occurs)."""
    if isinstance(result.layer, Attention):
        return result.layer.cached_values(result)
    return sum(cached_values(child) * child.times for child in result.children)


def kv_cache_values(report: Report) -> int:
    return sum(cached_values(result) for result in report.layers)
