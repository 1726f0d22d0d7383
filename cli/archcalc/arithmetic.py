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


def triangle(count: int) -> int:
    """1 + 2 + … + count (0 for none)."""
    return count * (count + 1) // 2 if count > 0 else 0


def ramp(tokens: int, start: int) -> int:
    """Σ max(0, i − start) over the positions i = 0 … tokens − 1."""
    if start < 0:
        return tokens * (tokens - 1) // 2 - start * tokens
    return triangle(tokens - 1 - start)


def sliding_window_reads(tokens: int, window: int, causal: bool) -> int:
    """The query-key pairs of a sliding window over `tokens`, in closed form (a sequence of a million
    tokens costs no loop). Causal: token i reads min(i + 1, w) keys. Otherwise the w keys centred on
    it, ⌊w/2⌋ before and the rest after, clipped at the ends of the sequence."""
    if causal:
        return triangle(tokens) if window >= tokens else triangle(window) + (tokens - window) * window
    before = window // 2
    after = window - 1 - before
    last = tokens - 1
    reach_after = tokens * (tokens - 1) // 2 + tokens * after - ramp(tokens, last - after)  # Σ min(last, i + after)
    reach_before = ramp(tokens, before)  # Σ max(0, i − before)
    return tokens + reach_after - reach_before
