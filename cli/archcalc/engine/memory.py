"""Memory figures from shapes: parameter bytes, and activations (an estimate, documented as such).

Peak activation memory is the largest input plus output of any one layer at any depth: what must be
live while that layer runs in inference. It does not simulate an allocator (tensors kept alive for a
residual's shortcut are not added), so it is a floor a real runtime meets or exceeds.
"""

from __future__ import annotations

from collections.abc import Iterator

from archcalc.arithmetic import volume
from archcalc.engine.report import Report
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
