"""Window arithmetic both graph readers (ONNX, Keras) need to write a file's windows as a spec does."""

from __future__ import annotations

from collections.abc import Iterable

from archcalc.arithmetic import same_count, window_span
from archcalc.model import PerAxis


def written_per_axis(values: Iterable[int]) -> PerAxis:
    """One value when every axis agrees (as a spec would write it), else one per axis."""
    written = tuple(values)
    return written[:1] if len(set(written)) == 1 else written


def same_pads(
    spatial: tuple[int, ...], strides: tuple[int, ...], dilations: tuple[int, ...], kernel: tuple[int, ...]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """TensorFlow's SAME, archcalc's `same`: ⌈n / s⌉ outputs, the padding they need split with the odd
    one at the end: (begin, end) per axis."""
    totals = [max((same_count(n, s) - 1) * s + window_span(k, d) - n, 0) for n, s, d, k in zip(spatial, strides, dilations, kernel, strict=True)]
    return tuple(total // 2 for total in totals), tuple(total - total // 2 for total in totals)
