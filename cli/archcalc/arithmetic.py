"""The integer formulas PyTorch uses for windows sliding along one axis (conv and pooling)."""

from __future__ import annotations

import math
from math import prod


def ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def window_span(kernel: int, dilation: int) -> int:
    """How many input positions one window covers: d·(k−1) + 1."""
    return dilation * (kernel - 1) + 1


def window_count(length: int, kernel: int, stride: int, padding: int, dilation: int = 1, ceil_mode: bool = False) -> int:
    """Output length ⌊(n + 2p − d·(k−1) − 1) / s⌋ + 1; with ceil_mode ⌈…⌉ + 1, less one where the last
    window would start inside the right padding (PyTorch's pooling_output_shape). With ceil_mode a
    window may overhang the padded input by less than a stride, so a kernel one larger than the
    input can still give one output. Returns 0 when no window fits; callers turn that into an
    error that names the layer."""
    reach = length + 2 * padding - window_span(kernel, dilation)
    if not ceil_mode:
        return max(reach // stride + 1, 0)
    count = ceil_div(reach, stride) + 1
    if count > 0 and (count - 1) * stride >= length + padding:
        count -= 1
    return max(count, 0)


def same_count(length: int, stride: int) -> int:
    """`padding: same` keeps ⌈n / s⌉ positions, padding as much as that needs (TensorFlow's rule)."""
    return ceil_div(length, stride)


def quotient(numerator: int, denominator: int) -> float:
    """numerator / denominator as a float, ±inf where that is too large for a float: exact counts
    can pass 1e308 (nested repeats multiply), and a ratio must not crash the report."""
    try:
        return numerator / denominator
    except OverflowError:  # the sign from comparisons: math.copysign would convert the int to a float
        return math.inf if (numerator < 0) == (denominator < 0) else -math.inf


def volume(shape: tuple[int, ...]) -> int:
    """Number of values in a shape (1 for the empty shape)."""
    return prod(shape)
